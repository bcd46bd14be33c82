import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alert stepping on the one leased queue (src/database/leased-queue.ts): a
 * patient whose stored outcomes wait for their alert step has a row, written
 * with the outcomes and removed with the step. Patients that already have
 * outcomes not stepped get theirs, due at once.
 */
export class AlertStepsDue1767030000000 implements MigrationInterface {
  name = 'AlertStepsDue1767030000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      'CREATE TABLE alert_steps_due (pid bigint NOT NULL PRIMARY KEY, recorded_at datetime(3) NOT NULL, due_at datetime(3) NOT NULL, attempts int NOT NULL DEFAULT 0, last_error varchar(500) NULL, failed_at datetime(3) NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
    );
    await db.query('CREATE INDEX ix_alert_steps_due_due ON alert_steps_due (due_at)');
    await db.query(
      'INSERT INTO alert_steps_due (pid, recorded_at, due_at, attempts) SELECT pid, MAX(evaluated_at), MAX(evaluated_at), 0 FROM rule_outcomes WHERE alerts_applied_at IS NULL GROUP BY pid',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX ix_alert_steps_due_due ON alert_steps_due');
    await db.query('DROP TABLE alert_steps_due');
  }
}
