import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The data types whose history the stored days hold, so a type a rule newly
 * needs is backfilled rather than read from the last few days on.
 */
export class SyncHistoryTypes1764480000000 implements MigrationInterface {
  name = 'SyncHistoryTypes1764480000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE sync_states ADD COLUMN history_data_types varchar(512) NULL');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE sync_states DROP COLUMN history_data_types');
  }
}
