import { Injectable } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { addDays, DAY_MS, type LocalDate } from '../time';
import { Environment } from '../config/environment';
import { Transactions } from '../database/transactions';
import { InFlightWork } from '../lifecycle/in-flight-work';
import { JsonLogger } from '../logging/json-logger';
import { RuleOutcomes } from './rule-outcomes.repository';

const CONTEXT = 'Rules';
const LOCK = 'vigil_outcome_retention';

/** Which outcomes are old enough to go: their date and their last alert step both before these. */
export interface RetentionCutoff {
  date: LocalDate;
  steppedBefore: Date;
}

export function retentionCutoff(now: Date, days: number): RetentionCutoff {
  return {
    date: addDays(now.toISOString().slice(0, 10), -days),
    steppedBefore: new Date(now.getTime() - days * DAY_MS),
  };
}

/**
 * Deletes rule outcomes older than OUTCOME_RETENTION_DAYS (about 3.3 KB per
 * patient-day), nightly on workers. Nothing reads them once stepped: alerts
 * keep their own history, backtests evaluate the aggregates again, and the
 * outcomes API shows a month by default. An outcome not yet stepped into
 * alerts is never deleted, nor one stepped again recently (its day was
 * evaluated again). Small batches, each its own transaction, so evaluations
 * writing outcomes meanwhile wait milliseconds at most.
 */
@Injectable()
export class OutcomeRetention {
  /** Rows per delete; tests make it small. */
  batchSize = 1000;

  constructor(
    private readonly transactions: Transactions,
    private readonly outcomes: RuleOutcomes,
    private readonly env: Environment,
    private readonly work: InFlightWork,
    private readonly logger: JsonLogger,
  ) {}

  /** Nightly at 03:35 (server time), off the hourly evaluation's minute. */
  @Cron('0 35 3 * * *', { name: 'rules.outcome-retention' })
  async nightly(): Promise<void> {
    if (!this.env.runsWorkers) return;
    try {
      const deleted = await this.work.run(() => this.prune());
      if (deleted)
        this.logger.log(
          `Deleted ${deleted} rule outcome(s) older than ${this.env.OUTCOME_RETENTION_DAYS} days`,
          CONTEXT,
        );
    } catch (error) {
      this.logger.error(
        error instanceof Error ? error : new Error(String(error)),
        `${CONTEXT}: outcome retention`,
      );
    }
  }

  /**
   * Deletes what the retention lets go, batch by batch, until none is left or
   * the process stops; on MySQL one process at a time (null: another is at it).
   */
  async prune(now: Date = new Date()): Promise<number | null> {
    const cutoff = retentionCutoff(now, this.env.OUTCOME_RETENTION_DAYS);
    return this.transactions.withLock(LOCK, 0, async () => {
      let deleted = 0;
      for (;;) {
        const batch = await this.transactions.run((tx) =>
          this.outcomes.deleteStepped(cutoff, this.batchSize, tx),
        );
        deleted += batch.deleted;
        if (batch.found < this.batchSize || !this.work.isAccepting) return deleted;
      }
    });
  }
}
