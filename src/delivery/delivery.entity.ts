import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { instant } from '../database/columns';

/**
 * - `routing`: one patient's notices from one run (or staff action), routed at
 *   delivery time into the rows below;
 * - `message`, `resolved`: one Message Center message for one recipient;
 * - `reminder`: one dated reminder for one recipient;
 * - `email`: one escalation or digest email for one address.
 */
export type DeliveryKind = 'routing' | 'message' | 'resolved' | 'reminder' | 'email';

/**
 * `pending` until done.
 * `rerouted`: its recipient left OpenEMR before it was written; a new routing row replaced it.
 * `failed`: parked after MAX_ATTEMPTS failed attempts (or too many reroutes); shown on the
 * inbox page and in /health/ready, never retried on its own.
 * `withheld`: a routing row whose every notice announced an alert that was inhibited by the
 * time it was due (a monitoring gap began meanwhile); nothing was written, and the alert is
 * announced when its inhibitor clears. `delivered_at` says when it was settled.
 */
export type DeliveryStatus = 'pending' | 'delivered' | 'rerouted' | 'withheld' | 'failed';

/** One row of the outbox. Written in the same transaction as the alert change it announces. */
@Entity('deliveries')
@Index('uq_deliveries_marker', ['marker'], { unique: true })
@Index('uq_deliveries_dedup', ['dedupKey'], { unique: true })
@Index('ix_deliveries_due', ['status', 'nextAttemptAt'])
@Index('ix_deliveries_pid', ['pid'])
export class Delivery {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: DeliveryKind;

  /**
   * Random and unique, written into the OpenEMR row (`[vigil:<marker>]`) so a
   * retry finds its own earlier write, even across a Vigil database restore.
   */
  @Column({ type: 'varchar', length: 24 })
  marker!: string;

  /** Makes an enqueue idempotent where it must happen once (a day's digest per address). */
  @Column({ name: 'dedup_key', type: 'varchar', length: 191, nullable: true })
  dedupKey!: string | null;

  @Column({ type: 'bigint', nullable: true })
  pid!: number | null;

  /** OpenEMR username (messages, reminders) or email address. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  recipient!: string | null;

  /** OpenEMR users.id, for reminder links. */
  @Column({ name: 'recipient_user_id', type: 'bigint', nullable: true })
  recipientUserId!: number | null;

  /** JSON: what to say (kind-specific). */
  @Column({ type: 'text' })
  payload!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: DeliveryStatus;

  /** Claims so far: a dispatcher that died holding the row spent one too. */
  @Column({ type: 'int' })
  attempts!: number;

  @Column(instant({ name: 'next_attempt_at' }))
  nextAttemptAt!: Date;

  /** A dispatcher owns the row until then (row lease). */
  @Column(instant({ name: 'claimed_until', nullable: true }))
  claimedUntil!: Date | null;

  /** Why the last attempt failed, in words without health values. */
  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true })
  lastError!: string | null;

  /** pnotes.id, dated_reminders.dr_id, or the API's message id. */
  @Column({ name: 'openemr_row_id', type: 'bigint', nullable: true })
  openEmrRowId!: number | null;

  /** When OpenEMR showed the message Done or the reminder processed. */
  @Column(instant({ name: 'acknowledged_at', nullable: true }))
  acknowledgedAt!: Date | null;

  @Column(instant({ name: 'created_at' }))
  createdAt!: Date;

  @Column(instant({ name: 'delivered_at', nullable: true }))
  deliveredAt!: Date | null;
}

/** Which alerts a delivery speaks about (a grouped message lists several). */
@Entity('delivery_alerts')
@Index('ix_delivery_alerts_alert', ['alertId'])
export class DeliveryAlert {
  @PrimaryColumn({ name: 'delivery_id', type: 'bigint' })
  deliveryId!: string;

  @PrimaryColumn({ name: 'alert_id', type: 'bigint' })
  alertId!: string;
}
