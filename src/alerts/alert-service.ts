import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditTrail } from '../audit/audit-trail';
import { Environment } from '../config/environment';
import { inTransaction } from '../database/transactions';
import { enqueueDelivery, type NoticeSnapshot } from '../delivery/outbox';
import { openEmrDate } from '../openemr/wall-clock';
import type { OutcomeResult, RuleDefinition } from '../rules/rule-definition';
import { AlertTransitionRow, StoredAlert } from './alert.entity';
import type { Alert, AlertNotice, AlertStep, AlertTransition } from './lifecycle';
import type { LocalDate } from './local-date';
import { stepPatientDay } from './patient-day';
import {
  acknowledgeAlert,
  resolveAlert,
  snoozeAlert,
  type StaffActionRefusal,
  type StaffActionResult,
} from './staff-actions';

/** One rule's outcome in an evaluation run. */
export interface RunOutcome {
  rule: RuleDefinition;
  ruleVersion: number;
  result: OutcomeResult;
  /** Deciding and reported values by name; kept with the outcome, not with the alert. */
  facts: Record<string, number | null>;
  /** The rule's message with its values, as rendered by the rules engine. */
  message: string;
}

/** Everything one evaluation run decided for one patient and one local date. */
export interface EvaluationRun {
  pid: number;
  date: LocalDate;
  outcomes: readonly RunOutcome[];
  /** When the evaluation ran; now by default. */
  at?: Date;
}

export interface AppliedRun {
  /** Alerts created or changed, by rule id. */
  alerts: Map<string, StoredAlert>;
  notices: number;
  /** The outbox row announcing this run's notices, if any. */
  deliveryId: string | null;
}

export class StaffActionRefused extends Error {
  constructor(readonly refusal: StaffActionRefusal) {
    super(refusal);
    this.name = 'StaffActionRefused';
  }
}

export class AlertNotFound extends Error {
  constructor(id: string) {
    super(`No alert with id ${id}`);
    this.name = 'AlertNotFound';
  }
}

export function lifecycleOf(row: StoredAlert): Alert {
  return JSON.parse(row.lifecycle) as Alert;
}

/**
 * Turns rule outcomes into stored alerts through the pure state machine, and
 * staff actions into alert changes, each in one transaction together with its
 * history and the outbox rows that announce it.
 */
@Injectable()
export class AlertService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditTrail,
    private readonly env: Environment,
  ) {}

  async applyEvaluation(run: EvaluationRun): Promise<AppliedRun> {
    const at = run.at ?? new Date();
    return inTransaction(this.dataSource, async (manager) => {
      const latest = await this.latestAlerts(
        manager,
        run.pid,
        run.outcomes.map((o) => o.rule.id),
      );
      const steps = stepPatientDay(
        run.date,
        run.outcomes.map((outcome) => {
          const row = latest.get(outcome.rule.id);
          return {
            rule: outcome.rule,
            outcome: outcome.result,
            alert: row === undefined ? null : lifecycleOf(row),
          };
        }),
        at.toISOString(),
      );
      const alerts = new Map<string, StoredAlert>();
      const notices: NoticeSnapshot[] = [];
      for (const outcome of run.outcomes) {
        const step = steps.get(outcome.rule.id)!;
        const previous = latest.get(outcome.rule.id);
        const row = await this.storeStep(manager, run.pid, outcome, previous, step, at);
        if (row === null) continue;
        alerts.set(outcome.rule.id, row);
        notices.push(...step.notices.map((notice) => snapshot(row, outcome, notice)));
      }
      const delivery =
        notices.length === 0
          ? null
          : await enqueueDelivery(
              manager,
              {
                kind: 'routing',
                pid: run.pid,
                payload: { date: run.date, notices },
                alertIds: notices.map((n) => n.alertId),
              },
              at,
            );
      return {
        alerts,
        notices: notices.length,
        deliveryId: delivery === null ? null : String(delivery.id),
      };
    });
  }

  async acknowledge(
    id: string,
    by: string,
    note: string | null,
    at = new Date(),
  ): Promise<StoredAlert> {
    return this.staffAction(id, 'alert.acknowledged', by, at, (alert, action) =>
      acknowledgeAlert(alert, { ...action, note }),
    );
  }

  async snooze(id: string, by: string, until: LocalDate, at = new Date()): Promise<StoredAlert> {
    return this.staffAction(id, 'alert.snoozed', by, at, (alert, action) =>
      snoozeAlert(alert, { ...action, until }),
    );
  }

  async resolve(id: string, by: string, at = new Date()): Promise<StoredAlert> {
    return this.staffAction(id, 'alert.resolved', by, at, (alert, action) =>
      resolveAlert(alert, action),
    );
  }

  private async staffAction(
    id: string,
    action: string,
    by: string,
    at: Date,
    decide: (alert: Alert, who: { by: string; at: string; date: LocalDate }) => StaffActionResult,
  ): Promise<StoredAlert> {
    const work = async (manager: EntityManager): Promise<StoredAlert> => {
      const row = await this.lockAlert(manager, id);
      if (row === null) throw new AlertNotFound(id);
      const date = openEmrDate(at, this.env.CLINIC_TIME_ZONE);
      const result = decide(lifecycleOf(row), { by, at: at.toISOString(), date });
      if (!result.ok) throw new StaffActionRefused(result.refusal);
      row.lifecycle = JSON.stringify(result.alert);
      row.state = result.alert.state;
      row.updatedAt = at;
      await manager.getRepository(StoredAlert).save(row);
      await this.storeTransitions(manager, row.id, [result.transition], at);
      if (result.notices.length > 0) {
        const notices = result.notices.map((notice) => snapshotFromRow(row, notice.kind));
        await enqueueDelivery(
          manager,
          {
            kind: 'routing',
            pid: row.pid,
            payload: { date, notices },
            alertIds: [row.id],
          },
          at,
        );
      }
      await this.audit.record(
        {
          actor: by.includes(':') ? by : `user:${by}`,
          action,
          subjectType: 'alert',
          subjectId: row.id,
          pid: row.pid,
          details: { rule: row.ruleId, from: result.transition.from, to: row.state },
        },
        manager,
      );
      return row;
    };
    return inTransaction(this.dataSource, work);
  }

  /** The most recent alert of each rule for the patient, locked for this transaction. */
  private async latestAlerts(
    manager: EntityManager,
    pid: number,
    ruleIds: readonly string[],
  ): Promise<Map<string, StoredAlert>> {
    const latest = new Map<string, StoredAlert>();
    if (ruleIds.length === 0) return latest;
    const query = manager
      .getRepository(StoredAlert)
      .createQueryBuilder('a')
      .where('a.pid = :pid', { pid })
      .andWhere('a.ruleId IN (:...ruleIds)', { ruleIds: [...new Set(ruleIds)] })
      .orderBy('a.episodeStart', 'DESC')
      .addOrderBy('a.id', 'DESC');
    if (manager.connection.options.type === 'mysql') query.setLock('pessimistic_write');
    for (const row of await query.getMany()) {
      if (!latest.has(row.ruleId)) latest.set(row.ruleId, row);
    }
    return latest;
  }

  private async lockAlert(manager: EntityManager, id: string): Promise<StoredAlert | null> {
    if (!/^\d{1,18}$/.test(id)) return null;
    const query = manager
      .getRepository(StoredAlert)
      .createQueryBuilder('a')
      .where('a.id = :id', { id });
    if (manager.connection.options.type === 'mysql') query.setLock('pessimistic_write');
    return query.getOne();
  }

  /** Saves one rule's step; null when the day changed nothing for that rule. */
  private async storeStep(
    manager: EntityManager,
    pid: number,
    outcome: RunOutcome,
    previous: StoredAlert | undefined,
    step: AlertStep,
    at: Date,
  ): Promise<StoredAlert | null> {
    const alert = step.alert;
    const previousAlert = previous === undefined ? null : lifecycleOf(previous);
    if (
      alert === null ||
      (previousAlert !== null &&
        alert.lastEvaluatedOn === previousAlert.lastEvaluatedOn &&
        step.transitions.length === 0)
    ) {
      return null;
    }
    const isNew = previous === undefined || previousAlert!.episodeStart !== alert.episodeStart;
    const repo = manager.getRepository(StoredAlert);
    const row: StoredAlert = isNew
      ? repo.create({
          pid,
          ruleId: outcome.rule.id,
          episodeStart: alert.episodeStart,
          recipients: null,
          routingReasons: null,
          firedAt: null,
          escalatedAt: null,
          createdAt: at,
          message: outcome.message,
        })
      : previous!;
    row.ruleVersion = outcome.ruleVersion;
    row.severity = outcome.rule.severity;
    row.ruleTitle = outcome.rule.title.slice(0, 200);
    row.state = alert.state;
    row.lifecycle = JSON.stringify(alert);
    row.updatedAt = at;
    if (outcome.result === 'true') row.message = outcome.message;
    if (row.firedAt === null && step.notices.some((n) => n.kind === 'fire')) row.firedAt = at;
    const saved = await repo.save(row);
    await this.storeTransitions(manager, saved.id, step.transitions, at);
    return saved;
  }

  private async storeTransitions(
    manager: EntityManager,
    alertId: string,
    transitions: readonly AlertTransition[],
    at: Date,
  ): Promise<void> {
    if (transitions.length === 0) return;
    await manager.getRepository(AlertTransitionRow).insert(
      transitions.map((t) => ({
        alertId,
        occurredAt: t.at === null ? at : new Date(t.at),
        localDate: t.date,
        fromState: t.from,
        toState: t.to,
        cause: t.cause,
        actor:
          t.actor.kind === 'evaluation' ? 'evaluation' : `staff:${t.actor.username}`.slice(0, 100),
        note: t.note === null ? null : t.note.slice(0, 500),
      })),
    );
  }
}

function snapshot(row: StoredAlert, outcome: RunOutcome, notice: AlertNotice): NoticeSnapshot {
  return {
    alertId: String(row.id),
    ruleId: outcome.rule.id,
    kind: notice.kind,
    title: outcome.rule.title,
    severity: outcome.rule.severity,
    summary: row.message,
    evidence: outcome.rule.description,
    recipients: outcome.rule.recipients,
    deliver: outcome.rule.deliver,
  };
}

/** A staff resolution only ever sends the short follow-up: its rule details are not needed. */
function snapshotFromRow(row: StoredAlert, kind: AlertNotice['kind']): NoticeSnapshot {
  return {
    alertId: String(row.id),
    ruleId: row.ruleId,
    kind,
    title: row.ruleTitle,
    severity: row.severity,
    summary: row.message,
    evidence: '',
    recipients: [],
    deliver: { channels: ['message'], reminderDueInDays: 0, priority: 'medium' },
  };
}
