import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { LeasedQueue, type Failure, type WorkQueue } from '../database/leased-queue';
import { queueTable, recordDue } from '../database/queue-columns';
import { RawColumns } from '../database/raw-columns';
import type { WorkPolicy } from '../database/work-policy';
import type { OutcomeSteps } from '../rules/outcome-steps';
import { AlertStepDue } from './alert-step-due.entity';

/** How long the evaluating process has to step what it stored before a worker takes it. */
export const OWN_STEP_MS = 60_000;

/**
 * A worker's claim holds for two minutes (a step takes milliseconds);
 * failures wait 30 s, 1 min, 2 min... at most 30 minutes, and after 10
 * attempts, one to two hours in all, the patient's step is parked as failed.
 */
export const ALERT_STEPS_POLICY: WorkPolicy = {
  leaseMs: 2 * 60_000,
  firstRetryMs: 30_000,
  longestWaitMs: 30 * 60_000,
  maxAttempts: 10,
};

/** The table as a queue: a patient is due at `due_at`, earliest first, until parked. */
export const ALERT_STEPS_QUEUE = queueTable({
  name: 'alert_steps_due',
  entity: AlertStepDue,
  key: 'pid',
  order: ['dueAt'],
  recordedAt: 'recordedAt',
});

/** A patient's step a worker claimed from the queue. */
export interface ClaimedStep {
  pid: number;
  attempts: number;
  /** The claim's lease: proof that this worker still holds it. */
  leasedUntil: Date;
}

/**
 * The `alert_steps_due` table: patients whose stored outcomes wait for their
 * alert step, and its leased queue. The rules feature records patients
 * through the OutcomeSteps port, in the transaction that stores their
 * outcomes.
 */
@Injectable()
export class AlertStepsDue implements OutcomeSteps {
  private readonly queue: LeasedQueue<AlertStepDue>;
  /** The key, for a step's own statements (hand-written, raw-columns.ts: every sync steps). */
  private readonly key: RawColumns<AlertStepDue, 'pid'>;

  constructor(dataSource: DataSource) {
    this.queue = new LeasedQueue(dataSource, ALERT_STEPS_QUEUE, ALERT_STEPS_POLICY);
    this.key = new RawColumns(dataSource, AlertStepDue, ['pid']);
  }

  /** The queue for operators, metrics and /health/ready: figures, parked steps and their retry. */
  get work(): WorkQueue {
    return this.queue;
  }

  /**
   * In the transaction that stores the outcomes: each patient's step is due a
   * minute later (OWN_STEP_MS), or when a claim's lease or a failure's
   * backoff ends if that is later. A parked step stays parked. Patients in
   * pid order, so two evaluations of the same patients take their rows in
   * one order.
   */
  async record(tx: EntityManager, pids: readonly number[], at: Date): Promise<void> {
    await recordDue(tx, ALERT_STEPS_QUEUE, pids, {
      recordedAt: at,
      dueAt: new Date(at.getTime() + OWN_STEP_MS),
    });
  }

  /**
   * First in a step's transaction: removes the patient's row, which holds it
   * (on MySQL, the delete's lock; the SQLite database has one writer) until
   * the step commits, and a step that fails rolls back and leaves it.
   * Outcomes stored before it are read by the step; outcomes stored after it
   * record their row once the step committed, so the step never removes a
   * row that stands for outcomes it did not read. One statement for what a
   * locking read first and a delete last did.
   */
  async take(tx: EntityManager, pid: number): Promise<void> {
    await tx.query(`DELETE FROM ${this.key.table} WHERE ${this.key.names[0]} = ?`, [
      this.key.value('pid', pid),
    ]);
  }

  /** Steps whose evaluating process did not settle them in time, leased to the caller. */
  async claimDue(now: Date, limit: number): Promise<ClaimedStep[]> {
    const rows = await this.queue.claimDue(now, limit);
    return rows.map((row) => ({
      pid: Number(row.pid),
      attempts: row.attempts,
      leasedUntil: row.dueAt,
    }));
  }

  /** The step failed: again after the backoff, or parked once its attempts are spent. */
  fail(claimed: ClaimedStep, now: Date, reason: string): Promise<Failure> {
    return this.queue.fail(
      { pid: claimed.pid, dueAt: claimed.leasedUntil, attempts: claimed.attempts },
      now,
      reason,
    );
  }
}
