import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { instant } from '../database/columns';
import { QueueColumns } from '../database/queue-columns';

/**
 * An event that must reach its listeners even if the process that recorded it
 * stops, or never had listeners (a one-off command). Written in the
 * transaction of the change it announces; deleted once every listener took it,
 * parked as failed when they keep failing. Due (QueueColumns) when recorded.
 */
@Entity('pending_events')
@Index('ix_pending_events_due', ['dueAt'])
export class PendingEvent extends QueueColumns {
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
}
