import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each stored day keeps heart rate's and steps' daily roll-ups as fetched
 * just before its minutes were last read whole (`minutes_fingerprint`): the
 * day's re-read skips the minutes of days whose roll-ups did not change. Null
 * (every existing day) reads them as before.
 */
export class MinutesFingerprint1767070000000 implements MigrationInterface {
  name = 'MinutesFingerprint1767070000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE daily_aggregates ADD COLUMN minutes_fingerprint varchar(255) NULL');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE daily_aggregates DROP COLUMN minutes_fingerprint');
  }
}
