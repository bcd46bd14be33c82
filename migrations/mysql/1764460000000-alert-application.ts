import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When an outcome's alert step committed. Outcomes are stored first and alerts
 * stepped after, so a process stopped in between leaves outcomes without their
 * alert step; this column is how the next worker finds and redoes them.
 */
export class AlertApplication1764460000000 implements MigrationInterface {
  name = 'AlertApplication1764460000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE rule_outcomes ADD COLUMN alerts_applied_at datetime(3) NULL');
    // Outcomes from before this column had their alerts stepped already.
    await db.query('UPDATE rule_outcomes SET alerts_applied_at = evaluated_at');
    await db.query(
      'CREATE INDEX ix_rule_outcomes_unapplied ON rule_outcomes (alerts_applied_at, evaluated_at)',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX ix_rule_outcomes_unapplied ON rule_outcomes');
    await db.query('ALTER TABLE rule_outcomes DROP COLUMN alerts_applied_at');
  }
}
