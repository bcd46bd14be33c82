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
import { streamsInGap, type StreamKey } from '../rules/facts/streams';

/** One rule's outcome for a patient on the day being applied, with its stored alert. */
export interface PatientRuleDay {
  rule: Pick<RuleDefinition, 'id' | 'inhibitedBy'> & AlertTiming;
  outcome: OutcomeResult;
  alert: Alert | null;
  /** The outcome's values: an inhibitor's say which streams are in its gap (`gapFacts`). */
  facts?: Readonly<Record<string, number | null>>;
  /** The streams the rule reads (`streamsRead`); absent: every inhibitor's gap holds it back. */
  streams?: readonly StreamKey[];
}

/**
 * Whether a firing inhibitor holds a rule back: a gap in one stream (steps
 * stopped) holds back only the rules reading that stream, so resting heart
 * rate is still judged while heart rate arrives. An inhibitor whose outcome
 * names no streams (no outcome today, a stopped connection, a rule not about
 * streams), or a rule reading no stream, is held back by any firing inhibitor.
 */
export function holdsBack(
  inhibitor: { alert: Alert | null; facts?: PatientRuleDay['facts'] },
  streams: readonly StreamKey[] | undefined,
): boolean {
  const { alert, facts } = inhibitor;
  if (!isFiring(alert)) return false;
  const inGap = (alert?.monitoringStopped ?? null) !== null ? null : streamsInGap(facts);
  if (inGap === null || streams === undefined || streams.length === 0) return true;
  return streams.some((stream) => inGap.includes(stream));
}

/**
 * Steps every rule of one patient for one day, inhibitors first, so that a
 * monitoring-gap alert firing today already silences today's physiology
 * alerts that read a stream in the gap (`holdsBack`). An inhibitor the
 * patient is not evaluated for cannot be firing. Should `inhibitedBy` form a cycle (validation ought to refuse it), the rules
 * left are taken in the given order against what is known so far.
 */
export function stepPatientDay(
  date: LocalDate,
  rules: readonly PatientRuleDay[],
  at?: string,
): Map<string, AlertStep> {
  const evaluated = new Set(rules.map(({ rule }) => rule.id));
  const facts = new Map(rules.map((day) => [day.rule.id, day.facts]));
  const latest = new Map(rules.map(({ rule, alert }) => [rule.id, alert]));
  const steps = new Map<string, AlertStep>();
  const waiting = [...rules];
  while (waiting.length > 0) {
    const ready = waiting.findIndex(({ rule }) =>
      rule.inhibitedBy.every((id) => id === rule.id || !evaluated.has(id) || steps.has(id)),
    );
    const [{ rule, outcome, alert, streams }] = waiting.splice(Math.max(ready, 0), 1);
    const inhibited = rule.inhibitedBy.some(
      (id) =>
        id !== rule.id &&
        holdsBack({ alert: latest.get(id) ?? null, facts: facts.get(id) }, streams),
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
