import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { instant } from '../database/columns';

/**
 * Every secret Vigil keeps (OAuth tokens, OpenEMR API tokens) lives here, sealed
 * by the key ring. Features point at a row by id; rotation walks one table.
 */
@Entity('stored_secrets')
@Index('ix_stored_secrets_key', ['keyId'])
export class StoredSecret {
  @PrimaryGeneratedColumn()
  id!: number;

  /** What the secret is for, e.g. `google-oauth`; never the secret itself. */
  @Column({ type: 'varchar', length: 64 })
  purpose!: string;

  /** Id of the master key that sealed it, so rotation finds stale rows by index. */
  @Column({ name: 'key_id', type: 'varchar', length: 32 })
  keyId!: string;

  @Column({ type: 'text' })
  ciphertext!: string;

  @Column(instant({ name: 'created_at' }))
  createdAt!: Date;

  @Column(instant({ name: 'updated_at' }))
  updatedAt!: Date;
}
