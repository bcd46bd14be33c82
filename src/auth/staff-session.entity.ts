import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { instant } from '../database/columns';

/**
 * A signed-in browser. The cookie holds a random id; only its hash is stored,
 * so a database leak does not hand out live sessions. Revoking is setting
 * `revoked_at`, which takes effect on the next request.
 */
@Entity('staff_sessions')
@Index('uq_staff_sessions_hash', ['sessionHash'], { unique: true })
@Index('ix_staff_sessions_user', ['userId'])
export class StaffSession {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'session_hash', type: 'varchar', length: 64 })
  sessionHash!: string;

  @Column({ name: 'user_id', type: 'int' })
  userId!: number;

  @Column(instant({ name: 'created_at' }))
  createdAt!: Date;

  @Column(instant({ name: 'expires_at' }))
  expiresAt!: Date;

  @Column(instant({ name: 'revoked_at', nullable: true }))
  revokedAt!: Date | null;
}
