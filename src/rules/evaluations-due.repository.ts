import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, LessThanOrEqual, type EntityManager } from 'typeorm';
import { LeasedQueue, type Failure, type WorkQueue } from '../database/leased-queue';
import { queueTable, recordDue } from '../database/queue-columns';
import { RawColumns, rowsChanged } from '../database/raw-columns';
import type { WorkPolicy } from '../database/work-policy';
import type { LocalDate } from '../time';
import { EvaluationDue } from './evaluation-due.entity';

/** How long the sync's own process has to evaluate what it recorded before a worker takes it. */
export const OWN_EVALUATION_MS = 60_000;

/**
 * A worker's claim holds for two minutes (an evaluation of a batch takes
 * seconds); failures wait 30 s, 1 min, 2 min... at most 30 minutes, and after
 * 10 attempts, one to two hours in all, the patient's evaluation due is parked as
 * failed. The daily run still evaluates the patient's days meanwhile.
 */
export const EVALUATIONS_DUE_POLICY: WorkPolicy = {
  leaseMs: 2 * 60_000,
  firstRetryMs: 30_000,
  longestWaitMs: 30 * 60_000,
  maxAttempts: 10,
};

/** The table as a queue: a patient is due at `due_at`, earliest first, until parked. */
const EVALUATIONS_DUE_QUEUE = queueTable({
  name: 'evaluations_due',
  entity: EvaluationDue,
  key: 'pid',
  order: ['dueAt'],
  recordedAt: 'recordedAt',
});

/**
 * In a sync's transaction: adds the dates it changed to the patient's
 * evaluation due, due a minute later (OWN_EVALUATION_MS), or when a claim's
 * lease or a failure's backoff ends if that is later. One statement, no read
 * first: two syncs of different patients never wait on each other's gap locks.
 */
export async function recordEvaluationDue(
  manager: EntityManager,
  pid: number,
  dates: readonly LocalDate[],
  at: Date,
): Promise<void> {
  if (dates.length === 0) return;
  await recordDue(manager, EVALUATIONS_DUE_QUEUE, [pid], {
    recordedAt: at,
    dueAt: new Date(at.getTime() + OWN_EVALUATION_MS),
    append: { column: 'dates', words: [...dates].sort().join(' ') },
  });
}

/** A patient's due evaluation as read: the dates, and the write it answers. */
export interface DueEvaluation {
  pid: number;
  dates: LocalDate[];
  recordedAt: Date;
}

/** A due evaluation a worker claimed from the queue. */
export interface ClaimedEvaluation extends DueEvaluation {
  attempts: number;
  /** The claim's lease: proof that this worker still holds it. */
  leasedUntil: Date;
}

/** The `evaluations_due` table and its leased queue: synced days waiting for their evaluation. */
@Injectable()
export class EvaluationsDueRepository {
  private readonly queue: LeasedQueue<EvaluationDue>;
  /** The columns every evaluation after a sync reads and settles by. */
  private readonly read: RawColumns<EvaluationDue, 'pid' | 'dates' | 'recordedAt'>;

  constructor(private readonly dataSource: DataSource) {
    this.queue = new LeasedQueue(dataSource, EVALUATIONS_DUE_QUEUE, EVALUATIONS_DUE_POLICY);
    this.read = new RawColumns(dataSource, EvaluationDue, ['pid', 'dates', 'recordedAt']);
  }

  /** The queue's figures and parked evaluations (by pid), for operators, metrics and /health/ready. */
  get work(): WorkQueue {
    return this.queue;
  }

  /** See recordEvaluationDue: in the sync's transaction. */
  record(
    pid: number,
    dates: readonly LocalDate[],
    at: Date,
    manager: EntityManager,
  ): Promise<void> {
    return recordEvaluationDue(manager, pid, dates, at);
  }

  /** The patient's row, read as every evaluation after a sync reads it (hand-written, raw-columns.ts). */
  async of(pid: number): Promise<DueEvaluation | null> {
    const { table, selection } = this.read;
    const [row] = (await this.dataSource.query(
      `SELECT ${selection} FROM ${table} WHERE ${this.read.name('pid')} = ?`,
      [this.read.value('pid', pid)],
    )) as Record<string, unknown>[];
    return row === undefined ? null : due(this.read.hydrate(row));
  }

  /** Due evaluations whose own process did not settle them in time, leased to the caller. */
  async claimDue(now: Date, limit: number): Promise<ClaimedEvaluation[]> {
    const rows = await this.queue.claimDue(now, limit);
    return rows.map((row) => ({ ...due(row), attempts: row.attempts, leasedUntil: row.dueAt }));
  }

  /**
   * The evaluation of what was read stored its outcomes: done, unless a sync
   * added dates since; those are new work, with all their attempts ahead.
   */
  async settle(evaluated: DueEvaluation): Promise<void> {
    const done = this.read.where({
      pid: evaluated.pid,
      recordedAt: LessThanOrEqual(evaluated.recordedAt),
    });
    const deleted = await rowsChanged(
      this.dataSource.manager,
      `DELETE FROM ${this.read.table} WHERE ${done.sql}`,
      done.parameters,
    );
    if (deleted === 0) {
      await this.dataSource
        .getRepository(EvaluationDue)
        .update({ pid: evaluated.pid, failedAt: IsNull() }, { attempts: 0, lastError: null });
    }
  }

  /** Its evaluation failed: again after the backoff, or parked once its attempts are spent. */
  fail(claimed: ClaimedEvaluation, now: Date, reason: string): Promise<Failure> {
    return this.queue.fail(
      { pid: claimed.pid, dueAt: claimed.leasedUntil, attempts: claimed.attempts },
      now,
      reason,
    );
  }
}

function due(row: Pick<EvaluationDue, 'pid' | 'dates' | 'recordedAt'>): DueEvaluation {
  return {
    pid: Number(row.pid),
    dates: [...new Set(row.dates.split(' ').filter(Boolean))].sort(),
    recordedAt: row.recordedAt,
  };
}
