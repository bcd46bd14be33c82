import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two indexes so that a sync's locking reads lock only its own patient's rows
 * (docs/scaling.md, "What a sync locks"):
 * - the sync claim's index carries the lease beside the due time, so the claim
 *   passes over syncs another process holds without locking their rows (it
 *   locked them until it committed, and every sync ending meanwhile waited);
 * - the alert step reads a patient's unapplied outcomes through
 *   (pid, alerts_applied_at) instead of every patient's unapplied outcomes,
 *   which it locked, so concurrent steps waited on and deadlocked each other.
 */
export class NarrowLocks1767080000000 implements MigrationInterface {
  name = 'NarrowLocks1767080000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      'ALTER TABLE sync_states DROP INDEX ix_sync_states_next_sync, ADD INDEX ix_sync_states_due (next_sync_at, lease_expires_at)',
    );
    await db.query(
      'CREATE INDEX ix_rule_outcomes_pid_unapplied ON rule_outcomes (pid, alerts_applied_at)',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX ix_rule_outcomes_pid_unapplied ON rule_outcomes');
    await db.query(
      'ALTER TABLE sync_states DROP INDEX ix_sync_states_due, ADD INDEX ix_sync_states_next_sync (next_sync_at)',
    );
  }
}
