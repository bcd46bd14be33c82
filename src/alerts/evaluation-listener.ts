import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Interval } from '@nestjs/schedule';
import { Environment } from '../config/environment';
import { Transactions, type Transaction } from '../database/transactions';
import { InFlightWork } from '../lifecycle/in-flight-work';
import { JsonLogger } from '../logging/json-logger';
import type { RuleDefinition } from '../rules/rule-definition';
import { PATIENT_EVALUATED, type PatientEvaluated } from '../events/contracts';
import type { RuleOutcome } from '../rules/rule-outcome.entity';
import { RuleOutcomes } from '../rules/rule-outcomes.repository';
import { RuleStore } from '../rules/rule-store.repository';
import { AlertService, type AppliedRun, type RunOutcome } from './alert-service';

/** Outcomes this old without their alert step were left by a stopped process. */
const LEFT_BEHIND_AFTER_MS = 60_000;
const CONTEXT = 'Alerts';

/**
 * Steps the alerts of each patient the rules feature evaluated, all the days
 * of the evaluation as one run. What it steps is what is stored: the
 * patient's outcomes not yet stepped, claimed and marked in the same
 * transaction as the alerts and their outbox row. So a process stopped between
 * storing outcomes and stepping alerts leaves them for the next worker, and no
 * outcome is stepped twice. Outcomes name a rule version; its definition
 * (timing, recipients, delivery) is read from the immutable version, so an
 * edited rule never rewrites past alerts.
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
    private readonly work: InFlightWork,
    private readonly env: Environment,
    private readonly logger: JsonLogger,
  ) {}

  @OnEvent(PATIENT_EVALUATED, { promisify: true, suppressErrors: false })
  async onPatientEvaluated(event: PatientEvaluated): Promise<void> {
    await this.applyStored(event.pid);
  }

  /** Steps a patient's stored outcomes that no alert step has taken yet. */
  applyStored(pid: number): Promise<AppliedRun | null> {
    // Claiming locks the patient's rows; a concurrent evaluation's upsert can make it a deadlock victim.
    return this.transactions.runRetried(async (tx) => {
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
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.env.runsWorkers) void this.applyLeftBehind();
  }

  /** Every minute on workers: the API role leaves background work to them. */
  @Interval('alerts.left-behind-outcomes', 60_000)
  async tick(): Promise<void> {
    if (this.env.runsWorkers) await this.applyLeftBehind();
  }

  /** Outcomes a stopped process stored without stepping their alerts. */
  async applyLeftBehind(): Promise<void> {
    try {
      await this.work.run(async () => {
        const before = new Date(Date.now() - LEFT_BEHIND_AFTER_MS);
        const pids = await this.outcomes.patientsWithUnappliedOutcomes(before);
        for (const pid of pids) await this.applyStored(pid);
        if (pids.length > 0)
          this.logger.log(`Stepped alerts for ${pids.length} patient(s) left behind`, CONTEXT);
      });
    } catch (error) {
      this.logger.error(
        error instanceof Error ? error : new Error(String(error)),
        `${CONTEXT}: left-behind outcomes`,
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
