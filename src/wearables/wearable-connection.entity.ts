import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { instant } from '../database/columns';

/**
 * A patient's link to their wearable account: what they granted, where the
 * sealed tokens are, when it last synced. One per enrollment; a new consent
 * updates it in place. Its sync schedule is ingestion's (`sync_states`).
 */
@Entity('wearable_connections')
@Index('uq_wearable_connections_enrollment', ['enrollmentId'], { unique: true })
@Index('uq_wearable_connections_disconnect', ['disconnectTokenHash'], { unique: true })
@Index('ix_wearable_connections_health_user', ['healthUserId'])
export class WearableConnection {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'enrollment_id', type: 'int' })
  enrollmentId!: number;

  /** `google-health` today. */
  @Column({ type: 'varchar', length: 32 })
  provider!: string;

  /** Google's `healthUserId`: matches webhook notifications to patients. */
  @Column({ name: 'health_user_id', type: 'varchar', length: 64 })
  healthUserId!: string;

  /** The former Fitbit user id, linking data from before the 2026 switch. */
  @Column({ name: 'legacy_user_id', type: 'varchar', length: 64, nullable: true })
  legacyUserId!: string | null;

  /** Space-separated scopes the patient actually granted. */
  @Column({ name: 'granted_scopes', type: 'text' })
  grantedScopes!: string;

  @Column({ name: 'refresh_secret_id', type: 'int', nullable: true })
  refreshSecretId!: number | null;

  @Column({ name: 'access_secret_id', type: 'int', nullable: true })
  accessSecretId!: number | null;

  @Column(instant({ name: 'access_expires_at', nullable: true }))
  accessExpiresAt!: Date | null;

  /** Consecutive transient refresh failures; drives the back-off. */
  @Column({ name: 'refresh_failures', type: 'int' })
  refreshFailures!: number;

  @Column(instant({ name: 'refresh_retry_at', nullable: true }))
  refreshRetryAt!: Date | null;

  /** SHA-256 of the patient's disconnect link token. */
  @Column({ name: 'disconnect_token_hash', type: 'varchar', length: 64, nullable: true })
  disconnectTokenHash!: string | null;

  @Column(instant({ name: 'connected_at' }))
  connectedAt!: Date;

  @Column(instant({ name: 'disconnected_at', nullable: true }))
  disconnectedAt!: Date | null;

  @Column(instant({ name: 'last_sync_at', nullable: true }))
  lastSyncAt!: Date | null;

  /** When the patient's device last synced to Google (pairedDevices.lastSyncTime). */
  @Column(instant({ name: 'last_device_sync_at', nullable: true }))
  lastDeviceSyncAt!: Date | null;

  get scopes(): string[] {
    return this.grantedScopes.split(' ').filter(Boolean);
  }
}
