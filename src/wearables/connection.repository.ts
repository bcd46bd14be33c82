import { Injectable } from '@nestjs/common';
import { Brackets, DataSource, In, IsNull, Not, type Repository } from 'typeorm';
import type { Transaction } from '../database/transactions';
import { WearableConnection } from './wearable-connection.entity';

/** What a finished sync records on the connection. */
export interface SyncedAt {
  lastSyncAt: Date;
  /** When the patient's device last synced to Google, if it was read. */
  lastDeviceSyncAt?: Date;
}

/**
 * The `wearable_connections` table's one owner: a patient's link to their
 * wearable account, its sealed-token pointers and its sync schedule. Methods
 * that take a `Transaction` run inside the caller's.
 */
@Injectable()
export class ConnectionRepository {
  constructor(private readonly dataSource: DataSource) {}

  private rows(transaction?: Transaction): Repository<WearableConnection> {
    return (transaction ?? this.dataSource.manager).getRepository(WearableConnection);
  }

  private get mysql(): boolean {
    return this.dataSource.options.type === 'mysql';
  }

  byId(id: number, transaction?: Transaction): Promise<WearableConnection | null> {
    return this.rows(transaction).findOneBy({ id });
  }

  ofEnrollment(
    enrollmentId: number,
    transaction?: Transaction,
  ): Promise<WearableConnection | null> {
    return this.rows(transaction).findOneBy({ enrollmentId });
  }

  ofEnrollments(enrollmentIds: readonly number[]): Promise<WearableConnection[]> {
    if (enrollmentIds.length === 0) return Promise.resolve([]);
    return this.rows().findBy({ enrollmentId: In([...enrollmentIds]) });
  }

  /** The enrollment's connection unless it was disconnected. */
  connectedOfEnrollment(enrollmentId: number): Promise<WearableConnection | null> {
    return this.rows().findOneBy({ enrollmentId, disconnectedAt: IsNull() });
  }

  /** The connection whose disconnect link hashes to `tokenHash`. */
  byDisconnectLink(tokenHash: string): Promise<WearableConnection | null> {
    return this.rows().findOneBy({ disconnectTokenHash: tokenHash });
  }

  /**
   * A connection of another enrollment holding a live grant for the same
   * provider account: one Google account belongs to one patient.
   */
  accountHeldElsewhere(
    provider: string,
    healthUserId: string,
    enrollmentId: number,
    transaction: Transaction,
  ): Promise<WearableConnection | null> {
    return this.rows(transaction).findOneBy({
      provider,
      healthUserId,
      enrollmentId: Not(enrollmentId),
      refreshSecretId: Not(IsNull()),
    });
  }

  /** Removes the enrollment's connection row (the purge at disconnect). */
  async deleteOfEnrollment(enrollmentId: number, transaction: Transaction): Promise<void> {
    await this.rows(transaction).delete({ enrollmentId });
  }

  /** Connections of one Google user that are connected and scheduled (webhooks match on this). */
  async liveOfHealthUser(
    healthUserId: string,
    transaction?: Transaction,
  ): Promise<Pick<WearableConnection, 'id' | 'nextSyncAt'>[]> {
    const rows = await this.rows(transaction).find({
      where: { healthUserId },
      select: { id: true, nextSyncAt: true, disconnectedAt: true },
    });
    return rows.filter((c) => c.disconnectedAt === null && c.nextSyncAt !== null);
  }

  /**
   * Reads the connection and locks its row until the transaction ends: MySQL
   * SELECT ... FOR UPDATE (never FOR SHARE, which MariaDB rejects); the
   * embedded SQLite database belongs to one process, whose transactions queue.
   */
  lock(id: number, transaction: Transaction): Promise<WearableConnection | null> {
    const query = this.rows(transaction).createQueryBuilder('c').where('c.id = :id', { id });
    if (this.mysql) query.setLock('pessimistic_write');
    return query.getOne();
  }

  save(connection: WearableConnection, transaction?: Transaction): Promise<WearableConnection> {
    return this.rows(transaction).save(connection);
  }

  /** Google answered 401: the next token request refreshes, whatever the stated expiry. */
  async markAccessExpired(id: number): Promise<void> {
    await this.rows().update({ id }, { accessExpiresAt: new Date(0) });
  }

  /**
   * Moves the next sync of these connections to `at`, unless staff paused them
   * meanwhile (next_sync_at cleared): a pause always wins over a schedule.
   */
  async scheduleSync(ids: readonly number[], at: Date, transaction?: Transaction): Promise<void> {
    if (ids.length === 0) return;
    await this.rows(transaction)
      .createQueryBuilder()
      .update()
      .set({ nextSyncAt: at })
      .where({ id: In([...ids]) })
      .andWhere('next_sync_at IS NOT NULL')
      .execute();
  }

  /**
   * What a finished sync records on the connection, and its next sync, in one
   * plain statement (it runs once a sync): the next sync is set only while the
   * connection is scheduled, as {@link scheduleSync} does (staff who paused
   * the patient meanwhile cleared next_sync_at, and it stays so).
   */
  async recordSync(
    id: number,
    synced: SyncedAt,
    next: Date,
    transaction?: Transaction,
  ): Promise<void> {
    const manager = transaction ?? this.dataSource.manager;
    const driver = manager.connection.driver;
    const columns = manager.connection.getMetadata(WearableConnection);
    const instant = (property: keyof WearableConnection, value: Date | null): unknown =>
      value === null
        ? null
        : driver.preparePersistentValue(value, columns.findColumnWithPropertyName(property)!);
    await manager.query(
      `UPDATE wearable_connections
          SET last_sync_at = ?,
              last_device_sync_at = COALESCE(?, last_device_sync_at),
              next_sync_at = CASE WHEN next_sync_at IS NULL THEN NULL ELSE ? END
        WHERE id = ?`,
      [
        instant('lastSyncAt', synced.lastSyncAt),
        instant('lastDeviceSyncAt', synced.lastDeviceSyncAt ?? null),
        instant('nextSyncAt', next),
        id,
      ],
    );
  }

  /**
   * Locks connections that can be synced: connected, of an active enrollment,
   * scheduled, leased by nobody (sync_states). `due`: only those whose next
   * sync time has passed, at most `limit`, oldest due first, skipping rows
   * another process holds (MySQL SKIP LOCKED). `id`: that one connection, due
   * or not. Returns their ids.
   */
  async lockSyncable(
    which: { due: { limit: number } } | { id: number },
    now: Date,
    transaction: Transaction,
  ): Promise<number[]> {
    const query = this.rows(transaction)
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
    if ('due' in which) {
      query
        .andWhere('c.nextSyncAt <= :now', { now })
        .orderBy('c.nextSyncAt', 'ASC')
        .limit(which.due.limit);
      if (this.mysql) query.setLock('pessimistic_write').setOnLocked('skip_locked');
    } else {
      query.andWhere('c.id = :id', { id: which.id });
      if (this.mysql) query.setLock('pessimistic_write');
    }
    return (await query.getMany()).map((c) => c.id);
  }

  /**
   * Connected patients of an active enrollment whose next sync time has
   * passed (a leased one is not due: its claim moved the time on), and how
   * long the longest due has waited: for the metrics.
   */
  async syncDue(now: Date): Promise<{ depth: number; oldestAgeSeconds: number }> {
    const query = this.rows()
      .createQueryBuilder('c')
      .where('c.disconnectedAt IS NULL')
      .andWhere('c.refreshSecretId IS NOT NULL')
      .andWhere('c.nextSyncAt <= :now', { now })
      .andWhere("c.enrollmentId IN (SELECT e.id FROM enrollments e WHERE e.status = 'active')");
    const depth = await query.clone().getCount();
    if (depth === 0) return { depth, oldestAgeSeconds: 0 };
    const first = await query
      .select(['c.id', 'c.nextSyncAt'])
      .orderBy('c.nextSyncAt', 'ASC')
      .getOne();
    return { depth, oldestAgeSeconds: secondsSince(first?.nextSyncAt ?? null, now) };
  }

  /** A claim moves next_sync_at to the lease's expiry: a crashed owner's connection is due again then. */
  async holdUntil(ids: readonly number[], until: Date, transaction: Transaction): Promise<void> {
    if (ids.length === 0) return;
    await this.rows(transaction)
      .createQueryBuilder()
      .update()
      .set({ nextSyncAt: until })
      .where({ id: In([...ids]) })
      .execute();
  }
}

function secondsSince(since: Date | null, now: Date): number {
  return since ? Math.max(0, (now.getTime() - since.getTime()) / 1000) : 0;
}
