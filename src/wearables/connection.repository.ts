import { Injectable } from '@nestjs/common';
import { DataSource, In, IsNull, Not, type Repository } from 'typeorm';
import { RawColumns } from '../database/raw-columns';
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
 * wearable account, its sealed-token pointers and when it last synced (the
 * sync schedule is ingestion's, in `sync_states`). Methods
 * that take a `Transaction` run inside the caller's.
 */
@Injectable()
export class ConnectionRepository {
  /** Every column, for the statements each sync sends (read, record the sync). */
  private readonly columns: RawColumns<WearableConnection, keyof WearableConnection>;

  constructor(private readonly dataSource: DataSource) {
    this.columns = new RawColumns(
      dataSource,
      WearableConnection,
      dataSource
        .getMetadata(WearableConnection)
        .columns.map((c) => c.propertyName as keyof WearableConnection),
    );
  }

  private rows(transaction?: Transaction): Repository<WearableConnection> {
    return (transaction ?? this.dataSource.manager).getRepository(WearableConnection);
  }

  private get mysql(): boolean {
    return this.dataSource.options.type === 'mysql';
  }

  /** Read at the start of every sync: hand-written, hydrated as the entity's repository would. */
  async byId(id: number, transaction?: Transaction): Promise<WearableConnection | null> {
    const { table, selection } = this.columns;
    const rows = (await (transaction ?? this.dataSource.manager).query(
      `SELECT ${selection} FROM ${table} WHERE id = ?`,
      [id],
    )) as Record<string, unknown>[];
    return rows.length === 0
      ? null
      : Object.assign(new WearableConnection(), this.columns.hydrate(rows[0]));
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

  /**
   * When these enrollments' connections were made and last synced, and
   * nothing else (no scopes, no token pointers): evaluation lists every
   * watched patient's.
   */
  syncTimesOf(
    enrollmentIds: readonly number[],
  ): Promise<
    Pick<
      WearableConnection,
      'id' | 'enrollmentId' | 'connectedAt' | 'lastSyncAt' | 'lastDeviceSyncAt'
    >[]
  > {
    if (enrollmentIds.length === 0) return Promise.resolve([]);
    return this.rows().find({
      where: { enrollmentId: In([...enrollmentIds]) },
      select: {
        id: true,
        enrollmentId: true,
        connectedAt: true,
        lastSyncAt: true,
        lastDeviceSyncAt: true,
      },
    });
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

  /** Ids of one Google user's connections that are connected (webhooks match on this). */
  async connectedOfHealthUser(healthUserId: string, transaction?: Transaction): Promise<number[]> {
    const rows = await this.rows(transaction).find({
      where: { healthUserId, disconnectedAt: IsNull() },
      select: { id: true },
    });
    return rows.map((c) => c.id);
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

  /** What a finished sync records on the connection. */
  async recordSync(id: number, synced: SyncedAt, transaction?: Transaction): Promise<void> {
    const { sql, parameters } = this.columns.assignments(synced);
    await (transaction ?? this.dataSource.manager).query(
      `UPDATE ${this.columns.table} SET ${sql} WHERE id = ?`,
      [...parameters, id],
    );
  }
}
