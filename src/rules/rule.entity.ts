import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { instant } from '../database/columns';

/** Where a rule came from: the rules folder, or a clinician through the API. */
export type RuleOrigin = 'file' | 'api';

/** A rule and the version now in force. Its versions are never changed or deleted. */
@Entity('rules')
export class StoredRule {
  /** The rule's slug, e.g. resting-hr-rise. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ name: 'current_version', type: 'int' })
  currentVersion!: number;

  /** `file` rules run for every program unless disabled; `api` rules only where enabled. */
  @Column({ type: 'varchar', length: 8 })
  origin!: RuleOrigin;

  @Column(instant({ name: 'created_at' }))
  createdAt!: Date;

  @Column(instant({ name: 'updated_at' }))
  updatedAt!: Date;
}

/** One immutable version of a rule: outcomes and alerts refer to it. */
@Entity('rule_versions')
@Index('uq_rule_versions_rule_version', ['ruleId', 'version'], { unique: true })
export class StoredRuleVersion {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'rule_id', type: 'varchar', length: 64 })
  ruleId!: string;

  /** 1, 2, 3... per rule. */
  @Column({ type: 'int' })
  version!: number;

  /** The validated rule as JSON. */
  @Column({ type: 'text' })
  definition!: string;

  /** JSON list of changes from the previous version (RuleChange[]); null for version 1. */
  @Column({ type: 'text', nullable: true })
  diff!: string | null;

  /** `file` (synced from the rules folder) or `api`. */
  @Column({ type: 'varchar', length: 8 })
  source!: RuleOrigin;

  /** `token:<id>`, `cli` or `file:<name>`. */
  @Column({ name: 'created_by', type: 'varchar', length: 100 })
  createdBy!: string;

  @Column(instant({ name: 'created_at' }))
  createdAt!: Date;
}
