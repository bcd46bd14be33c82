import { Injectable } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { DataSource, In } from 'typeorm';
import { addDays, DAY_MS, type LocalDate } from '../time';
import { Environment } from '../config/environment';
import { inTransaction } from '../database/transactions';
import { InFlightWork } from '../lifecycle/in-flight-work';
import { JsonLogger } from '../logging/json-logger';
import { withNamedLock } from '../database/named-lock';
import { RuleOutcome } from './rule-outcome.entity';

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
    private readonly dataSource: DataSource,
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
    return withNamedLock(this.dataSource, LOCK, 0, async () => {
      let deleted = 0;
      for (;;) {
        const batch = await inTransaction(this.dataSource, async (manager) => {
          const repository = manager.getRepository(RuleOutcome);
          // Any batch will do: unordered, the scan stops at the batch's last row. A nightly few are
          // found through the alert step's index (alerts_applied_at first; NULL = never stepped).
          const ids = (
            await repository
              .createQueryBuilder('o')
              .select('o.id', 'id')
              .where('o.alertsAppliedAt < :stepped', { stepped: cutoff.steppedBefore })
              .andWhere('o.date < :date', { date: cutoff.date })
              .limit(this.batchSize)
              .getRawMany<{ id: string | number }>()
          ).map((row) => String(row.id));
          if (ids.length === 0) return { found: 0, deleted: 0 };
          // Checked again as it deletes: a day evaluated meanwhile is waiting for its alert step.
          const result = await repository
            .createQueryBuilder()
            .delete()
            .where({ id: In(ids) })
            .andWhere('alerts_applied_at < :stepped', { stepped: cutoff.steppedBefore })
            .execute();
          return { found: ids.length, deleted: result.affected ?? 0 };
        });
        deleted += batch.deleted;
        if (batch.found < this.batchSize || !this.work.isAccepting) return deleted;
      }
    });
  }
}
