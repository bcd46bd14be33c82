import { Injectable } from '@nestjs/common';
import { DataSource, In, type EntityManager } from 'typeorm';
import { inTransaction } from '../database/transactions';
import { Delivery } from './delivery.entity';

/**
 * How long a claimed row belongs to its dispatcher before another may retry
 * it. Short, so a crashed owner's unfinished rows wait a minute at most; a live
 * dispatcher renews its batch while it works (BatchLease).
 */
export const LEASE_MS = 60_000;
/** A live dispatcher renews this often: two renewals may fail before its lease runs out. */
export const RENEW_EVERY_MS = LEASE_MS / 3;
const FIRST_RETRY_MS = 30_000;
const LONGEST_WAIT_MS = 60 * 60_000;
/**
 * Attempts before a row is parked as `failed`: with the waits below, about ten
 * hours of OpenEMR being down, unreachable recipients or refused grants.
 */
export const MAX_ATTEMPTS = 20;

/**
 * 30 s, 1 min, 2 min... at most an hour, each between half and all of that
 * (jitter: rows that failed together, when OpenEMR went down, do not all come
 * back in the same second).
 */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const ceiling = Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), LONGEST_WAIT_MS);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * The outbox table as a work queue. Rows are claimed with a lease: on MySQL the
 * claim reads with `FOR UPDATE SKIP LOCKED` so several Vigil processes share
 * the work without waiting on each other; the embedded SQLite database belongs
 * to one process, whose transactions queue (src/database/transactions.ts).
 */
@Injectable()
export class OutboxQueue {
  constructor(private readonly dataSource: DataSource) {}

  async claimDue(now: Date, limit: number): Promise<Delivery[]> {
    return inTransaction(this.dataSource, async (manager) => {
      const query = manager
        .getRepository(Delivery)
        .createQueryBuilder('d')
        .where('d.status = :pending', { pending: 'pending' })
        .andWhere('d.nextAttemptAt <= :now', { now })
        .andWhere('(d.claimedUntil IS NULL OR d.claimedUntil < :now)', { now })
        .orderBy('d.nextAttemptAt', 'ASC')
        .addOrderBy('d.id', 'ASC')
        .limit(limit);
      if (manager.connection.options.type === 'mysql') {
        query.setLock('pessimistic_write').setOnLocked('skip_locked');
      }
      const rows = await query.getMany();
      if (rows.length === 0) return rows;
      const claimedUntil = new Date(now.getTime() + LEASE_MS);
      await manager
        .getRepository(Delivery)
        .update({ id: In(rows.map((r) => r.id)) }, { claimedUntil });
      return rows.map((row) => Object.assign(row, { claimedUntil }));
    });
  }

  /**
   * Extends the lease on a row this dispatcher still holds (`claimedUntil` as
   * it last wrote it) to a minute from `now`; false when the row is no longer
   * pending or another dispatcher claimed it after our lease ran out.
   */
  async renew(row: Delivery, now: Date): Promise<boolean> {
    const held = row.claimedUntil;
    if (held === null) return false;
    const claimedUntil = new Date(now.getTime() + LEASE_MS);
    const result = await inTransaction(this.dataSource, (manager) =>
      manager
        .getRepository(Delivery)
        .update({ id: row.id, status: 'pending', claimedUntil: held }, { claimedUntil }),
    );
    if (result.affected !== 1) return false;
    row.claimedUntil = claimedUntil;
    return true;
  }

  /** Marks a row done inside the caller's transaction (with its audit and follow-up rows). */
  async markDelivered(
    manager: EntityManager,
    row: Delivery,
    now: Date,
    openEmrRowId: number | null,
  ): Promise<void> {
    await manager.getRepository(Delivery).update(
      { id: row.id },
      {
        status: 'delivered',
        deliveredAt: now,
        openEmrRowId,
        claimedUntil: null,
        lastError: null,
        attempts: row.attempts + 1,
      },
    );
  }

  async markRerouted(manager: EntityManager, row: Delivery, reason: string): Promise<void> {
    await manager
      .getRepository(Delivery)
      .update(
        { id: row.id },
        { status: 'rerouted', claimedUntil: null, lastError: reason.slice(0, 500) },
      );
  }

  /**
   * Schedules the next attempt, or parks the row as `failed` after MAX_ATTEMPTS
   * (or at once with `park`); true when parked. `reason` must be words without
   * health values or secrets.
   */
  async markFailed(row: Delivery, now: Date, reason: string, park = false): Promise<boolean> {
    const attempts = row.attempts + 1;
    const parked = park || attempts >= MAX_ATTEMPTS;
    await this.dataSource.getRepository(Delivery).update(
      { id: row.id },
      {
        attempts,
        status: parked ? 'failed' : 'pending',
        nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempts)),
        claimedUntil: null,
        lastError: reason.slice(0, 500),
      },
    );
    return parked;
  }

  /** Rows parked as failed: for /health/ready. */
  async parked(): Promise<number> {
    return this.dataSource.getRepository(Delivery).countBy({ status: 'failed' });
  }

  /** How many rows wait, and since when the oldest has: for /health/ready. */
  async backlog(): Promise<{ pending: number; oldest: Date | null }> {
    const row = await this.dataSource
      .getRepository(Delivery)
      .createQueryBuilder('d')
      .select('COUNT(*)', 'pending')
      .addSelect('MIN(d.createdAt)', 'oldest')
      .where('d.status = :pending', { pending: 'pending' })
      .getRawOne<{ pending: number | string; oldest: string | Date | null }>();
    const oldest = row?.oldest ?? null;
    return {
      pending: Number(row?.pending ?? 0),
      oldest: oldest === null ? null : oldest instanceof Date ? oldest : parseUtc(oldest),
    };
  }
}

/** SQLite hands back `YYYY-MM-DD HH:MM:SS.SSS` in UTC from an aggregate. */
function parseUtc(value: string): Date {
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}
