import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { instant } from '../database/columns';

/**
 * A counter shared by every Vigil process: requests of one client to one
 * route in one window, or one (username, address)'s failed sign-ins.
 */
@Entity('throttle_counters')
@Index('ix_throttle_counters_expires', ['expiresAt'])
export class ThrottleCounter {
  /** SHA-256 (hex) of what is counted; never the address or username itself. */
  @PrimaryColumn({ name: 'counter_key', type: 'varchar', length: 64 })
  key!: string;

  @Column({ type: 'int' })
  hits!: number;

  /** After this the counter is void and may be deleted. */
  @Column(instant({ name: 'expires_at' }))
  expiresAt!: Date;

  /** Sign-in failures: no attempt is checked before this. */
  @Column(instant({ name: 'blocked_until', nullable: true }))
  blockedUntil!: Date | null;
}
