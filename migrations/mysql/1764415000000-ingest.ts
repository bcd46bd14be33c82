import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Ingest1764415000000 implements MigrationInterface {
  name = 'Ingest1764415000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE sync_states (
      connection_id int NOT NULL,
      lease_owner varchar(64) NULL,
      lease_expires_at datetime(3) NULL,
      cursor_date date NULL,
      reread_from date NULL,
      early_sync_requested tinyint NOT NULL,
      consecutive_failures int NOT NULL,
      status_reason varchar(255) NULL,
      unavailable_data_types varchar(512) NOT NULL,
      device_type varchar(32) NULL,
      device_battery int NULL,
      last_attempt_at datetime(3) NULL,
      last_success_at datetime(3) NULL,
      PRIMARY KEY (connection_id),
      KEY ix_sync_states_lease (lease_owner)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE sync_states');
  }
}
