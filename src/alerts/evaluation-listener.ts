import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Interval } from '@nestjs/schedule';
import { Environment } from '../config/environment';
import { errorKind } from '../database/errors';
import { Transactions, type Transaction } from '../database/transactions';
import { InFlightWork } from '../lifecycle/in-flight-work';
import { JsonLogger } from '../logging/json-logger';
import type { RuleDefinition } from '../rules/rule-definition';
import { PATIENT_EVALUATED, type PatientEvaluated } from '../events/contracts';
import type { RuleOutcome } from '../rules/rule-outcome.entity';
import { RuleOutcomes } from '../rules/rule-outcomes.repository';
import { RuleStore } from '../rules/rule-store.repository';
import { AlertService, type AppliedRun, type RunOutcome } from './alert-service';
import { AlertStepsDue, type ClaimedStep } from './alert-steps-due.repository';

const CONTEXT = 'Alerts';
/** Patients a worker claims at a time. */
const BATCH = 100;
/** How often workers look for steps left by a stopped process or a failure. */
export const STEPS_POLL_MS = 60_000;

/**
 * Steps the alerts of each patient the rules feature evaluated, all the days
 * of the evaluation as one run. What it steps is what is stored: the
 * patient's outcomes not yet stepped, claimed and marked in one transaction
 * with the alerts, their outbox row and the removal of the patient's
 * `alert_steps_due` row, which the evaluation recorded with the outcomes. So
 * no outcome is stepped twice, and a step that did not happen (a process
 * stopped, a lost event, a failure) leaves its row for a worker, which
 * claims it through the leased queue and retries it with a backoff until it
 * is parked as failed. `rules.patient-evaluated` only wakes the step early.
 * Outcomes name a rule version; its definition (timing, recipients, delivery)
 * is read from the immutable version, so an edited rule never rewrites past
 * alerts.
 */
@Injectable()
export class EvaluationListener implements OnApplicationBootstrap {
  /** Rule definitions by `id@version`, as read: versions never change. */
  private readonly versions = new Map<string, RuleDefinition>();

  constructor(
    private readonly transactions: Transactions,
    private readonly alerts: AlertService,
    private readonly outcomes: RuleOutcomes,
    private readonly rules: RuleStore,
    private readonly steps: AlertStepsDue,
    private readonly work: InFlightWork,
    private readonly env: Environment,
    private readonly logger: JsonLogger,
  ) {}

  /** The nudge: the evaluating process steps what it stored at once, rather than when the row falls due. */
  @OnEvent(PATIENT_EVALUATED, { promisify: true, suppressErrors: false })
  async onPatientEvaluated(event: PatientEvaluated): Promise<void> {
    await this.applyStored(event.pid);
  }

  /** Steps a patient's stored outcomes that no alert step has taken yet, and settles the patient's row. */
  applyStored(pid: number): Promise<AppliedRun | null> {
    // Claiming locks the patient's rows; a concurrent evaluation's upsert can make it a deadlock victim.
    return this.transactions.runRetried(async (tx) => {
      await this.steps.take(tx, pid);
      return this.step(tx, pid);
    });
  }

  private async step(tx: Transaction, pid: number): Promise<AppliedRun | null> {
    const pending = await this.outcomes.unappliedForAlerts(tx, pid);
    if (pending.length === 0) return null;
    await this.outcomes.markAlertsApplied(tx, pending, new Date());
    const definitions = await this.definitions(tx, pending);
    const days = new Map<string, RunOutcome[]>();
    for (const outcome of pending) {
      const rule = definitions.get(`${outcome.ruleId}@${outcome.ruleVersion}`);
      if (rule === undefined) continue;
      days.set(outcome.date, [
        ...(days.get(outcome.date) ?? []),
        {
          rule,
          ruleVersion: outcome.ruleVersion,
          result: outcome.result,
          facts: JSON.parse(outcome.facts) as RunOutcome['facts'],
          message: outcome.message,
        },
      ]);
    }
    if (days.size === 0) return null;
    return this.alerts.applyRunIn(tx, {
      pid,
      days: [...days].map(([date, outcomes]) => ({ date, outcomes })),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.env.runsWorkers) void this.tick();
  }

  /** Every minute on workers: the API role leaves background work to them. */
  @Interval('alerts.steps-due', STEPS_POLL_MS)
  async tick(): Promise<void> {
    if (!this.env.runsWorkers) return;
    try {
      await this.work.run(() => this.stepDue());
    } catch (error) {
      this.logger.error(
        error instanceof Error ? error : new Error(String(error)),
        `${CONTEXT}: alert steps due`,
      );
    }
  }

  /**
   * Claims the due steps (their process stopped, their event was lost, or
   * they failed before) and steps each patient on its own: a failure is
   * retried after the backoff, or parked once its attempts are spent, logged
   * at warn with the pid and the error's kind. How many patients it stepped.
   */
  async stepDue(now: Date = new Date()): Promise<number> {
    let stepped = 0;
    for (;;) {
      const claimed = await this.steps.claimDue(now, BATCH);
      for (const due of claimed) {
        try {
          await this.applyStored(due.pid);
          stepped += 1;
        } catch (error) {
          await this.failed(due, now, error);
        }
      }
      if (claimed.length < BATCH) break;
    }
    if (stepped > 0)
      this.logger.log(`Stepped alerts for ${stepped} patient(s) left behind`, CONTEXT);
    return stepped;
  }

  private async failed(due: ClaimedStep, now: Date, error: unknown): Promise<void> {
    const reason = errorKind(error);
    const failure = await this.steps.fail(due, now, reason);
    if (failure === 'parked') {
      this.logger.warn(
        `Alert step of patient ${due.pid} parked as failed after ${due.attempts} attempt(s): ${reason}`,
        CONTEXT,
      );
    } else if (failure === 'retrying') {
      this.logger.log(
        `Alert step of patient ${due.pid} failed, attempt ${due.attempts}, retried later: ${reason}`,
        CONTEXT,
      );
    }
  }

  /**
   * The definitions of the outcomes' rule versions. Versions are immutable, so
   * each is read once per process and kept (a few per rule).
   */
  private async definitions(
    tx: Transaction,
    outcomes: readonly RuleOutcome[],
  ): Promise<Map<string, RuleDefinition>> {
    const keys = [...new Set(outcomes.map((o) => `${o.ruleId}@${o.ruleVersion}`))];
    const missing = keys.filter((key) => !this.versions.has(key));
    if (missing.length > 0) {
      const versions = await this.rules.someVersions(
        missing.map((key) => {
          const at = key.lastIndexOf('@');
          return { ruleId: key.slice(0, at), version: Number(key.slice(at + 1)) };
        }),
        tx,
      );
      for (const v of versions) {
        this.versions.set(`${v.ruleId}@${v.version}`, JSON.parse(v.definition) as RuleDefinition);
      }
    }
    const found = new Map<string, RuleDefinition>();
    for (const key of keys) {
      const definition = this.versions.get(key);
      if (definition !== undefined) found.set(key, definition);
    }
    return found;
  }
}
