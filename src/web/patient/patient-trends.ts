import { Injectable } from '@nestjs/common';
import type { DailyAggregate } from '../../aggregates/daily-aggregate';
import { DailyAggregates } from '../../aggregates/daily-aggregates.repository';
import { AlertQueries } from '../../alerts/alert-queries';
import { lifecycleOf } from '../../alerts/alert-service';
import { transitionView } from '../../alerts/alerts.controller';
import { AuditTrail } from '../../audit/audit-trail';
import { BlindRule, BlindRules } from '../../ingest/blind-rules';
import { addDays, localDateAt, type LocalDate } from '../../time';
import { Environment } from '../../config/environment';
import { SyncStateRepository } from '../../ingest/sync-state.repository';
import type { Enrollment } from '../../patients/enrollment.entity';
import { EnrollmentRepository } from '../../patients/enrollment.repository';
import { EnrollmentView, viewOf } from '../../patients/enrollments';
import { mergeParams } from '../../rules/engine/rule-evaluator';
import { RulesService, RuleView } from '../../rules/rules.service';
import { ConnectionRepository } from '../../wearables/connection.repository';
import {
  BAND_LOOKBACK_DAYS,
  buildPatientCharts,
  EpisodeSource,
  metricsOfRule,
  MetricChart,
  RuleInEffect,
} from './chart-series';
import { connectionChanges, type ConnectionChange } from '../../patients/connection-changes';

/** What ingestion knows about the patient's device and the last syncs. */
export interface DeviceStatus {
  deviceType: string | null;
  batteryPercent: number | null;
  /** Last local day known complete. */
  completeThrough: string | null;
  lastSuccessAt: Date | null;
  consecutiveFailures: number;
  statusReason: string | null;
}

export interface AlertHistoryEntry extends EpisodeSource {
  id: string;
  /** When Vigil first told staff; null until then (firedOn is a data day, not this). */
  firstNotifiedAt: Date | null;
  severity: string;
  message: string;
  transitions: {
    at: Date;
    date: LocalDate;
    from: string | null;
    to: string;
    cause: string;
    actor: string;
    note: string | null;
  }[];
}

export interface PatientTrendsView {
  pid: number;
  enrollment: EnrollmentView;
  device: DeviceStatus | null;
  from: LocalDate;
  to: LocalDate;
  charts: MetricChart[];
  /** Days in range with any heart-rate sample (worn), and with any data at all. */
  coverage: { days: number; daysWorn: number; daysWithData: number };
  rules: { id: string; title: string; params: Record<string, number> }[];
  /** Enabled rules that cannot fire: what they read was not granted, or has sent nothing. */
  blindRules: BlindRule[];
  /** Changes of Google account, time zone or device, oldest first (the charts break there). */
  changes: ConnectionChange[];
  /** The zone the patient's days are cut in (the clinic's until Google told Vigil theirs). */
  patientTimeZone: string;
  /** The zone staff actions and sync times are shown in. */
  clinicTimeZone: string;
  alerts: AlertHistoryEntry[];
}

/** Rules a patient's program runs, with the params in effect for the patient. */
export function rulesInEffect(
  rules: readonly RuleView[],
  program: string | null,
  patientParams: readonly { rule: string; params: Record<string, number> }[],
): RuleInEffect[] {
  return rules.flatMap((rule) => {
    const setting = program === null ? undefined : rule.programs.find((p) => p.program === program);
    if (!(setting?.enabled ?? rule.enabledByDefault)) return [];
    const own = patientParams.find((p) => p.rule === rule.id)?.params ?? {};
    return [
      {
        definition: rule.definition,
        params: mergeParams(rule.definition.params, setting?.params ?? {}, own),
      },
    ];
  });
}

/**
 * Reads one patient's record for the patient page: enrollment and device,
 * daily aggregates, the rules in effect and the alert history. Always by pid,
 * so one patient's page never holds another's data.
 */
@Injectable()
export class PatientTrends {
  constructor(
    private readonly enrollments: EnrollmentRepository,
    private readonly connections: ConnectionRepository,
    private readonly syncStates: SyncStateRepository,
    private readonly aggregates: DailyAggregates,
    private readonly alertQueries: AlertQueries,
    private readonly rules: RulesService,
    private readonly env: Environment,
    private readonly blind: BlindRules,
    private readonly audit: AuditTrail,
  ) {}

  /** The enrollment of `pid`, or null when Vigil never enrolled the patient. */
  async enrollment(pid: number): Promise<{ enrollment: Enrollment; view: EnrollmentView } | null> {
    const enrollment = await this.enrollments.byPid(pid);
    if (!enrollment) return null;
    const connection = await this.connections.ofEnrollment(enrollment.id);
    return { enrollment, view: viewOf(enrollment, connection) };
  }

  /** The patient's local today: charts end there. */
  today(enrollment: Enrollment, now = new Date()): LocalDate {
    return localDateAt(now, enrollment.timeZone ?? this.env.CLINIC_TIME_ZONE);
  }

  days(pid: number, from: LocalDate, to: LocalDate): Promise<DailyAggregate[]> {
    return this.aggregates.series(pid, from, to);
  }

  async view(pid: number, days: number, now = new Date()): Promise<PatientTrendsView | null> {
    const found = await this.enrollment(pid);
    if (!found) return null;
    const to = this.today(found.enrollment, now);
    const from = addDays(to, 1 - days);
    const patientTimeZone = found.enrollment.timeZone ?? this.env.CLINIC_TIME_ZONE;
    const [stored, rules, patientParams, alerts, device, blindRules, changeEvents] =
      await Promise.all([
        this.aggregates.series(pid, addDays(from, -BAND_LOOKBACK_DAYS), to),
        this.rules.list(),
        this.rules.patientParams(pid),
        this.alertHistory(pid),
        this.device(found.enrollment.id),
        this.blind.forPatient(pid, now),
        this.audit.connectionChanges(pid),
      ]);
    const changes = connectionChanges(changeEvents, patientTimeZone);
    // Today is still being measured; so is every day after the last one known complete.
    const completeThrough = device?.completeThrough ?? null;
    const partialFrom =
      completeThrough !== null && completeThrough < to ? addDays(completeThrough, 1) : to;
    const inEffect = rulesInEffect(rules, found.enrollment.program, patientParams);
    const ruleMetrics = new Map(
      rules.map((rule) => [
        rule.id,
        metricsOfRule({
          definition: rule.definition,
          params:
            inEffect.find((r) => r.definition.id === rule.id)?.params ?? rule.definition.params,
        }),
      ]),
    );
    const inRange = stored.filter((day) => day.date >= from);
    return {
      pid,
      enrollment: found.view,
      device,
      from,
      to,
      charts: buildPatientCharts({
        from,
        to,
        partialFrom,
        breaks: changes.map((change) => ({ date: change.date, words: change.words })),
        days: stored,
        rules: inEffect,
        ruleMetrics,
        alerts,
      }),
      coverage: {
        days,
        daysWorn: inRange.filter((day) => (day.wearMinutes ?? 0) > 0).length,
        daysWithData: inRange.filter((day) => day.coverage.dataTypes.length > 0).length,
      },
      rules: inEffect.map(({ definition, params }) => ({
        id: definition.id,
        title: definition.title,
        params,
      })),
      blindRules,
      changes,
      patientTimeZone,
      clinicTimeZone: this.env.CLINIC_TIME_ZONE,
      alerts,
    };
  }

  private async device(enrollmentId: number): Promise<DeviceStatus | null> {
    const connection = await this.connections.ofEnrollment(enrollmentId);
    if (!connection) return null;
    const state = await this.syncStates.ofConnection(connection.id);
    if (!state) return null;
    return {
      deviceType: state.deviceType,
      batteryPercent: state.deviceBattery,
      completeThrough: state.cursorDate,
      lastSuccessAt: state.lastSuccessAt,
      consecutiveFailures: state.consecutiveFailures,
      statusReason: state.statusReason,
    };
  }

  /** The patient's alerts, newest first, each with its state changes in order. */
  private async alertHistory(pid: number): Promise<AlertHistoryEntry[]> {
    const alerts = await this.alertQueries.ofPatient(pid, 200);
    return alerts.map(({ alert: row, transitions }) => {
      const lifecycle = lifecycleOf(row);
      return {
        id: String(row.id),
        ruleId: row.ruleId,
        ruleTitle: row.ruleTitle,
        severity: row.severity,
        state: row.state,
        message: row.message,
        episodeStart: row.episodeStart,
        firedOn: lifecycle.firedOn,
        firstNotifiedAt: row.firedAt,
        resolvedOn: lifecycle.resolvedOn,
        transitions: transitions.map(transitionView),
      };
    });
  }
}
