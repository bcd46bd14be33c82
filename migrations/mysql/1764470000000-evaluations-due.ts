import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Synced days waiting for their evaluation, written in the sync's transaction,
 * so an evaluation lost with its process is found within a minute.
 */
export class EvaluationsDue1764470000000 implements MigrationInterface {
  name = 'EvaluationsDue1764470000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      'CREATE TABLE evaluations_due (pid bigint NOT NULL PRIMARY KEY, dates text NOT NULL, recorded_at datetime(3) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
    );
    await db.query('CREATE INDEX ix_evaluations_due_recorded ON evaluations_due (recorded_at)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX ix_evaluations_due_recorded ON evaluations_due');
    await db.query('DROP TABLE evaluations_due');
  }
}
