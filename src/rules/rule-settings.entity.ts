import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { instant } from '../database/columns';

/** A program's switch and param overrides for one rule. */
@Entity('rule_programs')
@Index('uq_rule_programs_rule_program', ['ruleId', 'program'], { unique: true })
export class RuleProgramSetting {
  @PrimaryGeneratedColumn({ type: 'int' })
  id!: number;

  @Column({ name: 'rule_id', type: 'varchar', length: 64 })
  ruleId!: string;

  /** The enrollment program, e.g. heart-failure. */
  @Column({ type: 'varchar', length: 64 })
  program!: string;

  /** null: the rule's default (on for rules from the folder, off for rules made through the API). */
  @Column({ type: 'boolean', nullable: true })
  enabled!: boolean | null;

  /** JSON object of named numbers replacing the rule's defaults; null when none. */
  @Column({ type: 'text', nullable: true })
  params!: string | null;

  @Column({ name: 'updated_by', type: 'varchar', length: 100 })
  updatedBy!: string;

  @Column(instant({ name: 'updated_at' }))
  updatedAt!: Date;
}

/** One patient's param overrides of one rule, applied after the program's. */
@Entity('patient_rule_params')
@Index('uq_patient_rule_params_pid_rule', ['pid', 'ruleId'], { unique: true })
export class PatientRuleParams {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** OpenEMR pid. */
  @Column({ type: 'bigint' })
  pid!: number;

  @Column({ name: 'rule_id', type: 'varchar', length: 64 })
  ruleId!: string;

  /** JSON object of named numbers. */
  @Column({ type: 'text' })
  params!: string;

  @Column({ name: 'updated_by', type: 'varchar', length: 100 })
  updatedBy!: string;

  @Column(instant({ name: 'updated_at' }))
  updatedAt!: Date;
}
