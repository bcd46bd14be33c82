import { Inject, Injectable } from '@nestjs/common';
import { AuditTrail } from '../audit/audit-trail';
import { Environment } from '../config/environment';
import { Transactions, type Transaction } from '../database/transactions';
import { openEmrDate, type LocalDate } from '../time';
import type { OutcomeResult, RuleDefinition } from '../rules/rule-definition';
import { streamsRead } from '../rules/engine/fact-uses';
import { ALERT_OUTBOX, type AlertOutbox, type NoticeSnapshot } from './alert-outbox';
import { StoredAlert } from './alert.entity';
import { AlertRepository, type NewTransition } from './alert.repository';
import type { Alert, AlertNotice, AlertTransition, MonitoringStop } from './lifecycle';
import { resumeMonitoring, stopMonitoring, type MonitoringChange } from './monitoring-stopped';
import { stepPatientRun, type RunEpisode } from './patient-run';
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

/** A patient's evaluated days, applied as one run. */
export interface PatientEvaluationRun {
  pid: number;
  days: readonly { date: LocalDate; outcomes: readonly RunOutcome[] }[];
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

function alertOf(row: StoredAlert | undefined): Alert | null {
  return row === undefined ? null : lifecycleOf(row);
}

/**
 * Turns rule outcomes into stored alerts through the pure state machine, and
 * staff actions into alert changes, each in one transaction together with its
 * history and the outbox rows that announce it.
 */
@Injectable()
export class AlertService {
  constructor(
    private readonly transactions: Transactions,
    private readonly store: AlertRepository,
    private readonly audit: AuditTrail,
    private readonly env: Environment,
    @Inject(ALERT_OUTBOX) private readonly outbox: AlertOutbox,
  ) {}

  /** One patient-day; the same as a run of that one day. */
  async applyEvaluation(run: EvaluationRun): Promise<AppliedRun> {
    return this.applyRun({
      pid: run.pid,
      days: [{ date: run.date, outcomes: run.outcomes }],
      ...(run.at === undefined ? {} : { at: run.at }),
    });
  }

  /**
   * Applies a patient's evaluated days in date order as one run: every
   * transition is stored, and one routing row carries the run's net notices,
   * so each recipient gets one message for the run.
   */
  async applyRun(run: PatientEvaluationRun): Promise<AppliedRun> {
    return this.transactions.run((tx) => this.applyRunIn(tx, run));
  }

  /** applyRun inside the caller's transaction (which also marks the outcomes stepped). */
  async applyRunIn(tx: Transaction, run: PatientEvaluationRun): Promise<AppliedRun> {
    const at = run.at ?? new Date();
    const days = [...run.days].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    const ruleIds = [...new Set(days.flatMap((d) => d.outcomes.map((o) => o.rule.id)))];
    const latest = await this.store.latestOfRules(run.pid, ruleIds, tx);
    const runs = stepPatientRun(
      days.map((day) => ({
        date: day.date,
        rules: day.outcomes.map((o) => ({
          rule: o.rule,
          outcome: o.result,
          facts: o.facts,
          streams: streamsRead(o.rule),
        })),
      })),
      new Map(ruleIds.map((id) => [id, alertOf(latest.get(id))])),
      at.toISOString(),
    );
    const alerts = new Map<string, StoredAlert>();
    const notices: NoticeSnapshot[] = [];
    for (const [ruleId, ruleRun] of runs) {
      const outcomes = new Map(
        days.flatMap((day) => {
          const outcome = day.outcomes.find((o) => o.rule.id === ruleId);
          return outcome === undefined ? [] : [[day.date, outcome] as const];
        }),
      );
      const newest = [...outcomes.values()].at(-1)!;
      for (const episode of ruleRun.episodes) {
        const said = ruleRun.notices.filter((n) => n.episodeStart === episode.alert.episodeStart);
        const previous = latest.get(ruleId);
        const row = await this.storeEpisode(tx, run.pid, {
          episode,
          outcomes: episode.dates.map((date) => outcomes.get(date)!),
          previous:
            previous !== undefined && previous.episodeStart === episode.alert.episodeStart
              ? previous
              : undefined,
          fired: said.some((n) => n.kind === 'fire'),
          at,
        });
        alerts.set(ruleId, row);
        const heard =
          ruleRun.before?.episodeStart === episode.alert.episodeStart
            ? ruleRun.before.lastNotifiedOn
            : null;
        notices.push(...said.map((notice) => snapshot(row, newest, notice, heard)));
      }
    }
    return this.announce(tx, run.pid, days[days.length - 1].date, alerts, notices, at);
  }

  /**
   * Steps the monitoring-gap alert on a change of the patient's connection
   * (see monitoring-stopped.ts), with its transitions and the outbox row of
   * its notice in one transaction. `gap` is the rule version in force and the
   * message that says why monitoring stopped.
   */
  async applyMonitoringChange(
    pid: number,
    change: MonitoringChange & ({ kind: 'stopped'; reason: MonitoringStop } | { kind: 'resumed' }),
    gap: RunOutcome,
    at = new Date(change.at),
  ): Promise<AppliedRun> {
    return this.transactions.run(async (tx) => {
      const previous = (await this.store.latestOfRules(pid, [gap.rule.id], tx)).get(gap.rule.id);
      const before = alertOf(previous);
      const step =
        change.kind === 'stopped'
          ? stopMonitoring(before, change)
          : resumeMonitoring(before, change);
      const alerts = new Map<string, StoredAlert>();
      if (step.alert === null || step.alert === before) {
        return { alerts, notices: 0, deliveryId: null };
      }
      const row = await this.storeEpisode(tx, pid, {
        episode: { alert: step.alert, transitions: step.transitions, dates: [change.date] },
        outcomes: [{ ...gap, result: change.kind === 'stopped' ? 'true' : 'false' }],
        previous:
          previous !== undefined && previous.episodeStart === step.alert.episodeStart
            ? previous
            : undefined,
        fired: step.notices.some((n) => n.kind === 'fire'),
        at,
      });
      alerts.set(gap.rule.id, row);
      const heard = before?.episodeStart === step.alert.episodeStart ? before.lastNotifiedOn : null;
      const notices = step.notices.map((notice) => snapshot(row, gap, notice, heard));
      return this.announce(tx, pid, change.date, alerts, notices, at);
    });
  }

  /** Queues the run's notices in its transaction (nothing when nothing is to be said). */
  private async announce(
    tx: Transaction,
    pid: number,
    date: LocalDate,
    alerts: Map<string, StoredAlert>,
    notices: NoticeSnapshot[],
    at: Date,
  ): Promise<AppliedRun> {
    const deliveryId =
      notices.length === 0 ? null : await this.outbox.announce(tx, { pid, date, notices }, at);
    return { alerts, notices: notices.length, deliveryId };
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

  async snooze(
    id: string,
    by: string,
    until: LocalDate,
    at = new Date(),
    note: string | null = null,
  ): Promise<StoredAlert> {
    return this.staffAction(id, 'alert.snoozed', by, at, (alert, action) =>
      snoozeAlert(alert, { ...action, until, note }),
    );
  }

  async resolve(
    id: string,
    by: string,
    at = new Date(),
    note: string | null = null,
  ): Promise<StoredAlert> {
    return this.staffAction(id, 'alert.resolved', by, at, (alert, action) =>
      resolveAlert(alert, { ...action, note }),
    );
  }

  private async staffAction(
    id: string,
    action: string,
    by: string,
    at: Date,
    decide: (alert: Alert, who: { by: string; at: string; date: LocalDate }) => StaffActionResult,
  ): Promise<StoredAlert> {
    return this.transactions.run(async (tx) => {
      const row = await this.store.lock(id, tx);
      if (row === null) throw new AlertNotFound(id);
      const date = openEmrDate(at, this.env.CLINIC_TIME_ZONE);
      const result = decide(lifecycleOf(row), { by, at: at.toISOString(), date });
      if (!result.ok) throw new StaffActionRefused(result.refusal);
      row.lifecycle = JSON.stringify(result.alert);
      row.state = result.alert.state;
      row.updatedAt = at;
      await this.store.save(row, tx);
      await this.store.addTransitions(transitionRows(row.id, [result.transition], at), tx);
      if (result.notices.length > 0) {
        const notices = result.notices.map((notice) => snapshotFromRow(row, notice.kind));
        await this.outbox.announce(tx, { pid: row.pid, date, notices }, at);
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
        tx,
      );
      return row;
    });
  }

  /** Saves one episode a run changed, with its transitions. */
  private async storeEpisode(
    tx: Transaction,
    pid: number,
    change: {
      episode: RunEpisode;
      /** The rule's outcome on each day the episode was stepped. */
      outcomes: readonly RunOutcome[];
      /** The stored row of this episode, when it existed before the run. */
      previous: StoredAlert | undefined;
      /** Staff are told of it for the first time by this run. */
      fired: boolean;
      at: Date;
    },
  ): Promise<StoredAlert> {
    const { episode, outcomes, previous, at } = change;
    const alert = episode.alert;
    const newest = outcomes[outcomes.length - 1];
    const held = outcomes.filter((o) => o.result === 'true').at(-1);
    const row: StoredAlert =
      previous ??
      Object.assign(new StoredAlert(), {
        pid,
        ruleId: newest.rule.id,
        episodeStart: alert.episodeStart,
        recipients: null,
        routingReasons: null,
        firedAt: null,
        escalatedAt: null,
        createdAt: at,
        message: (held ?? newest).message,
      });
    row.ruleVersion = newest.ruleVersion;
    row.severity = newest.rule.severity;
    row.ruleTitle = newest.rule.title.slice(0, 200);
    row.state = alert.state;
    row.lifecycle = JSON.stringify(alert);
    row.updatedAt = at;
    if (held !== undefined) row.message = held.message;
    if (row.firedAt === null && change.fired) row.firedAt = at;
    const saved = await this.store.save(row, tx);
    await this.store.addTransitions(transitionRows(saved.id, episode.transitions, at), tx);
    return saved;
  }
}

/** The state changes as stored: staff actors by name, notes cut to their column. */
function transitionRows(
  alertId: string,
  transitions: readonly AlertTransition[],
  at: Date,
): NewTransition[] {
  return transitions.map((t) => ({
    alertId,
    occurredAt: t.at === null ? at : new Date(t.at),
    localDate: t.date,
    fromState: t.from,
    toState: t.to,
    cause: t.cause,
    actor: t.actor.kind === 'evaluation' ? 'evaluation' : `staff:${t.actor.username}`.slice(0, 100),
    note: t.note === null ? null : t.note.slice(0, 500),
  }));
}

/** `heard`: the episode's `lastNotifiedOn` before the run (null for a new episode). */
function snapshot(
  row: StoredAlert,
  outcome: RunOutcome,
  notice: AlertNotice,
  heard: LocalDate | null,
): NoticeSnapshot {
  return {
    alertId: String(row.id),
    ruleId: outcome.rule.id,
    kind: notice.kind,
    title: outcome.rule.title,
    severity: outcome.rule.severity,
    summary: row.message,
    recipients: outcome.rule.recipients,
    deliver: outcome.rule.deliver,
    notifiedOn: notice.date,
    toldBefore: notice.kind === 'fire' ? null : heard,
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
    recipients: [],
    deliver: { channels: ['message'], reminderDueInDays: 0, priority: 'medium' },
  };
}
