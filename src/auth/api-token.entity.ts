import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { instant } from '../database/columns';
import type { StaffRole } from './roles';

/** A machine's credential for /api/v1. Only a hash of the token is kept. */
@Entity('api_tokens')
export class ApiToken {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 20 })
  role!: StaffRole;

  /** SHA-256 of the token, hex. Tokens are 256 random bits, so a fast hash is enough. */
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  /** The first characters of the token, so an operator can tell tokens apart. */
  @Column({ name: 'token_prefix', type: 'varchar', length: 16 })
  tokenPrefix!: string;

  @Column(instant({ name: 'created_at' }))
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'varchar', length: 100 })
  createdBy!: string;

  @Column(instant({ name: 'last_used_at', nullable: true }))
  lastUsedAt!: Date | null;

  @Column(instant({ name: 'revoked_at', nullable: true }))
  revokedAt!: Date | null;
}
