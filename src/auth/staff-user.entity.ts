import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { instant } from '../database/columns';
import type { StaffRole } from './roles';

/** A person who signs in to Vigil's pages: a local account or one known from OpenEMR. */
@Entity('staff_users')
@Index('uq_staff_users_username', ['username'], { unique: true })
@Index('uq_staff_users_external_subject', ['externalSubject'], { unique: true })
export class StaffUser {
  @PrimaryGeneratedColumn()
  id!: number;

  /** The OpenEMR username when the account comes from OpenEMR sign-in. */
  @Column({ type: 'varchar', length: 100 })
  username!: string;

  @Column({ type: 'varchar', length: 20 })
  role!: StaffRole;

  /** `local` (password here) or `openemr` (signs in through OpenEMR). */
  @Column({ type: 'varchar', length: 16 })
  source!: 'local' | 'openemr';

  /** The OpenEMR user's uuid (`sub` of its id_token) for OpenEMR accounts; null for local ones. */
  @Column({ name: 'external_subject', type: 'varchar', length: 100, nullable: true })
  externalSubject!: string | null;

  @Column({ name: 'password_hash', type: 'varchar', length: 200, nullable: true })
  passwordHash!: string | null;

  @Column(instant({ name: 'created_at' }))
  createdAt!: Date;

  @Column(instant({ name: 'disabled_at', nullable: true }))
  disabledAt!: Date | null;
}
