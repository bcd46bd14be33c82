import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events that must not be lost, written in the transaction of the change they
 * announce and handed to their listeners by whichever process runs next.
 */
export class PendingEvents1765014000000 implements MigrationInterface {
  name = 'PendingEvents1765014000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      'CREATE TABLE pending_events (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, name varchar(64) NOT NULL, payload text NOT NULL, recorded_at datetime(3) NOT NULL, due_at datetime(3) NOT NULL, attempts int NOT NULL DEFAULT 0, last_error varchar(500) NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
    );
    await db.query('CREATE INDEX ix_pending_events_due ON pending_events (due_at)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX ix_pending_events_due ON pending_events');
    await db.query('DROP TABLE pending_events');
  }
}
