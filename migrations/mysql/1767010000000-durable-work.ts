import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Evaluations due and pending events on the one leased queue (src/database/
 * leased-queue.ts): an evaluation due gets a due time, attempts and the last
 * error; both get `failed_at`, set when the work is parked as failed after its
 * last attempt instead of being tried forever.
 */
export class DurableWork1767010000000 implements MigrationInterface {
  name = 'DurableWork1767010000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      'ALTER TABLE evaluations_due ADD COLUMN due_at datetime(3) NULL, ADD COLUMN attempts int NOT NULL DEFAULT 0, ADD COLUMN last_error varchar(500) NULL, ADD COLUMN failed_at datetime(3) NULL',
    );
    await db.query('UPDATE evaluations_due SET due_at = recorded_at');
    await db.query('ALTER TABLE evaluations_due MODIFY due_at datetime(3) NOT NULL');
    await db.query('DROP INDEX ix_evaluations_due_recorded ON evaluations_due');
    await db.query('CREATE INDEX ix_evaluations_due_due ON evaluations_due (due_at)');
    await db.query('ALTER TABLE pending_events ADD COLUMN failed_at datetime(3) NULL');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE pending_events DROP COLUMN failed_at');
    await db.query('DROP INDEX ix_evaluations_due_due ON evaluations_due');
    await db.query('CREATE INDEX ix_evaluations_due_recorded ON evaluations_due (recorded_at)');
    await db.query(
      'ALTER TABLE evaluations_due DROP COLUMN due_at, DROP COLUMN attempts, DROP COLUMN last_error, DROP COLUMN failed_at',
    );
  }
}
