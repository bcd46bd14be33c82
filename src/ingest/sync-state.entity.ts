import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { instant } from '../database/columns';

/**
 * Ingestion's own bookkeeping for one wearable connection, and its place in
 * the sync queue: when the next sync is due, who holds the sync lease, how far
 * the data is complete, and why the last syncs failed. Kept apart from
 * `wearable_connections` so consent and ingestion each own their table.
 */
@Entity('sync_states')
@Index('ix_sync_states_lease', ['leaseOwner'])
// The lease beside the due time: a claim passes over leased syncs without locking them.
@Index('ix_sync_states_due', ['nextSyncAt', 'leaseExpiresAt'])
export class SyncState {
  @PrimaryColumn({ name: 'connection_id', type: 'int' })
  connectionId!: number;

  /** When the next sync is due; null = not syncing (not connected, or not an active enrollment). */
  @Column(instant({ name: 'next_sync_at', nullable: true }))
  nextSyncAt!: Date | null;

  /** The process running this connection's sync, for people reading the table; null when nobody is. */
  @Column({ name: 'lease_owner', type: 'varchar', length: 64, nullable: true })
  leaseOwner!: string | null;

  /**
   * The sync lease: after this instant another process may take the sync
   * over (the owner crashed). The value the claim (or the last renewal) wrote
   * is the owner's proof that the lease is still its own.
   */
  @Column(instant({ name: 'lease_expires_at', nullable: true }))
  leaseExpiresAt!: Date | null;

  /** Claims since the last good sync (a process that died mid-sync spent one too). */
  @Column({ type: 'int', default: 0 })
  attempts!: number;

  /** The last local day known complete (the device had synced past it); null before the backfill. */
  @Column({ name: 'cursor_date', type: 'date', nullable: true })
  cursorDate!: string | null;

  /** A webhook said older data changed: the next sync re-reads from this local date. */
  @Column({ name: 'reread_from', type: 'date', nullable: true })
  rereadFrom!: string | null;

  /**
   * Space-separated data types the webhooks named for that re-read: only
   * they (and the types read with them) are read again for the days before
   * the sync's own range. Null: every type (a notification naming none).
   */
  @Column({ name: 'reread_data_types', type: 'varchar', length: 512, nullable: true })
  rereadDataTypes!: string | null;

  /** The patient's local date on which a sync last re-read the recent days (once a day). */
  @Column({ name: 'reread_spent_on', type: 'date', nullable: true })
  rereadSpentOn!: string | null;

  /** A webhook or staff asked for a sync while one was running: run again right after it. */
  @Column({ name: 'early_sync_requested', type: 'boolean' })
  earlySyncRequested!: boolean;

  @Column({ name: 'consecutive_failures', type: 'int' })
  consecutiveFailures!: number;

  /** Why the last sync failed, in words staff can read (never health values or tokens). */
  @Column({ name: 'status_reason', type: 'varchar', length: 255, nullable: true })
  statusReason!: string | null;

  /** Space-separated data types Google refused for lack of scope; not asked for again. */
  @Column({ name: 'unavailable_data_types', type: 'varchar', length: 512 })
  unavailableDataTypes!: string;

  /**
   * Space-separated data types whose values the stored days hold back to the
   * backfill horizon. A needed type outside it (a rule newly switched on) makes
   * the next sync a backfill, so the rule has its history at once. Null: not
   * known yet (rows from before this column); the next sync's types are taken.
   */
  @Column({ name: 'history_data_types', type: 'varchar', length: 512, nullable: true })
  historyDataTypes!: string | null;

  @Column({ name: 'device_type', type: 'varchar', length: 32, nullable: true })
  deviceType!: string | null;

  /** Tracker battery, percent, from pairedDevices. */
  @Column({ name: 'device_battery', type: 'int', nullable: true })
  deviceBattery!: number | null;

  @Column(instant({ name: 'last_attempt_at', nullable: true }))
  lastAttemptAt!: Date | null;

  @Column(instant({ name: 'last_success_at', nullable: true }))
  lastSuccessAt!: Date | null;
}

/** A state for a connection that has never been synced. */
export function newSyncState(connectionId: number): SyncState {
  return Object.assign(new SyncState(), {
    connectionId,
    nextSyncAt: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    attempts: 0,
    cursorDate: null,
    rereadFrom: null,
    rereadDataTypes: null,
    rereadSpentOn: null,
    earlySyncRequested: false,
    consecutiveFailures: 0,
    statusReason: null,
    unavailableDataTypes: '',
    historyDataTypes: null,
    deviceType: null,
    deviceBattery: null,
    lastAttemptAt: null,
    lastSuccessAt: null,
  });
}
