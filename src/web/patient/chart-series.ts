import {
  CHART_METRICS,
  NUMERIC_METRICS,
  NumericMetric,
  type DailyAggregate,
} from '../../aggregates/daily-aggregate';
import { addDays, daysBetween, type LocalDate } from '../../time';
import { factUses, metricOf } from '../../rules/engine/fact-uses';
import { completeFactParams, resolveValue } from '../../rules/facts/complete-fact-params';
import { spanCentreAndSpread, type Span } from '../../rules/facts/compute-fact';
import { PatientSeries } from '../../rules/facts/patient-series';
import type { ConditionNode, ConditionLeaf, RuleDefinition } from '../../rules/rule-definition';

/** Metrics every patient page shows, whether or not a rule reads them (the aggregates' core signs). */
export const CHARTED_BY_DEFAULT: readonly NumericMetric[] = CHART_METRICS;

/**
 * The band drawn around each day: the `baseline` fact's default span (the 28
 * days ending 7 days before, at least 14 with data), summarised by its mean,
 * plus and minus one standard deviation of those days: what `zscore` measures.
 */
export const BAND_SPAN: Span = (() => {
  const params = completeFactParams('baseline', { metric: 'steps', aggregate: 'mean' }, {});
  return {
    days: params.days as number,
    endOffsetDays: params.endOffsetDays as number,
    aggregate: 'mean',
    minDays: params.minDays as number,
  };
})();

/** Days before the first charted day that the band needs loaded. */
export const BAND_LOOKBACK_DAYS = BAND_SPAN.days + BAND_SPAN.endOffsetDays - 1;

/** A rule enabled for the patient, with its params after program and patient overrides. */
export interface RuleInEffect {
  definition: RuleDefinition;
  params: Record<string, number>;
}

/** A fixed level a rule compares the metric's daily values (or their summary) with. */
export interface Threshold {
  metric: NumericMetric;
  value: number;
  rule: string;
  /** "Low oxygen saturation: below 92". */
  label: string;
}

/** An alert episode as the chart shades it: first day to last day inclusive, clipped to the range. */
export interface ShadedEpisode {
  rule: string;
  title: string;
  state: string;
  from: LocalDate;
  to: LocalDate;
}

/** An alert as the shading reads it. */
export interface EpisodeSource {
  ruleId: string;
  ruleTitle: string;
  state: string;
  episodeStart: LocalDate;
  firedOn: LocalDate | null;
  resolvedOn: LocalDate | null;
}

/** A change after which days are not comparable with those before: the chart breaks there. */
export interface ChartBreak {
  /** The first day after the change. */
  date: LocalDate;
  words: string;
}

export interface MetricChart {
  metric: NumericMetric;
  label: string;
  unit: string;
  dates: LocalDate[];
  /**
   * The first day still being measured (the patient's today, or the day after
   * the last complete one): drawn as partial, left out of every baseline band.
   */
  partialFrom: LocalDate;
  /** Changes of Google account, time zone or device within the range. */
  breaks: ChartBreak[];
  /** The y-axis at least the metric's minimum span, so noise is not drawn as drama. */
  yRange: { min: number; max: number } | null;
  /** One per date; null is a day without data (drawn as a gap, never as zero). */
  values: (number | null)[];
  baseline: { centre: (number | null)[]; lower: (number | null)[]; upper: (number | null)[] };
  thresholds: Threshold[];
  episodes: ShadedEpisode[];
  daysWithData: number;
}

/**
 * The smallest y-span each chart shows: day-to-day noise in a flat series
 * (a resting heart rate wobbling between 60 and 61) must not fill the chart
 * as if it were a collapse.
 */
export const MIN_Y_SPANS: Readonly<Record<NumericMetric, number>> = {
  restingHrProvider: 10,
  restingHrEstimate: 10,
  hrMean: 10,
  hrMin: 10,
  hrMax: 20,
  wearMinutes: 240,
  steps: 4000,
  activeMinutes: 60,
  sleepAsleepMinutes: 120,
  sleepInBedMinutes: 120,
  sleepEfficiency: 20,
  sleepDeepMinutes: 60,
  sleepLightMinutes: 60,
  sleepRemMinutes: 60,
  sleepAwakeMinutes: 60,
  sleepTotalMinutes: 120,
  hrvRmssd: 20,
  spo2Average: 6,
  spo2Lower: 6,
  respiratoryRate: 4,
  skinTempDeviation: 2,
  weightKg: 3,
};

/** Where an axis must stop: no negative counts, no saturation above 100 %. */
const AXIS_FLOOR = (metric: NumericMetric): number =>
  metric === 'skinTempDeviation' ? -Infinity : 0;
const AXIS_CEILING = (metric: NumericMetric): number =>
  NUMERIC_METRICS[metric].unit === '%' ? 100 : Infinity;

/**
 * The y-range that holds every drawn value and spans at least the metric's
 * minimum, centred on the values and kept within the metric's possible range.
 */
export function yAxisRange(
  metric: NumericMetric,
  drawn: readonly (number | null)[],
): { min: number; max: number } | null {
  const values = drawn.filter((v): v is number => v !== null && Number.isFinite(v));
  if (values.length === 0) return null;
  let min = Math.min(...values);
  let max = Math.max(...values);
  const span = MIN_Y_SPANS[metric];
  if (max - min < span) {
    const middle = (min + max) / 2;
    min = middle - span / 2;
    max = middle + span / 2;
  }
  const floor = AXIS_FLOOR(metric);
  const ceiling = AXIS_CEILING(metric);
  if (min < floor) [min, max] = [floor, max + (floor - min)];
  if (max > ceiling) [min, max] = [Math.max(floor, min - (max - ceiling)), ceiling];
  return { min: round(min), max: round(max) };
}

const WORDS: Record<string, string> = {
  lessThan: 'below',
  lessThanInclusive: 'at or below',
  greaterThan: 'above',
  greaterThanInclusive: 'at or above',
};

/** Summaries that stay in the unit and scale of one day's value. */
const LEVEL_AGGREGATES = new Set(['mean', 'median', 'min', 'max', 'first', 'last']);

const round = (value: number): number => Math.round(value * 100) / 100;

export function datesBetween(from: LocalDate, to: LocalDate): LocalDate[] {
  return Array.from({ length: daysBetween(from, to) + 1 }, (_, i) => addDays(from, i));
}

/** The metric on each date; a missing row or a null value stays null. */
export function dailyValues(
  days: readonly DailyAggregate[],
  metric: NumericMetric,
  dates: readonly LocalDate[],
): (number | null)[] {
  const byDate = new Map(days.map((day) => [day.date, day[metric]]));
  return dates.map((date) => {
    const value = byDate.get(date);
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  });
}

/** Baseline centre and one-SD band for each date, computed by the facts' own span code. */
export function baselineBand(
  series: PatientSeries,
  metric: NumericMetric,
  dates: readonly LocalDate[],
): MetricChart['baseline'] {
  const band: MetricChart['baseline'] = { centre: [], lower: [], upper: [] };
  for (const date of dates) {
    const input = { series, day: series.indexOf(date), asOf: new Date(0) };
    const { centre, spread } = spanCentreAndSpread(input, metric, BAND_SPAN);
    const hasBand = centre !== null && spread !== null;
    band.centre.push(centre === null ? null : round(centre));
    band.lower.push(hasBand ? round(centre - spread) : null);
    band.upper.push(hasBand ? round(centre + spread) : null);
  }
  return band;
}

function leaves(node: ConditionNode): ConditionLeaf[] {
  if ('all' in node) return node.all.flatMap(leaves);
  if ('any' in node) return node.any.flatMap(leaves);
  if ('not' in node) return leaves(node.not);
  return [node];
}

const isMetric = (value: unknown): value is NumericMetric =>
  typeof value === 'string' && Object.hasOwn(NUMERIC_METRICS, value);

/**
 * Levels a rule compares a metric with that can be drawn on the metric's chart:
 * a streak's fixed `value`, a window summary compared with a number, a
 * coverage's `atLeast`. Baseline-relative conditions move with the patient, so
 * the band shows them instead.
 */
export function fixedThresholds({ definition, params }: RuleInEffect): Threshold[] {
  const found: Threshold[] = [];
  const add = (metric: unknown, value: unknown, words: string) => {
    if (isMetric(metric) && typeof value === 'number' && Number.isFinite(value)) {
      found.push({ metric, value, rule: definition.id, label: `${definition.title}: ${words}` });
    }
  };
  for (const leaf of leaves(definition.conditions)) {
    if (leaf.fact === 'streak') {
      const p = completeFactParams('streak', leaf.params, params);
      if (p.baseline === undefined) {
        add(p.metric, p.value, `${WORDS[String(p.operator)] ?? String(p.operator)} ${p.value}`);
      }
    } else if (leaf.fact === 'window') {
      const p = completeFactParams('window', leaf.params, params);
      const value = resolveValue(leaf.value, params);
      if (LEVEL_AGGREGATES.has(String(p.aggregate)) && WORDS[leaf.operator]) {
        add(p.metric, value, `${p.days}-day ${p.aggregate} ${WORDS[leaf.operator]} ${value}`);
      }
    } else if (leaf.fact === 'coverage') {
      const p = completeFactParams('coverage', leaf.params, params);
      if (p.atLeast !== undefined) add(p.metric, p.atLeast, `days reaching ${p.atLeast}`);
    }
  }
  return found;
}

/** The metrics a rule reads, so its episodes shade those charts. */
export function metricsOfRule({ definition, params }: RuleInEffect): NumericMetric[] {
  const metrics = factUses(definition, params)
    .map(metricOf)
    .filter((metric) => metric !== null);
  return [...new Set(metrics)];
}

/**
 * Alert episodes that fired, as inclusive date ranges within `from`..`to`: from
 * the episode's first true day to the day before it resolved (or the range's
 * end while it is open). Episodes that never fired were never alerts.
 */
export function shadedEpisodes(
  alerts: readonly EpisodeSource[],
  from: LocalDate,
  to: LocalDate,
): ShadedEpisode[] {
  return alerts.flatMap((alert) => {
    if (alert.firedOn === null) return [];
    const last =
      alert.resolvedOn === null
        ? to
        : alert.resolvedOn > alert.episodeStart
          ? addDays(alert.resolvedOn, -1)
          : alert.episodeStart;
    if (last < from || alert.episodeStart > to) return [];
    return [
      {
        rule: alert.ruleId,
        title: alert.ruleTitle,
        state: alert.state,
        from: alert.episodeStart < from ? from : alert.episodeStart,
        to: last > to ? to : last,
      },
    ];
  });
}

export interface PatientChartsInput {
  from: LocalDate;
  to: LocalDate;
  /** The first day still being measured (at the latest `to`, the patient's today). */
  partialFrom: LocalDate;
  breaks: readonly ChartBreak[];
  /** Stored days from BAND_LOOKBACK_DAYS before `from` through `to`. */
  days: readonly DailyAggregate[];
  /** Rules enabled for the patient: their thresholds are drawn and their metrics charted. */
  rules: readonly RuleInEffect[];
  /** Every rule in force by id, so an alert of a since-disabled rule still shades its metric. */
  ruleMetrics: ReadonlyMap<string, readonly NumericMetric[]>;
  alerts: readonly EpisodeSource[];
}

/** One chart per monitored metric: the default set plus every metric an enabled rule reads. */
export function buildPatientCharts(input: PatientChartsInput): MetricChart[] {
  const dates = datesBetween(input.from, input.to);
  // A day still being measured would drag every band that reaches it down (or up).
  const complete = input.days.filter((day) => day.date < input.partialFrom);
  const series = new PatientSeries(complete, { lastSyncAt: null, lastDeviceSyncAt: null });
  const breaks = input.breaks.filter((b) => b.date > input.from && b.date <= input.to);
  const thresholds = input.rules.flatMap(fixedThresholds);
  const wanted = new Set<NumericMetric>([
    ...CHARTED_BY_DEFAULT,
    ...input.rules.flatMap(metricsOfRule),
  ]);
  const episodes = shadedEpisodes(input.alerts, input.from, input.to);
  const metrics = (Object.keys(NUMERIC_METRICS) as NumericMetric[]).filter((m) => wanted.has(m));
  return metrics.map((metric) => {
    const values = dailyValues(input.days, metric, dates);
    const baseline = baselineBand(series, metric, dates);
    const lines = thresholds.filter((t) => t.metric === metric);
    return {
      metric,
      label: NUMERIC_METRICS[metric].label,
      unit: NUMERIC_METRICS[metric].unit,
      dates,
      partialFrom: input.partialFrom,
      breaks,
      yRange: yAxisRange(metric, [
        ...values,
        ...baseline.lower,
        ...baseline.upper,
        ...lines.map((t) => t.value),
      ]),
      values,
      baseline,
      thresholds: lines,
      // A rule that reads no metric (or is gone) shades every chart: better seen twice than missed.
      episodes: episodes.filter((episode) => {
        const read = input.ruleMetrics.get(episode.rule) ?? [];
        return read.length === 0 || read.includes(metric);
      }),
      daysWithData: values.filter((v) => v !== null).length,
    };
  });
}
