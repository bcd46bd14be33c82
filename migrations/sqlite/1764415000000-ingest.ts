import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Ingest1764415000000 implements MigrationInterface {
  name = 'Ingest1764415000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE sync_states (
      connection_id integer PRIMARY KEY NOT NULL,
      lease_owner varchar(64) NULL,
      lease_expires_at datetime NULL,
      cursor_date date NULL,
      reread_from date NULL,
      early_sync_requested tinyint NOT NULL,
      consecutive_failures integer NOT NULL,
      status_reason varchar(255) NULL,
      unavailable_data_types varchar(512) NOT NULL,
      device_type varchar(32) NULL,
      device_battery integer NULL,
      last_attempt_at datetime NULL,
      last_success_at datetime NULL
    )`);
    await db.query('CREATE INDEX ix_sync_states_lease ON sync_states (lease_owner)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE sync_states');
  }
}
