import { Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { inTransaction, type Transaction } from '../database/transactions';
import { PendingEvent } from './pending-event.entity';

/** How long a taken event belongs to its process before another may take it again. */
export const CLAIM_MS = 2 * 60_000;
const FIRST_RETRY_MS = 5_000;
const LONGEST_WAIT_MS = 10 * 60_000;

/** 5 s, 10 s, 20 s... at most 10 minutes: the listener's database or a peer may be down a while. */
export function retryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), LONGEST_WAIT_MS);
}

/** An event as taken from the table. */
export interface ClaimedEvent {
  id: string;
  name: string;
  /** JSON. */
  payload: string;
  attempts: number;
}

/**
 * The pending events as a work queue. A claim moves `due_at` past a lease: on
 * MySQL the read takes `FOR UPDATE SKIP LOCKED`, so processes take different
 * rows; the embedded SQLite database belongs to one process, whose
 * transactions queue.
 */
@Injectable()
export class PendingEvents {
  constructor(private readonly dataSource: DataSource) {}

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
    });
  }

  async claimDue(now: Date, limit: number): Promise<ClaimedEvent[]> {
    return inTransaction(this.dataSource, async (manager) => {
      const query = manager
        .getRepository(PendingEvent)
        .createQueryBuilder('e')
        .where('e.dueAt <= :now', { now })
        .orderBy('e.id', 'ASC')
        .limit(limit);
      if (manager.connection.options.type === 'mysql') {
        query.setLock('pessimistic_write').setOnLocked('skip_locked');
      }
      const rows = await query.getMany();
      if (rows.length === 0) return [];
      await manager
        .getRepository(PendingEvent)
        .createQueryBuilder()
        .update()
        .set({ dueAt: new Date(now.getTime() + CLAIM_MS), attempts: () => 'attempts + 1' })
        .where({ id: In(rows.map((row) => row.id)) })
        .execute();
      return rows.map((row) => ({
        id: String(row.id),
        name: row.name,
        payload: row.payload,
        attempts: row.attempts + 1,
      }));
    });
  }

  /** Every listener took it. */
  async settle(event: ClaimedEvent): Promise<void> {
    await this.dataSource.getRepository(PendingEvent).delete({ id: event.id });
  }

  /** A listener failed: try again after the backoff; `reason` is words, never a value. */
  async retryLater(event: ClaimedEvent, now: Date, reason: string): Promise<void> {
    await this.dataSource.getRepository(PendingEvent).update(
      { id: event.id },
      {
        dueAt: new Date(now.getTime() + retryDelayMs(event.attempts)),
        lastError: reason.slice(0, 500),
      },
    );
  }
}
