import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { instant } from '../database/columns';

/** A single-use link that lets one patient consent. Only a hash of its token is kept. */
@Entity('invitations')
@Index('uq_invitations_token', ['tokenHash'], { unique: true })
@Index('ix_invitations_enrollment', ['enrollmentId'])
export class Invitation {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'enrollment_id', type: 'int' })
  enrollmentId!: number;

  /** SHA-256 of the link's token, hex. */
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column(instant({ name: 'created_at' }))
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'varchar', length: 100 })
  createdBy!: string;

  @Column(instant({ name: 'expires_at' }))
  expiresAt!: Date;

  /** Set when the patient completed consent with it. */
  @Column(instant({ name: 'used_at', nullable: true }))
  usedAt!: Date | null;

  /** Set when a newer invitation replaced it or monitoring ended. */
  @Column(instant({ name: 'revoked_at', nullable: true }))
  revokedAt!: Date | null;
}
