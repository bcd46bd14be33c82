import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { instant } from '../database/columns';

/**
 * One trip to Google's consent screen: the `state` it carries (hashed), the
 * browser it started in (hash of a cookie value) and the PKCE verifier (sealed
 * in stored_secrets). The callback accepts it once, from that browser only.
 */
@Entity('oauth_attempts')
@Index('uq_oauth_attempts_state', ['stateHash'], { unique: true })
@Index('ix_oauth_attempts_invitation', ['invitationId'])
export class OAuthAttempt {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'invitation_id', type: 'int' })
  invitationId!: number;

  @Column({ name: 'state_hash', type: 'varchar', length: 64 })
  stateHash!: string;

  @Column({ name: 'browser_hash', type: 'varchar', length: 64 })
  browserHash!: string;

  @Column({ name: 'verifier_secret_id', type: 'int', nullable: true })
  verifierSecretId!: number | null;

  @Column(instant({ name: 'created_at' }))
  createdAt!: Date;

  @Column(instant({ name: 'expires_at' }))
  expiresAt!: Date;

  @Column(instant({ name: 'used_at', nullable: true }))
  usedAt!: Date | null;
}
