import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { instant } from '../database/columns';

/**
 * One line of the append-only audit trail: who did what to which subject.
 * Details never hold token values or health values.
 */
@Entity('audit_events')
@Index('ix_audit_events_subject', ['subjectType', 'subjectId'])
@Index('ix_audit_events_pid', ['pid', 'occurredAt'])
export class AuditEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column(instant({ name: 'occurred_at' }))
  occurredAt!: Date;

  /** `token:<id>`, `user:<username>`, `cli`, `system` or `patient:<pid>`. */
  @Column({ type: 'varchar', length: 100 })
  actor!: string;

  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ name: 'subject_type', type: 'varchar', length: 32 })
  subjectType!: string;

  @Column({ name: 'subject_id', type: 'varchar', length: 64, nullable: true })
  subjectId!: string | null;

  /** OpenEMR pid when the event concerns a patient. */
  @Column({ type: 'bigint', nullable: true })
  pid!: number | null;

  /** JSON text of non-sensitive details. */
  @Column({ type: 'text', nullable: true })
  details!: string | null;
}
