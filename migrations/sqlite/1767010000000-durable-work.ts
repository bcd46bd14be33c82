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
    // SQLite adds a NOT NULL column only with a default; every row gets its own at once.
    await db.query(
      "ALTER TABLE evaluations_due ADD COLUMN due_at datetime NOT NULL DEFAULT '1970-01-01 00:00:00.000'",
    );
    await db.query('UPDATE evaluations_due SET due_at = recorded_at');
    await db.query('ALTER TABLE evaluations_due ADD COLUMN attempts integer NOT NULL DEFAULT 0');
    await db.query('ALTER TABLE evaluations_due ADD COLUMN last_error varchar(500)');
    await db.query('ALTER TABLE evaluations_due ADD COLUMN failed_at datetime');
    await db.query('DROP INDEX ix_evaluations_due_recorded');
    await db.query('CREATE INDEX ix_evaluations_due_due ON evaluations_due (due_at)');
    await db.query('ALTER TABLE pending_events ADD COLUMN failed_at datetime');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE pending_events DROP COLUMN failed_at');
    await db.query('DROP INDEX ix_evaluations_due_due');
    await db.query('CREATE INDEX ix_evaluations_due_recorded ON evaluations_due (recorded_at)');
    for (const column of ['due_at', 'attempts', 'last_error', 'failed_at']) {
      await db.query(`ALTER TABLE evaluations_due DROP COLUMN ${column}`);
    }
  }
}
