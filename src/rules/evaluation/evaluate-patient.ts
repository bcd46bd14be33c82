import { NumericMetric } from '../../aggregates/daily-aggregate';
import { factUses, metricsOf, ruleDaysRead } from '../engine/fact-uses';
import {
  EvaluationDay,
  mergeParams,
  ParamOverrides,
  RuleEvaluator,
} from '../engine/rule-evaluator';
import { PatientSeries } from '../facts/patient-series';
import { OutcomeResult, RuleDefinition } from '../rule-definition';

/** One immutable version of a rule, with its compiled evaluator. */
export interface RuleVersion {
  version: number;
  definition: RuleDefinition;
  evaluator: RuleEvaluator;
}

/** A rule version to run for one patient, with the program's then the patient's overrides. */
export interface RuleForPatient {
  rule: RuleVersion;
  overrides: ParamOverrides[];
}

/** What one rule version decided for one patient and date: an item of a `rules.patient-evaluated` day. */
export interface EvaluatedRule {
  rule: string;
  ruleVersion: number;
  result: OutcomeResult;
  /** Deciding and reported values by name; null is "not enough data". */
  facts: Record<string, number | null>;
  message: string;
}

export function ruleVersion(version: number, definition: RuleDefinition): RuleVersion {
  return { version, definition, evaluator: new RuleEvaluator(definition) };
}

/** Runs every given rule for one patient and date over a series loaded once. */
export async function evaluatePatientDay(
  series: PatientSeries,
  day: EvaluationDay,
  rules: readonly RuleForPatient[],
): Promise<EvaluatedRule[]> {
  const outcomes: EvaluatedRule[] = [];
  for (const { rule, overrides } of rules) {
    const evaluation = await rule.evaluator.evaluate(series, day, ...overrides);
    outcomes.push({
      rule: rule.definition.id,
      ruleVersion: rule.version,
      result: evaluation.result,
      facts: evaluation.facts,
      message: evaluation.message,
    });
  }
  return outcomes;
}

interface Reads {
  days: number;
  metrics: NumericMetric[];
}

/** What each rule version reads, by param values: planned once, not once per patient. */
const reads = new WeakMap<RuleVersion, Map<string, Reads>>();

function readsOf({ rule, overrides }: RuleForPatient): Reads {
  const overridden = overrides.some((override) => Object.keys(override).length > 0);
  const params = overridden
    ? mergeParams(rule.definition.params, ...overrides)
    : rule.definition.params;
  const key = overridden ? Object.values(params).join(',') : 'defaults';
  let byParams = reads.get(rule);
  if (!byParams) reads.set(rule, (byParams = new Map()));
  let found = byParams.get(key);
  if (!found) {
    const uses = factUses(rule.definition, params);
    const metrics = uses.flatMap(metricsOf);
    found = { days: ruleDaysRead(rule.definition, params), metrics: [...new Set(metrics)].sort() };
    byParams.set(key, found);
  }
  return found;
}

/** Days of history, counting the evaluation date, that the given rules read. */
export function daysToLoad(rules: readonly RuleForPatient[]): number {
  return Math.max(1, ...rules.map((rule) => readsOf(rule).days));
}

/** The metrics the given rules read: the only columns worth loading. */
export function metricsToLoad(rules: readonly RuleForPatient[]): NumericMetric[] {
  return [...new Set(rules.flatMap((rule) => readsOf(rule).metrics))].sort();
}
