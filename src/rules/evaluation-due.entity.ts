import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { instant } from '../database/columns';
import { QueueColumns } from '../database/queue-columns';

/**
 * A patient's synced days waiting for their evaluation, and an item of the
 * evaluations' leased queue. Written in the sync's own transaction, removed
 * once the evaluation stored its outcomes: the in-memory `patient.synced`
 * event is the fast path, this row is what a process stopped in between
 * leaves for the next worker. Due (QueueColumns) a minute after the last
 * sync added dates, so its own process evaluates them first.
 */
@Entity('evaluations_due')
@Index('ix_evaluations_due_due', ['dueAt'])
export class EvaluationDue extends QueueColumns {
  /** OpenEMR pid. */
  @PrimaryColumn({ type: 'bigint' })
  pid!: number;

  /** Local dates (YYYY-MM-DD) changed by the syncs since the last evaluation, space-separated. */
  @Column({ type: 'text' })
  dates!: string;

  /** When the last sync added dates. */
  @Column(instant({ name: 'recorded_at' }))
  recordedAt!: Date;
}
