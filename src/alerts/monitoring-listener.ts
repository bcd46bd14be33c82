import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  CONNECTION_NEEDS_RECONSENT,
  PATIENT_SYNCED,
  WEARABLE_DISCONNECTED,
  type ConnectionNeedsReconsent,
  type PatientSynced,
  type WearableDisconnectedEvent,
} from '../events/contracts';
import { InFlightWork } from '../lifecycle/in-flight-work';
import { JsonLogger } from '../logging/json-logger';
import { EnrollmentRepository } from '../patients/enrollment.repository';
import { localDateAt } from '../time';
import { MonitoredPatients } from '../rules/monitored-patients';
import { RuleEvaluations } from '../rules/rule-evaluations.service';
import { AlertRepository } from './alert.repository';
import { AlertService, lifecycleOf } from './alert-service';
import type { MonitoringStop } from './lifecycle';
import { MONITORING_GAP_RULE, monitoringStoppedMessage } from './monitoring-stopped';

const CONTEXT = 'Alerts';

/**
 * Raises the monitoring-gap alert the moment a connection stops (Google
 * refused the grant, or the patient disconnected), instead of days later when
 * the daily rule notices the silence, and resolves it at the first sync after
 * the patient connected again. A stop by staff is not news to staff.
 */
@Injectable()
export class MonitoringListener {
  constructor(
    private readonly stored: AlertRepository,
    private readonly enrollments: EnrollmentRepository,
    private readonly alerts: AlertService,
    private readonly evaluations: RuleEvaluations,
    private readonly patients: MonitoredPatients,
    private readonly work: InFlightWork,
    private readonly logger: JsonLogger,
  ) {}

  /** Durable: the relay hands it on and tries again if this throws (a second stop is no news). */
  @OnEvent(CONNECTION_NEEDS_RECONSENT, { promisify: true, suppressErrors: false })
  async onNeedsReconsent(event: ConnectionNeedsReconsent): Promise<void> {
    await this.stopped(event.pid, 'needs_reconsent');
  }

  @OnEvent(WEARABLE_DISCONNECTED, { promisify: true, suppressErrors: false })
  async onDisconnected(event: WearableDisconnectedEvent): Promise<void> {
    if (event.by !== 'patient') return;
    await this.stopped(event.pid, 'disconnected_by_patient');
  }

  @OnEvent(PATIENT_SYNCED)
  async onSynced(event: PatientSynced): Promise<void> {
    await this.guarded(event.pid, () => this.resumed(event.pid));
  }

  private async stopped(pid: number, reason: MonitoringStop): Promise<void> {
    const gap = await this.gapRule(pid);
    if (gap === null) return;
    const now = new Date();
    const applied = await this.alerts.applyMonitoringChange(
      pid,
      { kind: 'stopped', reason, date: localDateAt(now, gap.timeZone), at: now.toISOString() },
      { ...gap.outcome, message: monitoringStoppedMessage(reason) },
      now,
    );
    this.logger.log(
      `Monitoring of patient ${pid} stopped (${reason}): ${applied.notices} notice(s) to staff`,
      CONTEXT,
    );
  }

  /** Only an episode the connection held open, and only once the enrollment is active again. */
  private async resumed(pid: number): Promise<void> {
    const open = await this.stored.unresolvedOfRule(pid, MONITORING_GAP_RULE);
    if (!open.some((row) => (lifecycleOf(row).monitoringStopped ?? null) !== null)) return;
    if ((await this.enrollments.byPid(pid))?.status !== 'active') return;
    const gap = await this.gapRule(pid);
    if (gap === null) return;
    const now = new Date();
    const applied = await this.alerts.applyMonitoringChange(
      pid,
      { kind: 'resumed', date: localDateAt(now, gap.timeZone), at: now.toISOString() },
      gap.outcome,
      now,
    );
    this.logger.log(
      `Monitoring of patient ${pid} resumed: ${applied.notices} notice(s) to staff`,
      CONTEXT,
    );
  }

  /** The gap rule at the version in force for the patient's program; null when it is off. */
  private async gapRule(pid: number) {
    const patient = await this.patients.patient(pid);
    if (patient === null) return null;
    const book = await this.evaluations.ruleBook();
    const found = book
      .forPatient(patient, new Map())
      .find(({ rule }) => rule.definition.id === MONITORING_GAP_RULE);
    if (found === undefined) {
      this.logger.warn(
        `Monitoring of patient ${pid} changed, but the ${MONITORING_GAP_RULE} rule is not enabled for the patient: staff are not told`,
        CONTEXT,
      );
      return null;
    }
    return {
      timeZone: patient.timeZone,
      outcome: {
        rule: found.rule.definition,
        ruleVersion: found.rule.version,
        result: 'true' as const,
        facts: {},
        message: '',
      },
    };
  }

  /** Events are not awaited by their emitters: failures are logged here, never thrown. */
  private async guarded(pid: number, task: () => Promise<void>): Promise<void> {
    try {
      await this.work.run(task);
    } catch (error) {
      this.logger.error(
        error instanceof Error ? error : new Error(String(error)),
        `${CONTEXT}: monitoring change of patient ${pid}`,
      );
    }
  }
}
