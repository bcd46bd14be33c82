import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The local date a sync last re-read the recent days: the re-read is spent once a day. */
export class SyncRereadSpentOn1765017000000 implements MigrationInterface {
  name = 'SyncRereadSpentOn1765017000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE sync_states ADD COLUMN reread_spent_on date NULL');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE sync_states DROP COLUMN reread_spent_on');
  }
}
