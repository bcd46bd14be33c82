import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { instant } from '../database/columns';
import type { OutcomeResult } from './rule-definition';

/**
 * What one rule version decided for one patient on one local date. One row per
 * patient, rule and date: evaluating the day again replaces it.
 */
@Entity('rule_outcomes')
@Index('uq_rule_outcomes_pid_rule_date', ['pid', 'ruleId', 'date'], { unique: true })
@Index('ix_rule_outcomes_pid_date', ['pid', 'date'])
@Index('ix_rule_outcomes_unapplied', ['alertsAppliedAt', 'evaluatedAt'])
// The alert step's locking read of one patient's unapplied outcomes.
@Index('ix_rule_outcomes_pid_unapplied', ['pid', 'alertsAppliedAt'])
export class RuleOutcome {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** OpenEMR pid. */
  @Column({ type: 'bigint' })
  pid!: number;

  @Column({ name: 'rule_id', type: 'varchar', length: 64 })
  ruleId!: string;

  @Column({ name: 'rule_version', type: 'int' })
  ruleVersion!: number;

  /** The patient's local date evaluated, YYYY-MM-DD. */
  @Column({ type: 'date' })
  date!: string;

  @Column({ type: 'varchar', length: 20 })
  result!: OutcomeResult;

  /** JSON of the deciding and reported values by name (null: not enough data). */
  @Column({ type: 'text' })
  facts!: string;

  @Column({ type: 'text' })
  message!: string;

  @Column(instant({ name: 'evaluated_at' }))
  evaluatedAt!: Date;

  /**
   * When the alerts feature stepped this outcome (null: not yet). Evaluating
   * the day again clears it, so the new outcome is stepped in its turn.
   */
  @Column(instant({ name: 'alerts_applied_at', nullable: true }))
  alertsAppliedAt!: Date | null;
}
