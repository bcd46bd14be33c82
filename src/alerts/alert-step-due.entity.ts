import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { instant } from '../database/columns';
import { QueueColumns } from '../database/queue-columns';

/**
 * A patient whose stored rule outcomes wait for their alert step, and an item
 * of the alert steps' leased queue. Written in the transaction that stores
 * the outcomes, removed in the transaction of the step. Due (QueueColumns) a
 * minute after the last outcomes were stored: the evaluating process steps
 * them first, on `rules.patient-evaluated`; the row is what a process stopped
 * in between, or a step that failed, leaves for a worker.
 */
@Entity('alert_steps_due')
@Index('ix_alert_steps_due_due', ['dueAt'])
export class AlertStepDue extends QueueColumns {
  /** OpenEMR pid. */
  @PrimaryColumn({ type: 'bigint' })
  pid!: number;

  /** When outcomes were last stored for the patient. */
  @Column(instant({ name: 'recorded_at' }))
  recordedAt!: Date;
}
