import {
  CHART_METRICS,
  DailyAggregate,
  METRIC_NAMES,
  MetricName,
} from '../aggregates/daily-aggregate';
import { METRIC_SOURCES } from '../aggregates/metric-sources';
import { factUses, metricsOf } from '../rules/engine/fact-uses';
import type { RuleDefinition } from '../rules/rule-definition';
import { DATA_TYPE_IDS, DataTypeId } from '../wearables/google-health/data-types';

/**
 * The Google Health data types each daily aggregate column is computed from:
 * its own type first, then the ones it also reads. Derived from
 * METRIC_SOURCES (aggregates/metric-sources.ts), the one declaration per metric.
 */
export const METRIC_DATA_TYPES: Readonly<Record<MetricName, readonly DataTypeId[]>> =
  dataTypesOfMetrics();

function dataTypesOfMetrics(): Record<MetricName, readonly DataTypeId[]> {
  const types = {} as Record<MetricName, readonly DataTypeId[]>;
  for (const metric of METRIC_NAMES) {
    const source = METRIC_SOURCES[metric];
    types[metric] = [...source.from, ...(source.alsoReads ?? [])];
  }
  return types;
}

/** The data types that the given metrics are computed from, in API order, without repeats. */
export function dataTypesFor(metrics: Iterable<MetricName>): DataTypeId[] {
  const types = new Set<DataTypeId>();
  for (const metric of metrics) for (const type of METRIC_DATA_TYPES[metric]) types.add(type);
  return DATA_TYPE_IDS.filter((type) => types.has(type));
}

/**
 * The types to read again when a webhook names `named` for older days: the
 * named ones and every type a column computed from them also needs (late
 * steps change the resting estimate, which needs heart rate and sleep too),
 * so each column rewritten is whole. A name Vigil does not know: every type.
 */
export function typesRereadWith(named: readonly string[]): DataTypeId[] {
  const known = new Set<string>(DATA_TYPE_IDS);
  if (named.length === 0 || named.some((t) => !known.has(t))) return [...DATA_TYPE_IDS];
  const metrics = METRIC_NAMES_BY_TYPE.filter(([, types]) => types.some((t) => named.includes(t)));
  const types = new Set<string>(named);
  for (const [, needs] of metrics) for (const t of needs) types.add(t);
  return DATA_TYPE_IDS.filter((t) => types.has(t));
}

const METRIC_NAMES_BY_TYPE = Object.entries(METRIC_DATA_TYPES) as [
  MetricName,
  readonly DataTypeId[],
][];

/**
 * The columns of a day re-read for `read` types only, the rest kept as
 * stored: a column is taken from `fresh` when every type it is computed from
 * was read; coverage follows heart rate and steps. No stored day: `fresh`.
 */
export function keepUnread(
  stored: DailyAggregate | undefined,
  fresh: DailyAggregate,
  read: ReadonlySet<DataTypeId>,
): DailyAggregate {
  if (stored === undefined) return fresh;
  const day: DailyAggregate = { ...stored, coverage: { ...stored.coverage } };
  for (const [metric, types] of METRIC_NAMES_BY_TYPE) {
    if (types.every((t) => read.has(t))) (day[metric] as unknown) = fresh[metric];
  }
  if (read.has('heart-rate')) day.coverage.heartRateSamples = fresh.coverage.heartRateSamples;
  if (read.has('steps')) day.coverage.stepMinutes = fresh.coverage.stepMinutes;
  if (METRIC_DATA_TYPES.steps.every((t) => read.has(t))) {
    delete day.coverage.stepsUnknown;
    if (fresh.coverage.stepsUnknown !== undefined)
      day.coverage.stepsUnknown = fresh.coverage.stepsUnknown;
  }
  const contributed = new Set([
    ...stored.coverage.dataTypes.filter((t) => !read.has(t as DataTypeId)),
    ...fresh.coverage.dataTypes,
  ]);
  day.coverage.dataTypes = DATA_TYPE_IDS.filter((t) => contributed.has(t));
  return day;
}

/**
 * The metrics a rule's facts read, tested or reported. Metrics are literals in
 * a rule (params only name numbers), so overrides never change them; the
 * sync-age facts read none (`pairedDevices` is asked for by `deviceSyncForProgram`).
 */
export function ruleMetrics(rule: RuleDefinition): MetricName[] {
  const metrics = new Set<MetricName>();
  for (const use of factUses(rule, rule.params)) {
    for (const metric of metricsOf(use)) metrics.add(metric);
  }
  return [...metrics];
}

/** A rule in force and whether a program runs it (the rules' own switch: see RuleEvaluations). */
export interface RuleSwitch {
  definition: RuleDefinition;
  /** Rules from the folder run unless a program disables them; API rules only where enabled. */
  enabledByDefault: boolean;
  /** Program -> its explicit switch; null or absent: the default. */
  programs: ReadonlyMap<string, boolean | null>;
}

/** What one clinic's rules and charts need fetched, per program. */
export interface DataNeeds {
  /** Needed for a patient of this program (null: no program, the rules' defaults). */
  forProgram(program: string | null): DataTypeId[];
  /** Whether a rule the program runs reads the device's last sync (so `pairedDevices` every sync). */
  deviceSyncForProgram(program: string | null): boolean;
}

/** The fact that reads `pairedDevices.lastSyncTime` (the monitoring-gap rule's). */
const DEVICE_SYNC_FACT = 'daysSinceDeviceSync';

/** Data types for the charts plus every rule the program runs. */
export function dataNeeds(rules: readonly RuleSwitch[]): DataNeeds {
  const metricsOf = new Map(rules.map((rule) => [rule, ruleMetrics(rule.definition)]));
  const byProgram = new Map<string | null, DataTypeId[]>();
  const runs = (rule: RuleSwitch, program: string | null): boolean =>
    (program === null ? null : rule.programs.get(program)) ?? rule.enabledByDefault;
  const readsDeviceSync = new Set(
    rules.filter((rule) =>
      factUses(rule.definition, rule.definition.params).some((u) => u.fact === DEVICE_SYNC_FACT),
    ),
  );
  return {
    deviceSyncForProgram(program) {
      return [...readsDeviceSync].some((rule) => runs(rule, program));
    },
    forProgram(program) {
      let types = byProgram.get(program);
      if (!types) {
        const metrics: MetricName[] = [...CHART_METRICS];
        for (const rule of rules) {
          if (runs(rule, program)) metrics.push(...(metricsOf.get(rule) ?? []));
        }
        types = dataTypesFor(metrics);
        byProgram.set(program, types);
      }
      return types;
    },
  };
}
