import { Injectable } from '@nestjs/common';
import { DataSource, In, type Repository } from 'typeorm';
import type { Transaction } from '../database/transactions';
import { newSyncState, SyncState } from './sync-state.entity';

/** What a sync that ends (well or not) records besides giving its lease back. */
export type SyncStateChanges = Partial<
  Omit<SyncState, 'connectionId' | 'leaseOwner' | 'leaseExpiresAt' | 'earlySyncRequested'>
>;

/**
 * The `sync_states` table's one owner: per connection, who holds the sync
 * lease, how far the data is complete and why the last syncs failed. Methods
 * that take a `Transaction` run inside the caller's.
 */
@Injectable()
export class SyncStateRepository {
  constructor(private readonly dataSource: DataSource) {}

  private rows(transaction?: Transaction): Repository<SyncState> {
    return (transaction ?? this.dataSource.manager).getRepository(SyncState);
  }

  /** The connection's state; a never-synced connection has none yet. */
  ofConnection(connectionId: number, transaction?: Transaction): Promise<SyncState | null> {
    return this.rows(transaction).findOneBy({ connectionId });
  }

  ofConnections(connectionIds: readonly number[], transaction?: Transaction): Promise<SyncState[]> {
    if (connectionIds.length === 0) return Promise.resolve([]);
    return this.rows(transaction).findBy({ connectionId: In([...connectionIds]) });
  }

  /** Inserts or updates the whole state. */
  async save(state: SyncState, transaction?: Transaction): Promise<void> {
    await this.rows(transaction).save(state);
  }

  /** Whether some process's lease on the connection is still running at `now`. */
  async isLeased(connectionId: number, now: Date, transaction?: Transaction): Promise<boolean> {
    const held = await this.rows(transaction)
      .createQueryBuilder('s')
      .where('s.connectionId = :connectionId AND s.leaseExpiresAt > :now', { connectionId, now })
      .getCount();
    return held > 0;
  }

  /** Leases the connections to `owner` until `expiresAt`, creating states for first syncs. */
  async lease(
    connectionIds: readonly number[],
    owner: string,
    expiresAt: Date,
    now: Date,
    transaction: Transaction,
  ): Promise<void> {
    if (connectionIds.length === 0) return;
    const rows = this.rows(transaction);
    const existing = new Set(
      (
        await rows.find({
          select: { connectionId: true },
          where: { connectionId: In([...connectionIds]) },
        })
      ).map((s) => s.connectionId),
    );
    const lease = { leaseOwner: owner, leaseExpiresAt: expiresAt, lastAttemptAt: now };
    const missing = connectionIds.filter((id) => !existing.has(id));
    if (missing.length > 0)
      await rows.insert(missing.map((id) => ({ ...newSyncState(id), ...lease })));
    if (existing.size > 0) await rows.update({ connectionId: In([...existing]) }, lease);
  }

  /** Moves the expiry of `owner`'s lease; one another process has taken stays theirs. */
  async renewLease(connectionId: number, owner: string, expiresAt: Date): Promise<void> {
    await this.rows()
      .createQueryBuilder()
      .update()
      .set({ leaseExpiresAt: expiresAt })
      .where({ connectionId, leaseOwner: owner })
      .execute();
  }

  /** Clears `owner`'s leases on these connections; how many it held. */
  async releaseLeases(
    connectionIds: readonly number[],
    owner: string,
    transaction: Transaction,
  ): Promise<number> {
    const released = await this.rows(transaction)
      .createQueryBuilder()
      .update()
      .set({ leaseOwner: null, leaseExpiresAt: null })
      .where({ connectionId: In([...connectionIds]), leaseOwner: owner })
      .execute();
    return released.affected ?? 0;
  }

  /**
   * The connection's state if `owner` still holds its lease, the row locked
   * until the transaction ends (FOR UPDATE on MySQL); null when the lease
   * expired and another process took it.
   */
  lockOwnLease(
    connectionId: number,
    owner: string,
    transaction: Transaction,
  ): Promise<SyncState | null> {
    const query = this.rows(transaction)
      .createQueryBuilder('s')
      .where('s.connectionId = :connectionId AND s.leaseOwner = :owner', { connectionId, owner });
    if (this.dataSource.options.type === 'mysql') query.setLock('pessimistic_write');
    return query.getOne();
  }

  /** Ends the lease (and any early-sync request) with the sync's results; call after lockOwnLease. */
  async endLease(
    connectionId: number,
    changes: SyncStateChanges,
    transaction: Transaction,
  ): Promise<void> {
    await this.rows(transaction).update(
      { connectionId },
      { ...changes, leaseOwner: null, leaseExpiresAt: null, earlySyncRequested: false },
    );
  }
}
