import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { instant } from '../database/columns';

/**
 * A patient's synced days waiting for their evaluation, and an item of the
 * evaluations' leased queue. Written in the sync's own transaction, removed
 * once the evaluation stored its outcomes: the in-memory `patient.synced`
 * event is the fast path, this row is what a process stopped in between
 * leaves for the next worker.
 */
@Entity('evaluations_due')
@Index('ix_evaluations_due_due', ['dueAt'])
export class EvaluationDue {
  /** OpenEMR pid. */
  @PrimaryColumn({ type: 'bigint' })
  pid!: number;

  /** Local dates (YYYY-MM-DD) changed by the syncs since the last evaluation, space-separated. */
  @Column({ type: 'text' })
  dates!: string;

  /** When the last sync added dates. */
  @Column(instant({ name: 'recorded_at' }))
  recordedAt!: Date;

  /**
   * When a worker may take it: a minute after the last sync added dates (its
   * own process evaluates them first), past a claim's lease, after a failure's
   * backoff.
   */
  @Column(instant({ name: 'due_at' }))
  dueAt!: Date;

  /** Times a worker took it. */
  @Column({ type: 'int', default: 0 })
  attempts!: number;

  /** Why the last attempt failed, in words. */
  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true })
  lastError!: string | null;

  /** When it was parked after its last attempt: no worker takes it again (see /health/ready). */
  @Column(instant({ name: 'failed_at', nullable: true }))
  failedAt!: Date | null;
}
