import { NumericMetric } from '../../aggregates/daily-aggregate';
import { completeFactParams } from '../facts/complete-fact-params';
import { FactName, isFactName, METRIC_NAMES } from '../facts/fact-catalog';
import { STREAM_METRICS, streamsOfMetrics, type StreamKey } from '../facts/streams';
import { ConditionNode, RuleDefinition } from '../rule-definition';

/** One fact a rule reads (tested or reported), with its params resolved and completed. */
export interface FactUse {
  fact: FactName;
  params: Record<string, unknown>;
}

function leaves(node: ConditionNode): { fact: string; params?: Record<string, unknown> }[] {
  if ('all' in node) return node.all.flatMap(leaves);
  if ('any' in node) return node.any.flatMap(leaves);
  if ('not' in node) return leaves(node.not);
  return [node];
}

/** Every fact a rule computes for one patient and day, for the given param values. */
export function factUses(rule: RuleDefinition, params: Record<string, number>): FactUse[] {
  const used = [...leaves(rule.conditions), ...Object.values(rule.report ?? {})];
  return used.flatMap(({ fact, params: given }) =>
    isFactName(fact) ? [{ fact, params: completeFactParams(fact, given, params) }] : [],
  );
}

function reachOf(params: Record<string, unknown>): number {
  const offset = typeof params.endOffsetDays === 'number' ? params.endOffsetDays : 0;
  let reach = 1;
  if (typeof params.days === 'number') reach = offset + params.days;
  if (typeof params.days === 'number' && typeof params.lookbackDays === 'number') {
    reach = offset + params.days + params.lookbackDays;
  }
  if (typeof params.maxDays === 'number') reach = Math.max(reach, offset + params.maxDays);
  for (const value of Object.values(params)) {
    if (typeof value === 'object' && value !== null) {
      reach = Math.max(reach, reachOf(value as Record<string, unknown>));
    }
  }
  return reach;
}

/**
 * How many days, counting the evaluation date itself, a fact reads back: a
 * series loaded from `date - reach + 1` to `date` gives it every day it needs.
 */
export function daysRead(use: FactUse): number {
  return reachOf(use.params);
}

/** The days every fact of a rule reads back, for the given param values. */
export function ruleDaysRead(rule: RuleDefinition, params: Record<string, number>): number {
  return Math.max(1, ...factUses(rule, params).map(daysRead));
}

/** The metric a fact's `metric` param names (none for the sync-age and stream facts). */
export function metricOf(use: FactUse): NumericMetric | null {
  const metric = use.params.metric;
  return METRIC_NAMES.find((name) => name === metric) ?? null;
}

/** Every metric a fact reads: the stream facts read each stream's metric. */
export function metricsOf(use: FactUse): NumericMetric[] {
  if (use.fact === 'daysWithData' || use.fact === 'streamsStopped') return [...STREAM_METRICS];
  const metric = metricOf(use);
  return metric === null ? [] : [metric];
}

/**
 * The data streams a rule's facts read, at its default params (metrics are
 * never params): a monitoring gap holds the rule back only when one of them
 * is in the gap. Empty for a rule reading no metric (sync age only).
 */
export function streamsRead(rule: RuleDefinition): StreamKey[] {
  return streamsOfMetrics(factUses(rule, rule.params).flatMap(metricsOf));
}
