import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { instant } from '../database/columns';

/**
 * An event that must reach its listeners even if the process that recorded it
 * stops, or never had listeners (a one-off command). Written in the
 * transaction of the change it announces; deleted once every listener took it,
 * parked as failed when they keep failing.
 */
@Entity('pending_events')
@Index('ix_pending_events_due', ['dueAt'])
export class PendingEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** One of the names in contracts.ts. */
  @Column({ type: 'varchar', length: 64 })
  name!: string;

  /** The payload as JSON: ids and words, never health values or secrets. */
  @Column({ type: 'text' })
  payload!: string;

  @Column(instant({ name: 'recorded_at' }))
  recordedAt!: Date;

  /** When a process may next take it: now when recorded, past a claim's lease, after a failure's backoff. */
  @Column(instant({ name: 'due_at' }))
  dueAt!: Date;

  /** Times a process took it. */
  @Column({ type: 'int', default: 0 })
  attempts!: number;

  /** Why the last attempt failed, in words. */
  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true })
  lastError!: string | null;

  /** When it was parked after its last attempt: no process takes it again (see /health/ready). */
  @Column(instant({ name: 'failed_at', nullable: true }))
  failedAt!: Date | null;
}
