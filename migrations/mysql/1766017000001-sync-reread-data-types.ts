import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The data types a webhook named for its re-read: only they are read again for older days. */
export class SyncRereadDataTypes1766017000001 implements MigrationInterface {
  name = 'SyncRereadDataTypes1766017000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE sync_states ADD COLUMN reread_data_types varchar(512) NULL');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE sync_states DROP COLUMN reread_data_types');
  }
}
