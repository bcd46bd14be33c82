import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Environment } from '../config/environment';
import { Transaction, Transactions } from '../database/transactions';
import { ConnectionRepository } from '../wearables/connection.repository';
import { SyncStateRepository } from './sync-state.repository';

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
    private readonly transactions: Transactions,
    private readonly connections: ConnectionRepository,
    private readonly states: SyncStateRepository,
    private readonly env: Environment,
  ) {}

  /** Up to `limit` due connections, oldest due first. */
  claimDue(limit: number, now = new Date()): Promise<Claim[]> {
    if (limit <= 0) return Promise.resolve([]);
    return this.transactions.run(async (transaction) => {
      const ids = await this.connections.lockSyncable({ due: { limit } }, now, transaction);
      return this.lease(transaction, ids, now);
    });
  }

  /** Claims one connection now, due or not (staff asked); 'leased' when a sync is running. */
  claimNow(connectionId: number, now = new Date()): Promise<Claim | 'leased' | 'not-syncable'> {
    return this.transactions.run(async (transaction) => {
      const ids = await this.connections.lockSyncable({ id: connectionId }, now, transaction);
      if (ids.length === 0)
        return (await this.states.isLeased(connectionId, now, transaction))
          ? 'leased'
          : 'not-syncable';
      const [claim] = await this.lease(transaction, ids, now);
      return claim;
    });
  }

  /**
   * Gives leases back (shutdown, or a sync that could not start): the
   * connections are due at once, for this or another process.
   */
  async release(connectionIds: readonly number[], now = new Date()): Promise<void> {
    if (connectionIds.length === 0) return;
    await this.transactions.run(async (transaction) => {
      if ((await this.states.releaseLeases(connectionIds, this.owner, transaction)) === 0) return;
      await this.connections.scheduleSync(connectionIds, now, transaction);
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
      renewing = renewing
        .then(() => this.states.renewLease(connectionId, this.owner, this.expiryFrom(new Date())))
        .catch(() => undefined);
    }, everyMs);
    timer.unref();
    return {
      end: async () => {
        clearInterval(timer);
        await renewing;
      },
    };
  }

  private expiryFrom(now: Date): Date {
    return new Date(now.getTime() + this.env.SYNC_LEASE_SECONDS * 1000);
  }

  private async lease(transaction: Transaction, ids: number[], now: Date): Promise<Claim[]> {
    if (ids.length === 0) return [];
    const expiresAt = this.expiryFrom(now);
    await this.connections.holdUntil(ids, expiresAt, transaction);
    await this.states.lease(ids, this.owner, expiresAt, now, transaction);
    return ids.map((connectionId) => ({ connectionId, expiresAt }));
  }
}
