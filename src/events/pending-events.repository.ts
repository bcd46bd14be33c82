import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  LeasedQueue,
  type Failure,
  type QueueTable,
  type WorkQueue,
} from '../database/leased-queue';
import { queueTable } from '../database/queue-columns';
import type { Transaction } from '../database/transactions';
import type { WorkPolicy } from '../database/work-policy';
import { PendingEvent } from './pending-event.entity';

/**
 * Listeners get two minutes before another process may hand the event on
 * again; failures wait 5 s, 10 s, 20 s... at most 10 minutes (a listener's
 * database or a peer may be down a while), and after 20 attempts, one to two
 * hours in all, the event is parked as failed.
 */
export const PENDING_EVENTS_POLICY: WorkPolicy = {
  leaseMs: 2 * 60_000,
  firstRetryMs: 5_000,
  longestWaitMs: 10 * 60_000,
  maxAttempts: 20,
};

/** The table as a queue: an event is due at `due_at`, oldest first, until parked. */
export const PENDING_EVENTS_QUEUE: QueueTable<PendingEvent> = queueTable({
  name: 'pending_events',
  entity: PendingEvent,
  key: 'id',
  order: ['id'],
  recordedAt: 'recordedAt',
});

/** An event as taken from the table. */
export interface ClaimedEvent {
  id: string;
  name: string;
  /** JSON. */
  payload: string;
  attempts: number;
  /** The claim's lease: proof that this process still holds the event. */
  leasedUntil: Date;
}

/** The `pending_events` table, and the relay's leased queue over it. */
@Injectable()
export class PendingEvents {
  private readonly queue: LeasedQueue<PendingEvent>;

  constructor(private readonly dataSource: DataSource) {
    this.queue = new LeasedQueue(dataSource, PENDING_EVENTS_QUEUE, PENDING_EVENTS_POLICY);
  }

  /** The queue's figures and parked events, for operators, metrics and /health/ready. */
  get work(): WorkQueue {
    return this.queue;
  }

  /**
   * Records an event in the caller's transaction, so it exists exactly when the
   * change it announces does. After the commit the caller nudges the relay.
   */
  async record(name: string, payload: object, at: Date, transaction: Transaction): Promise<void> {
    await transaction.getRepository(PendingEvent).insert({
      name,
      payload: JSON.stringify(payload),
      recordedAt: at,
      dueAt: at,
      attempts: 0,
      lastError: null,
      failedAt: null,
    });
  }

  async claimDue(now: Date, limit: number): Promise<ClaimedEvent[]> {
    const rows = await this.queue.claimDue(now, limit);
    return rows.map((row) => ({
      id: String(row.id),
      name: row.name,
      payload: row.payload,
      attempts: row.attempts,
      leasedUntil: row.dueAt,
    }));
  }

  /** Every listener took it. */
  async settle(event: ClaimedEvent): Promise<void> {
    await this.dataSource.getRepository(PendingEvent).delete({ id: event.id });
  }

  /**
   * A listener failed: try again after the backoff, or park the event as
   * failed once its attempts are spent. `reason` is words, never a value.
   */
  async fail(event: ClaimedEvent, now: Date, reason: string): Promise<Failure> {
    return this.queue.fail(
      { id: event.id, dueAt: event.leasedUntil, attempts: event.attempts },
      now,
      reason,
    );
  }
}
