import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Cron, Interval } from '@nestjs/schedule';
import { Environment } from '../config/environment';
import { InFlightWork } from '../lifecycle/in-flight-work';
import { JsonLogger } from '../logging/json-logger';
import { PATIENT_SYNCED, PatientSynced } from '../events/contracts';
import { EvaluationRun, RuleEvaluations } from './rule-evaluations.service';
import { RulesService } from './rules.service';

const CONTEXT = 'Rules';

/**
 * What sets evaluation going: the rules folder synced at start, an hourly tick
 * that enqueues the daily run (worker processes only), and `patient.synced`.
 * Counts and timings are logged, never values.
 */
@Injectable()
export class EvaluationTriggers implements OnApplicationBootstrap {
  private daily: Promise<void> | null = null;

  constructor(
    private readonly rules: RulesService,
    private readonly evaluations: RuleEvaluations,
    private readonly work: InFlightWork,
    private readonly env: Environment,
    private readonly logger: JsonLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const sync = await this.rules.syncFolder('system');
    for (const error of sync.errors) {
      this.logger.warn(
        `Rule file refused, its rule keeps its last good version: ${error.file} ${error.path} ${error.message}`,
        CONTEXT,
      );
    }
    this.logger.log(
      `Rules folder ${sync.directory}: ${sync.changed.length} new version(s), ${sync.unchanged.length} unchanged, ${sync.errors.length} problem(s)`,
      CONTEXT,
    );
    // A worker that replaces a crashed one evaluates what the crash left out.
    if (this.env.runsWorkers) void this.evaluateMissed();
  }

  private async evaluateMissed(): Promise<void> {
    try {
      const run = await this.work.run(() => this.evaluations.evaluateMissed());
      this.report('Evaluation of days a stopped process left', run ?? null);
    } catch (error) {
      this.failed('Evaluation of days a stopped process left', error);
    }
  }

  /** Every minute on workers: evaluations a stopped process left (see evaluateDue). */
  @Interval('rules.evaluations-due', 60_000)
  async evaluateDue(): Promise<void> {
    if (!this.env.runsWorkers) return;
    try {
      const run = await this.work.run(() => this.evaluations.evaluateDue());
      this.report('Evaluation of syncs a stopped process left', run ?? null);
    } catch (error) {
      this.failed('Evaluation of syncs a stopped process left', error);
    }
  }

  /** Hourly: each patient's previous day is due once their local clock passes EVALUATION_HOUR. */
  @Cron('0 5 * * * *', { name: 'rules.daily-evaluation' })
  enqueueDailyRun(): void {
    if (!this.env.runsWorkers || this.daily !== null) return;
    this.daily = this.work
      .run(() => this.evaluations.runDaily())
      .then((run) => this.report('Daily evaluation', run ?? null))
      .then(() => this.evaluateMissed())
      .catch((error: unknown) => this.failed('Daily evaluation', error))
      .finally(() => {
        this.daily = null;
      });
  }

  @OnEvent(PATIENT_SYNCED)
  async onPatientSynced(event: PatientSynced): Promise<void> {
    try {
      const run = await this.work.run(() => this.evaluations.evaluateSynced(event));
      this.report(`Evaluation after sync of patient ${event.pid}`, run ?? null);
    } catch (error) {
      this.failed(`Evaluation after sync of patient ${event.pid}`, error);
    }
  }

  private report(what: string, run: EvaluationRun | null): void {
    if (run === null || run.patients === 0) return;
    this.logger.log(
      `${what}: ${run.patients} patient(s), ${run.outcomes} outcome(s); load ${Math.round(run.loadMs)} ms, evaluate ${Math.round(run.evaluateMs)} ms, store ${Math.round(run.storeMs)} ms` +
        (run.announceFailures > 0
          ? `; ${run.announceFailures} announcement(s) to alerts failed`
          : ''),
      CONTEXT,
    );
  }

  private failed(what: string, error: unknown): void {
    this.logger.error(
      error instanceof Error ? error : new Error(String(error)),
      `${CONTEXT}: ${what}`,
    );
  }
}
