import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The sync schedule moves to ingestion's own table, which becomes a leased
 * queue (src/database/leased-queue.ts): `sync_states.next_sync_at` (null: not
 * syncing) and `attempts` (claims since the last good sync). Every connection
 * gets its state row; only a connection that could sync (connected, granted,
 * of an active enrollment) keeps its next sync time.
 */
export class SyncQueue1767040000000 implements MigrationInterface {
  name = 'SyncQueue1767040000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      'ALTER TABLE sync_states ADD COLUMN next_sync_at datetime(3) NULL, ADD COLUMN attempts int NOT NULL DEFAULT 0',
    );
    await db.query(
      `INSERT INTO sync_states (connection_id, early_sync_requested, consecutive_failures, unavailable_data_types)
       SELECT c.id, 0, 0, '' FROM wearable_connections c
       WHERE c.id NOT IN (SELECT s.connection_id FROM sync_states s)`,
    );
    await db.query(
      `UPDATE sync_states s JOIN wearable_connections c ON c.id = s.connection_id
       JOIN enrollments e ON e.id = c.enrollment_id
       SET s.next_sync_at = c.next_sync_at
       WHERE c.disconnected_at IS NULL AND c.refresh_secret_id IS NOT NULL AND e.status = 'active'`,
    );
    await db.query('CREATE INDEX ix_sync_states_next_sync ON sync_states (next_sync_at)');
    await db.query('DROP INDEX ix_wearable_connections_next_sync ON wearable_connections');
    await db.query('ALTER TABLE wearable_connections DROP COLUMN next_sync_at');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE wearable_connections ADD COLUMN next_sync_at datetime(3) NULL');
    await db.query(
      'CREATE INDEX ix_wearable_connections_next_sync ON wearable_connections (next_sync_at)',
    );
    await db.query(
      `UPDATE wearable_connections c JOIN sync_states s ON s.connection_id = c.id
       SET c.next_sync_at = s.next_sync_at`,
    );
    await db.query('DROP INDEX ix_sync_states_next_sync ON sync_states');
    await db.query('ALTER TABLE sync_states DROP COLUMN next_sync_at, DROP COLUMN attempts');
  }
}
