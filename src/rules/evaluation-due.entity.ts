import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { instant } from '../database/columns';

/**
 * A patient's synced days waiting for their evaluation. Written in the sync's
 * own transaction, removed once the evaluation stored its outcomes: the
 * in-memory `patient.synced` event is the fast path, this row is what a
 * process stopped in between leaves for the next worker.
 */
@Entity('evaluations_due')
@Index('ix_evaluations_due_recorded', ['recordedAt'])
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
}
