import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { instant } from '../database/columns';
import type { Severity } from '../rules/rule-definition';
import type { AlertState } from './lifecycle';

/**
 * One alert: an episode of a rule holding for a patient. Identity (the
 * de-duplication key) is patient + rule + episode start. `lifecycle` is the
 * pure state machine's `Alert` as JSON; the columns beside it are copies for
 * filtering and escalation.
 */
@Entity('alerts')
@Index('uq_alerts_episode', ['pid', 'ruleId', 'episodeStart'], { unique: true })
@Index('ix_alerts_state', ['state', 'severity'])
@Index('ix_alerts_pid_rule', ['pid', 'ruleId'])
export class StoredAlert {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** OpenEMR pid. */
  @Column({ type: 'bigint' })
  pid!: number;

  @Column({ name: 'rule_id', type: 'varchar', length: 64 })
  ruleId!: string;

  /** The rule version that last stepped the alert. */
  @Column({ name: 'rule_version', type: 'int' })
  ruleVersion!: number;

  /** First true day of the episode, the patient's local date YYYY-MM-DD. */
  @Column({ name: 'episode_start', type: 'date' })
  episodeStart!: string;

  @Column({ type: 'varchar', length: 10 })
  severity!: Severity;

  @Column({ type: 'varchar', length: 16 })
  state!: AlertState;

  /** JSON of the lifecycle `Alert`. */
  @Column({ type: 'text' })
  lifecycle!: string;

  @Column({ name: 'rule_title', type: 'varchar', length: 200 })
  ruleTitle!: string;

  /** The rule's message with its deciding values, from the latest evaluation that held. */
  @Column({ type: 'text' })
  message!: string;

  /** JSON of the OpenEMR users it was routed to ({username, userId}[]), for the resolved follow-up. */
  @Column({ type: 'text', nullable: true })
  recipients!: string | null;

  /** JSON of why fallback recipients were used (routing reasons). */
  @Column({ name: 'routing_reasons', type: 'text', nullable: true })
  routingReasons!: string | null;

  /** When staff were first due to be told; escalation counts from here. */
  @Column(instant({ name: 'fired_at', nullable: true }))
  firedAt!: Date | null;

  @Column(instant({ name: 'escalated_at', nullable: true }))
  escalatedAt!: Date | null;

  @Column(instant({ name: 'created_at' }))
  createdAt!: Date;

  @Column(instant({ name: 'updated_at' }))
  updatedAt!: Date;
}

/** One state change of an alert: when, why, who. */
@Entity('alert_transitions')
@Index('ix_alert_transitions_alert', ['alertId', 'id'])
export class AlertTransitionRow {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'alert_id', type: 'bigint' })
  alertId!: string;

  @Column(instant({ name: 'occurred_at' }))
  occurredAt!: Date;

  /** The evaluation day, or the local date of the staff action. */
  @Column({ name: 'local_date', type: 'date' })
  localDate!: string;

  @Column({ name: 'from_state', type: 'varchar', length: 16, nullable: true })
  fromState!: AlertState | null;

  @Column({ name: 'to_state', type: 'varchar', length: 16 })
  toState!: AlertState;

  @Column({ type: 'varchar', length: 40 })
  cause!: string;

  /** `evaluation`, or `staff:<OpenEMR username or Vigil caller>`. */
  @Column({ type: 'varchar', length: 100 })
  actor!: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  note!: string | null;
}
