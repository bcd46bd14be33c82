import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rate-limit and sign-in counters shared by every process (throttle_counters).
 * Sign-in is throttled per (username, address) now, so the per-account
 * lockout columns go: a stranger could lock anyone out with them.
 */
export class Throttling1765019000000 implements MigrationInterface {
  name = 'Throttling1765019000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE throttle_counters (
      counter_key varchar(64) PRIMARY KEY NOT NULL,
      hits integer NOT NULL,
      expires_at datetime NOT NULL,
      blocked_until datetime NULL
    )`);
    await db.query('CREATE INDEX ix_throttle_counters_expires ON throttle_counters (expires_at)');
    await db.query('ALTER TABLE staff_users DROP COLUMN failed_sign_ins');
    await db.query('ALTER TABLE staff_users DROP COLUMN locked_until');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE staff_users ADD COLUMN failed_sign_ins integer NOT NULL DEFAULT 0');
    await db.query('ALTER TABLE staff_users ADD COLUMN locked_until datetime NULL');
    await db.query('DROP TABLE throttle_counters');
  }
}
