import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The same indexes as on MySQL, where they keep a sync's locking reads to its
 * own patient's rows (docs/scaling.md, "What a sync locks"): the sync claim's
 * index carries the lease beside the due time, and the alert step reads a
 * patient's unapplied outcomes through (pid, alerts_applied_at).
 */
export class NarrowLocks1767080000000 implements MigrationInterface {
  name = 'NarrowLocks1767080000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX ix_sync_states_next_sync');
    await db.query(
      'CREATE INDEX ix_sync_states_due ON sync_states (next_sync_at, lease_expires_at)',
    );
    await db.query(
      'CREATE INDEX ix_rule_outcomes_pid_unapplied ON rule_outcomes (pid, alerts_applied_at)',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX ix_rule_outcomes_pid_unapplied');
    await db.query('DROP INDEX ix_sync_states_due');
    await db.query('CREATE INDEX ix_sync_states_next_sync ON sync_states (next_sync_at)');
  }
}
