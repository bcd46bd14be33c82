import type { OutcomeResult, RuleDefinition } from '../rules/rule-definition';
import {
  isFiring,
  isOpen,
  stepAlert,
  type Alert,
  type AlertStep,
  type AlertTiming,
} from './lifecycle';
import type { LocalDate } from '../time';

/** One rule's outcome for a patient on the day being applied, with its stored alert. */
export interface PatientRuleDay {
  rule: Pick<RuleDefinition, 'id' | 'inhibitedBy'> & AlertTiming;
  outcome: OutcomeResult;
  alert: Alert | null;
}

/**
 * Steps every rule of one patient for one day, inhibitors first, so that a
 * monitoring-gap alert firing today already silences today's physiology
 * alerts. An inhibitor the patient is not evaluated for cannot be firing.
 * Should `inhibitedBy` form a cycle (validation ought to refuse it), the rules
 * left are taken in the given order against what is known so far.
 */
export function stepPatientDay(
  date: LocalDate,
  rules: readonly PatientRuleDay[],
  at?: string,
): Map<string, AlertStep> {
  const evaluated = new Set(rules.map(({ rule }) => rule.id));
  const latest = new Map(rules.map(({ rule, alert }) => [rule.id, alert]));
  const steps = new Map<string, AlertStep>();
  const waiting = [...rules];
  while (waiting.length > 0) {
    const ready = waiting.findIndex(({ rule }) =>
      rule.inhibitedBy.every((id) => id === rule.id || !evaluated.has(id) || steps.has(id)),
    );
    const [{ rule, outcome, alert }] = waiting.splice(Math.max(ready, 0), 1);
    const inhibited = rule.inhibitedBy.some(
      (id) => id !== rule.id && isFiring(latest.get(id) ?? null),
    );
    // A connection Vigil cannot sync keeps its gap open, whatever the day's data says.
    const held = isOpen(alert) && (alert.monitoringStopped ?? null) !== null ? 'true' : outcome;
    const step = stepAlert(
      alert,
      { date, outcome: held, inhibited, ...(at === undefined ? {} : { at }) },
      rule,
    );
    steps.set(rule.id, step);
    latest.set(rule.id, step.alert);
  }
  return steps;
}
