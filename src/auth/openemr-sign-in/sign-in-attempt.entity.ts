import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { instant } from '../../database/columns';

/**
 * One trip to OpenEMR's sign-in page. The `state` is stored hashed and is
 * accepted once; the browser that started it is proven by the PKCE verifier
 * in its cookie (only the verifier's hash is here). The nonce ties the
 * id_token to this trip.
 */
@Entity('staff_sign_in_attempts')
@Index('uq_staff_sign_in_attempts_state', ['stateHash'], { unique: true })
@Index('ix_staff_sign_in_attempts_expires', ['expiresAt'])
export class StaffSignInAttempt {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'state_hash', type: 'varchar', length: 64 })
  stateHash!: string;

  @Column({ name: 'verifier_hash', type: 'varchar', length: 64 })
  verifierHash!: string;

  @Column({ type: 'varchar', length: 64 })
  nonce!: string;

  /** Where to go after signing in: a same-site path. */
  @Column({ name: 'next_path', type: 'varchar', length: 500 })
  nextPath!: string;

  @Column(instant({ name: 'created_at' }))
  createdAt!: Date;

  @Column(instant({ name: 'expires_at' }))
  expiresAt!: Date;

  @Column(instant({ name: 'used_at', nullable: true }))
  usedAt!: Date | null;
}
