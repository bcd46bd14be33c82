/**
 * The shape of a clinician-authored rule, as stored in `rules/*.json` and sent
 * through the API. Validation lives beside it; this file is only the contract
 * that the rules, alerts and delivery features share.
 */
export type Severity = 'info' | 'warning' | 'urgent';

export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'urgent'];

/**
 * Who receives an alert:
 * - `provider`: the patient's provider in OpenEMR (`patient_data.providerID`);
 * - `user:<username>`: one OpenEMR user;
 * - `group:<acl group>`: every active member of an OpenEMR ACL group (`clin`, `front`, ...).
 */
export type RecipientSpec = 'provider' | `user:${string}` | `group:${string}`;

export type DeliveryChannel = 'message' | 'reminder';
export type ReminderPriority = 'high' | 'medium' | 'low';

export interface DeliverySpec {
  channels: DeliveryChannel[];
  /** Reminder due date, in days after the alert fires. */
  reminderDueInDays: number;
  priority: ReminderPriority;
}

/** A json-rules-engine condition tree whose facts are Vigil facts. */
export type ConditionTree =
  { all: ConditionNode[] } | { any: ConditionNode[] } | { not: ConditionNode };

export type ConditionNode = ConditionTree | ConditionLeaf;

export interface ConditionLeaf {
  fact: string;
  operator: string;
  /** A literal, or `{ "param": "<name>" }` to read one of the rule's params. */
  value: unknown;
  params?: Record<string, unknown>;
  path?: string;
  /** Key of this condition's value in the outcome and the message template, e.g. "recent.mean". */
  name?: string;
}

/** A fact computed for the message and the outcome record, not tested. */
export interface ReportedFact {
  fact: string;
  params?: Record<string, unknown>;
}

/** What a clinician needs to set a param: its name in words, unit, sensible range and help. */
export interface ParamDetail {
  /** Plain words, e.g. "Rise above baseline". */
  label: string;
  /** e.g. "bpm", "days", "%"; absent for a plain number. */
  unit?: string;
  /** The lowest and highest value the rule (and every override) may use. */
  min?: number;
  max?: number;
  /** The form's step, e.g. 1 for whole days. */
  step?: number;
  /** What the param does and what moving it changes. */
  help: string;
}

/**
 * Hours staff are expected to take to acknowledge an alert, unless the rule
 * says: urgent alerts by ESCALATE_AFTER_HOURS (when they are emailed as overdue),
 * the others by these.
 */
export const DEFAULT_ACKNOWLEDGE_WITHIN_HOURS: Record<'warning' | 'info', number> = {
  warning: 24,
  info: 72,
};

export function acknowledgeWithinHours(rule: RuleDefinition, escalateAfterHours: number): number {
  if (rule.acknowledgeWithinHours !== undefined) return rule.acknowledgeWithinHours;
  return rule.severity === 'urgent'
    ? escalateAfterHours
    : DEFAULT_ACKNOWLEDGE_WITHIN_HOURS[rule.severity];
}

/** Insufficient-data days after which a firing alert goes stale, unless the rule says otherwise. */
export const DEFAULT_STALE_AFTER_DAYS = 3;

export interface RuleDefinition {
  /** Slug: lowercase letters, digits and dashes. */
  id: string;
  title: string;
  /** Plain words for the clinician, including the evidence and its published performance. */
  description: string;
  severity: Severity;
  /** Named defaults, overridable per program and per patient. */
  params: Record<string, number>;
  /** Label, unit, range and help of each param, for the editor's form; the range binds overrides too. */
  paramDetails?: Record<string, ParamDetail>;
  conditions: ConditionTree;
  /** Pending until the conditions hold on this many consecutive evaluation days. */
  forDays: number;
  /** Resolved once the conditions have been false on this many consecutive days. */
  resolveAfterDays: number;
  /** Re-notify while unacknowledged, at most every this many days (0 = never). */
  repeatAfterDays: number;
  /**
   * A firing alert goes `stale` after this many consecutive insufficient-data
   * days (default {@link DEFAULT_STALE_AFTER_DAYS}): an alert follows the data.
   */
  staleAfterDays?: number;
  /**
   * Staff should acknowledge an alert within this many hours (default by
   * severity, {@link DEFAULT_ACKNOWLEDGE_WITHIN_HOURS}); the rule-quality report measures it.
   */
  acknowledgeWithinHours?: number;
  recipients: RecipientSpec[];
  deliver: DeliverySpec;
  /** Rule ids that, while firing for the same patient, suppress this rule. */
  inhibitedBy: string[];
  /** Template with fact values, e.g. "Resting HR {{recent.mean}} vs baseline {{baseline.median}}". */
  message: string;
  /** Extra fact values to show in the message and keep with the outcome, by name. */
  report?: Record<string, ReportedFact>;
}

/** What one evaluation day decided for one patient and one rule. */
export type OutcomeResult = 'true' | 'false' | 'insufficient_data';
