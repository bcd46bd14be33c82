import { Injectable } from '@nestjs/common';
import { DataSource, In, IsNull, MoreThan, MoreThanOrEqual, Not, type Repository } from 'typeorm';
import { Environment } from '../config/environment';
import { LeasedQueue, type QueueReading, type WorkQueue } from '../database/leased-queue';
import { RawColumns } from '../database/raw-columns';
import { inTransaction, type Transaction } from '../database/transactions';
import type { WorkPolicy } from '../database/work-policy';
import { REPEATED_FAILURES } from '../wearables/google-health/retry-policy';
import { newSyncState, SyncState } from './sync-state.entity';

/** What a sync that ends (well or not) records besides giving its lease back. */
export type SyncStateChanges = Partial<
  Omit<SyncState, 'connectionId' | 'leaseOwner' | 'leaseExpiresAt' | 'earlySyncRequested'>
>;

/**
 * A connection this process may sync: its lease (`leaseExpiresAt`, as the
 * claim or the last renewal wrote it) is the proof that the sync is still
 * its own.
 */
export interface SyncClaim extends Pick<SyncState, 'connectionId' | 'leaseExpiresAt' | 'attempts'> {
  /**
   * The whole state as the claim read and leased it: the sync starts from it
   * rather than reading it again (a webhook's re-read written meanwhile is
   * checked under the row's lock when the lease ends).
   */
  readonly state?: SyncState;
}

/** A claimed row as the sync's claim, with the state it read. */
function claimOf(state: SyncState): SyncClaim {
  const { connectionId, leaseExpiresAt, attempts } = state;
  return { connectionId, leaseExpiresAt, attempts, state };
}

/**
 * The sync queue's policy. A claim holds SYNC_LEASE_SECONDS (renewed while
 * the sync runs). A sync is never parked: the runner retries a failed sync
 * on its own backoff (failureBackoffMs: 5 minutes doubling within the sync
 * interval, six hours once failures repeat), which these figures describe;
 * only a refused consent stops the schedule, and the monitoring-gap alert
 * tells staff.
 */
export function syncPolicy(leaseSeconds: number): WorkPolicy {
  return {
    leaseMs: leaseSeconds * 1000,
    firstRetryMs: 5 * 60_000,
    longestWaitMs: 6 * 3_600_000,
    maxAttempts: Number.POSITIVE_INFINITY,
  };
}

/**
 * The `sync_states` table's one owner: per connection, when the next sync is
 * due, who holds the sync lease, how far the data is complete and why the
 * last syncs failed. The table is the sync queue, claimed through the one
 * leased-queue mechanism (src/database/leased-queue.ts). Methods that take a
 * `Transaction` run inside the caller's.
 */
@Injectable()
export class SyncStateRepository {
  private readonly queue: LeasedQueue<SyncState>;
  /** Every column, for the statements each sync sends (read, lock, end the lease). */
  private readonly columns: RawColumns<SyncState, keyof SyncState>;

  constructor(
    private readonly dataSource: DataSource,
    env: Environment,
  ) {
    this.columns = new RawColumns(
      dataSource,
      SyncState,
      dataSource.getMetadata(SyncState).columns.map((c) => c.propertyName as keyof SyncState),
    );
    this.queue = new LeasedQueue(
      dataSource,
      {
        name: 'sync',
        entity: SyncState,
        key: 'connectionId',
        dueAt: 'nextSyncAt',
        leasedUntil: 'leaseExpiresAt',
        claimedBy: 'leaseOwner',
        attempts: 'attempts',
        lastError: 'statusReason',
        order: ['nextSyncAt'],
        claimIndex: 'ix_sync_states_due',
        waiting: { nextSyncAt: Not(IsNull()) },
        // Never used: a sync is retried on the runner's backoff, never parked (syncPolicy).
        park: () => ({}),
        // What operators see as failed: syncs failing REPEATED_FAILURES times in a row,
        // still retried every six hours; a retry makes them due now with a clean slate.
        parked: {
          nextSyncAt: Not(IsNull()),
          leaseExpiresAt: IsNull(),
          consecutiveFailures: MoreThanOrEqual(REPEATED_FAILURES),
        },
        unpark: { consecutiveFailures: 0 },
      },
      syncPolicy(env.SYNC_LEASE_SECONDS),
    );
  }

  /**
   * The queue's figures, and the connections failing repeatedly as its
   * "parked" items, for operators, metrics and /health/ready.
   */
  get work(): WorkQueue {
    return this.queue;
  }

  /** Syncing connections whose next sync time has passed, unleased, and the longest wait: for the metrics. */
  async syncDue(now: Date): Promise<Omit<QueueReading, 'failed'>> {
    const query = this.rows()
      .createQueryBuilder('s')
      .where('s.nextSyncAt <= :now', { now })
      .andWhere('(s.leaseExpiresAt IS NULL OR s.leaseExpiresAt < :now)', { now });
    const depth = await query.clone().getCount();
    if (depth === 0) return { depth, oldestAgeSeconds: 0 };
    const first = await query.orderBy('s.nextSyncAt', 'ASC').getOne();
    const since = first?.nextSyncAt ?? now;
    return { depth, oldestAgeSeconds: Math.max(0, (now.getTime() - since.getTime()) / 1000) };
  }

  /** This process, as `lease_owner` shows it. */
  get owner(): string {
    return this.queue.owner;
  }

  /** How long a claim holds before another process may take the sync over. */
  get leaseMs(): number {
    return this.queue.policy.leaseMs;
  }

  private rows(transaction?: Transaction): Repository<SyncState> {
    return (transaction ?? this.dataSource.manager).getRepository(SyncState);
  }

  private get mysql(): boolean {
    return this.dataSource.options.type === 'mysql';
  }

  /** The connection's state; null for a connection never scheduled. */
  ofConnection(connectionId: number, transaction?: Transaction): Promise<SyncState | null> {
    return this.stateWhere('connection_id = ?', [connectionId], transaction);
  }

  /** The one state the condition selects, hydrated as the entity's repository would. */
  private async stateWhere(
    condition: string,
    parameters: unknown[],
    transaction?: Transaction,
  ): Promise<SyncState | null> {
    const { table, selection } = this.columns;
    const rows = (await (transaction ?? this.dataSource.manager).query(
      `SELECT ${selection} FROM ${table} WHERE ${condition}`,
      parameters,
    )) as Record<string, unknown>[];
    return rows.length === 0 ? null : Object.assign(new SyncState(), this.columns.hydrate(rows[0]));
  }

  /** The states of these connections, their rows locked until the transaction ends (MySQL). */
  lockOfConnections(
    connectionIds: readonly number[],
    transaction: Transaction,
  ): Promise<SyncState[]> {
    if (connectionIds.length === 0) return Promise.resolve([]);
    const query = this.rows(transaction)
      .createQueryBuilder('s')
      .where({ connectionId: In([...connectionIds]) });
    if (this.mysql) query.setLock('pessimistic_write');
    return query.getMany();
  }

  /** When each of these connections syncs next (null: not syncing). */
  async nextSyncOf(connectionIds: readonly number[]): Promise<Map<number, Date | null>> {
    if (connectionIds.length === 0) return new Map();
    const rows = await this.rows().find({
      select: { connectionId: true, nextSyncAt: true },
      where: { connectionId: In([...connectionIds]) },
    });
    return new Map(rows.map((s) => [s.connectionId, s.nextSyncAt]));
  }

  /** Whether some process's lease on the connection is still running at `now`. */
  async isLeased(connectionId: number, now: Date, transaction?: Transaction): Promise<boolean> {
    return (
      (await this.rows(transaction).countBy({ connectionId, leaseExpiresAt: MoreThan(now) })) > 0
    );
  }

  /** Up to `limit` due connections, oldest due first, leased to this process. */
  async claimDue(now: Date, limit: number): Promise<SyncClaim[]> {
    return (await this.queue.claimDue(now, limit)).map(claimOf);
  }

  /** The connection, due or not, leased to this process; null when not syncing or leased. */
  async claimNow(connectionId: number, now: Date): Promise<SyncClaim | null> {
    const state = await this.queue.claimNow(connectionId, now);
    return state === null ? null : claimOf(state);
  }

  /** Extends the claim's lease; false when it lapsed and another process took it. */
  renew(claim: SyncClaim, now: Date): Promise<boolean> {
    return this.queue.renew(claim, now);
  }

  /**
   * Gives back the leases these claims still hold: those connections are due
   * at `now`, unless their schedule was stopped meanwhile. How many it held.
   */
  async release(claims: readonly SyncClaim[], now: Date): Promise<number> {
    let released = 0;
    await inTransaction(this.dataSource, async (manager) => {
      for (const claim of claims) {
        const held = { connectionId: claim.connectionId, leaseExpiresAt: claim.leaseExpiresAt! };
        const free = { leaseOwner: null, leaseExpiresAt: null };
        const result = await manager
          .getRepository(SyncState)
          .update({ ...held, nextSyncAt: Not(IsNull()) }, { ...free, nextSyncAt: now });
        const stopped = result.affected
          ? result
          : await manager.getRepository(SyncState).update(held, free);
        released += stopped.affected ?? 0;
      }
    });
    return released;
  }

  /**
   * The connection's state if the claim's lease still stands, the row locked
   * until the transaction ends (FOR UPDATE on MySQL); null when the lease
   * lapsed and another process took it.
   */
  lockHeld(claim: SyncClaim, transaction: Transaction): Promise<SyncState | null> {
    const { parameters } = this.columns.assignments({ leaseExpiresAt: claim.leaseExpiresAt! });
    return this.stateWhere(
      `connection_id = ? AND lease_expires_at = ?${this.mysql ? ' FOR UPDATE' : ''}`,
      [claim.connectionId, ...parameters],
      transaction,
    );
  }

  /** Ends the lease (and any early-sync request) with the sync's results; call after lockHeld. */
  async endLease(
    connectionId: number,
    changes: SyncStateChanges,
    transaction: Transaction,
  ): Promise<void> {
    const { sql, parameters } = this.columns.assignments({
      ...changes,
      leaseOwner: null,
      leaseExpiresAt: null,
      earlySyncRequested: false,
    });
    await transaction.query(`UPDATE ${this.columns.table} SET ${sql} WHERE connection_id = ?`, [
      ...parameters,
      connectionId,
    ]);
  }

  /** The connection syncs at `at` (its state created for a first sync). */
  async schedule(connectionId: number, at: Date, transaction: Transaction): Promise<void> {
    const rows = this.rows(transaction);
    if ((await rows.countBy({ connectionId })) === 0)
      await rows.insert({ ...newSyncState(connectionId), nextSyncAt: at });
    else await rows.update({ connectionId }, { nextSyncAt: at });
  }

  /** The connection stops syncing; a sync running now finishes but schedules none. */
  async unschedule(connectionId: number, transaction: Transaction): Promise<void> {
    await this.rows(transaction).update({ connectionId }, { nextSyncAt: null });
  }

  /**
   * A webhook's request, on a state lockOfConnections read: its re-read (as
   * widened), and a sync now, or right after the one running.
   */
  async requestEarly(state: SyncState, now: Date, transaction: Transaction): Promise<void> {
    const leased = state.leaseExpiresAt !== null && state.leaseExpiresAt > now;
    const sooner = !leased && state.nextSyncAt !== null && state.nextSyncAt > now;
    await this.rows(transaction).update(
      { connectionId: state.connectionId },
      {
        rereadFrom: state.rereadFrom,
        rereadDataTypes: state.rereadDataTypes,
        earlySyncRequested: leased,
        ...(sooner ? { nextSyncAt: now } : {}),
      },
    );
  }
}
