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
      counter_key varchar(64) NOT NULL,
      hits int NOT NULL,
      expires_at datetime(3) NOT NULL,
      blocked_until datetime(3) NULL,
      PRIMARY KEY (counter_key),
      KEY ix_throttle_counters_expires (expires_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await db.query('ALTER TABLE staff_users DROP COLUMN failed_sign_ins, DROP COLUMN locked_until');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      'ALTER TABLE staff_users ADD COLUMN failed_sign_ins int NOT NULL DEFAULT 0, ADD COLUMN locked_until datetime(3) NULL',
    );
    await db.query('DROP TABLE throttle_counters');
  }
}
