import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Brackets, DataSource, EntityManager, In } from 'typeorm';
import { Environment } from '../config/environment';
import { inTransaction } from '../database/transactions';
import { WearableConnection } from '../wearables/wearable-connection.entity';
import { newSyncState, SyncState } from './sync-state.entity';

/** Renews a sync's lease until `end` (which waits for a renewal under way). */
export interface LeaseKeeper {
  end(): Promise<void>;
}

/** A connection this process may sync until `expiresAt`. */
export interface Claim {
  connectionId: number;
  expiresAt: Date;
}

/**
 * Row leases on due connections, so several processes share the work and no
 * patient is synced twice at once. A claim is one short transaction: on MySQL
 * `SELECT ... FOR UPDATE SKIP LOCKED` lets each process take different rows
 * without waiting; on SQLite (one process) the transaction queue is the lock.
 * Claiming moves `next_sync_at` to the lease expiry, so a crashed owner's
 * connection simply becomes due again when its lease runs out.
 */
@Injectable()
export class SyncLeases {
  /** This process, as written in `sync_states.lease_owner`. */
  readonly owner = `${hostname().slice(0, 40)}:${process.pid}:${randomBytes(4).toString('hex')}`;

  constructor(
    private readonly dataSource: DataSource,
    private readonly env: Environment,
  ) {}

  private get mysql(): boolean {
    return this.dataSource.options.type === 'mysql';
  }

  /** Up to `limit` due connections, oldest due first. */
  claimDue(limit: number, now = new Date()): Promise<Claim[]> {
    if (limit <= 0) return Promise.resolve([]);
    return inTransaction(this.dataSource, async (manager) => {
      const query = this.syncable(manager, now)
        .andWhere('c.nextSyncAt <= :now', { now })
        .orderBy('c.nextSyncAt', 'ASC')
        .limit(limit);
      if (this.mysql) query.setLock('pessimistic_write').setOnLocked('skip_locked');
      const ids = (await query.getMany()).map((c) => c.id);
      return this.lease(manager, ids, now);
    });
  }

  /** Claims one connection now, due or not (staff asked); 'leased' when a sync is running. */
  claimNow(connectionId: number, now = new Date()): Promise<Claim | 'leased' | 'not-syncable'> {
    return inTransaction(this.dataSource, async (manager) => {
      const query = this.syncable(manager, now).andWhere('c.id = :id', { id: connectionId });
      if (this.mysql) query.setLock('pessimistic_write');
      const found = await query.getOne();
      if (!found) {
        const held = await manager
          .getRepository(SyncState)
          .createQueryBuilder('s')
          .where('s.connectionId = :id AND s.leaseExpiresAt > :now', { id: connectionId, now })
          .getCount();
        return held > 0 ? 'leased' : 'not-syncable';
      }
      const [claim] = await this.lease(manager, [found.id], now);
      return claim;
    });
  }

  /**
   * Gives leases back (shutdown, or a sync that could not start): the
   * connections are due at once, for this or another process.
   */
  async release(connectionIds: readonly number[], now = new Date()): Promise<void> {
    if (connectionIds.length === 0) return;
    await inTransaction(this.dataSource, async (manager) => {
      const released = await manager
        .getRepository(SyncState)
        .createQueryBuilder()
        .update()
        .set({ leaseOwner: null, leaseExpiresAt: null })
        .where({ connectionId: In([...connectionIds]), leaseOwner: this.owner })
        .execute();
      if (!released.affected) return;
      await manager
        .getRepository(WearableConnection)
        .createQueryBuilder()
        .update()
        .set({ nextSyncAt: now })
        .where({ id: In([...connectionIds]) })
        .andWhere('next_sync_at IS NOT NULL')
        .execute();
    });
  }

  /**
   * Keeps this process's lease on a connection while its sync runs: every
   * third of a lease the expiry moves a whole lease ahead. A backfill slowed
   * by Google's rate limits can outlast one lease, and another process must
   * not start the same patient meanwhile; a crash still frees the patient one
   * lease after the last renewal.
   */
  keep(connectionId: number, everyMs = (this.env.SYNC_LEASE_SECONDS * 1000) / 3): LeaseKeeper {
    let renewing: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      renewing = renewing.then(() => this.renew(connectionId)).catch(() => undefined);
    }, everyMs);
    timer.unref();
    return {
      end: async () => {
        clearInterval(timer);
        await renewing;
      },
    };
  }

  /** Moves the expiry of our own lease; one another process has taken stays theirs. */
  private async renew(connectionId: number, now = new Date()): Promise<void> {
    await this.dataSource
      .getRepository(SyncState)
      .createQueryBuilder()
      .update()
      .set({ leaseExpiresAt: new Date(now.getTime() + this.env.SYNC_LEASE_SECONDS * 1000) })
      .where({ connectionId, leaseOwner: this.owner })
      .execute();
  }

  /** Connections that can be synced: connected, enrolled and active, not leased by anyone. */
  private syncable(manager: EntityManager, now: Date) {
    return manager
      .getRepository(WearableConnection)
      .createQueryBuilder('c')
      .select(['c.id'])
      .where('c.disconnectedAt IS NULL')
      .andWhere('c.refreshSecretId IS NOT NULL')
      .andWhere('c.nextSyncAt IS NOT NULL')
      .andWhere("c.enrollmentId IN (SELECT e.id FROM enrollments e WHERE e.status = 'active')")
      .andWhere(
        new Brackets((q) =>
          q.where(
            'c.id NOT IN (SELECT s.connection_id FROM sync_states s WHERE s.lease_expires_at > :now)',
            { now },
          ),
        ),
      );
  }

  private async lease(manager: EntityManager, ids: number[], now: Date): Promise<Claim[]> {
    if (ids.length === 0) return [];
    const expiresAt = new Date(now.getTime() + this.env.SYNC_LEASE_SECONDS * 1000);
    await manager
      .getRepository(WearableConnection)
      .createQueryBuilder()
      .update()
      .set({ nextSyncAt: expiresAt })
      .where({ id: In(ids) })
      .execute();
    const states = manager.getRepository(SyncState);
    const existing = new Set(
      (await states.find({ select: { connectionId: true }, where: { connectionId: In(ids) } })).map(
        (s) => s.connectionId,
      ),
    );
    const lease = { leaseOwner: this.owner, leaseExpiresAt: expiresAt, lastAttemptAt: now };
    const missing = ids.filter((id) => !existing.has(id));
    if (missing.length > 0)
      await states.insert(missing.map((id) => ({ ...newSyncState(id), ...lease })));
    if (existing.size > 0) await states.update({ connectionId: In([...existing]) }, lease);
    return ids.map((connectionId) => ({ connectionId, expiresAt }));
  }
}
