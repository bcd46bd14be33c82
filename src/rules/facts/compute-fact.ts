import { NumericMetric } from '../../aggregates/daily-aggregate';
import { Aggregate, Comparison, FactName } from './fact-catalog';
import { PatientSeries, wholeDaysBetween } from './patient-series';
import { daysWithData, streamStates } from './streams';
import { standardDeviation, summarise } from './summarise';

/** One patient on one evaluation date: what every fact is computed from. */
export interface FactInput {
  series: PatientSeries;
  /** Index of the evaluation date in the series' columns. */
  day: number;
  /** The instant the evaluation stands at, for the days-since-sync facts. */
  asOf: Date;
}

/** A validated span with its defaults filled in. */
export interface Span {
  days: number;
  endOffsetDays: number;
  aggregate: Aggregate;
  minDays: number;
}

/** Params arrive from the engine as plain JSON already validated and completed at compile time. */
type RawParams = Record<string, unknown>;

function numberParam(params: RawParams, key: string): number {
  const value = params[key];
  if (typeof value !== 'number')
    throw new Error(`Fact param ${key} is missing; the rule was not compiled`);
  return value;
}

function optionalNumber(params: RawParams, key: string): number | undefined {
  return params[key] === undefined ? undefined : numberParam(params, key);
}

function stringParam<T extends string>(params: RawParams, key: string): T {
  const value = params[key];
  if (typeof value !== 'string')
    throw new Error(`Fact param ${key} is missing; the rule was not compiled`);
  return value as T;
}

function spanParam(params: RawParams, key: string): Span {
  const value = params[key];
  if (typeof value !== 'object' || value === null) {
    throw new Error(`Fact param ${key} is missing; the rule was not compiled`);
  }
  const span = value as RawParams;
  return {
    days: numberParam(span, 'days'),
    endOffsetDays: numberParam(span, 'endOffsetDays'),
    aggregate: stringParam<Aggregate>(span, 'aggregate'),
    minDays: numberParam(span, 'minDays'),
  };
}

/**
 * The values of a span's days with data, in date order; `offsets` (when given)
 * receives each one's day within the span, which only the slope reads.
 */
function spanValues(
  input: FactInput,
  metric: NumericMetric,
  days: number,
  endOffsetDays: number,
  offsets: number[] | null = null,
): number[] {
  const column = input.series.column(metric);
  const last = input.day - endOffsetDays;
  const first = last - days + 1;
  const values: number[] = [];
  for (let i = Math.max(first, 0); i <= Math.min(last, column.length - 1); i++) {
    const value = column[i];
    if (!Number.isNaN(value)) {
      values.push(value);
      offsets?.push(i - first);
    }
  }
  return values;
}

/** A span's summary, or null when fewer than `minDays` days have data. */
export function spanSummary(input: FactInput, metric: NumericMetric, span: Span): number | null {
  const offsets = span.aggregate === 'slope' ? [] : null;
  const values = spanValues(input, metric, span.days, span.endOffsetDays, offsets);
  if (span.aggregate === 'count') return values.length;
  if (values.length < span.minDays) return null;
  return summarise(span.aggregate, values, offsets ?? []);
}

function recentAndBaseline(input: FactInput, params: RawParams): [number | null, number | null] {
  const metric = stringParam<NumericMetric>(params, 'metric');
  return [
    spanSummary(input, metric, spanParam(params, 'recent')),
    spanSummary(input, metric, spanParam(params, 'baseline')),
  ];
}

function windowFact(input: FactInput, params: RawParams): number | null {
  return spanSummary(input, stringParam<NumericMetric>(params, 'metric'), {
    days: numberParam(params, 'days'),
    endOffsetDays: numberParam(params, 'endOffsetDays'),
    aggregate: stringParam<Aggregate>(params, 'aggregate'),
    minDays: numberParam(params, 'minDays'),
  });
}

function deltaFact(input: FactInput, params: RawParams): number | null {
  const [recent, baseline] = recentAndBaseline(input, params);
  return recent === null || baseline === null ? null : recent - baseline;
}

function percentChangeFact(input: FactInput, params: RawParams): number | null {
  const [recent, baseline] = recentAndBaseline(input, params);
  if (recent === null || baseline === null || baseline === 0) return null;
  return ((recent - baseline) / Math.abs(baseline)) * 100;
}

/**
 * A baseline span's centre (its summary) and spread (sample standard deviation
 * of its days): what zscore measures against, and the band the patient charts draw.
 */
export function spanCentreAndSpread(
  input: FactInput,
  metric: NumericMetric,
  span: Span,
): { centre: number | null; spread: number | null } {
  const values = spanValues(input, metric, span.days, span.endOffsetDays);
  return { centre: spanSummary(input, metric, span), spread: standardDeviation(values) };
}

function zscoreFact(input: FactInput, params: RawParams): number | null {
  const metric = stringParam<NumericMetric>(params, 'metric');
  const recent = spanSummary(input, metric, spanParam(params, 'recent'));
  const { centre, spread } = spanCentreAndSpread(input, metric, spanParam(params, 'baseline'));
  // A flat baseline has no spread to measure against: not enough data, not infinity.
  if (recent === null || centre === null || spread === null || spread === 0) return null;
  return (recent - centre) / spread;
}

const COMPARE: Record<Comparison, (value: number, threshold: number) => boolean> = {
  lessThan: (value, threshold) => value < threshold,
  lessThanInclusive: (value, threshold) => value <= threshold,
  greaterThan: (value, threshold) => value > threshold,
  greaterThanInclusive: (value, threshold) => value >= threshold,
};

function streakFact(input: FactInput, params: RawParams): number | null {
  const metric = stringParam<NumericMetric>(params, 'metric');
  const compare = COMPARE[stringParam<Comparison>(params, 'operator')];
  let threshold = optionalNumber(params, 'value') ?? null;
  if (params.baseline !== undefined) {
    const baseline = spanSummary(input, metric, spanParam(params, 'baseline'));
    threshold =
      baseline === null
        ? null
        : baseline * numberParam(params, 'factor') + numberParam(params, 'offset');
  }
  const column = input.series.column(metric);
  const latest = input.day - numberParam(params, 'endOffsetDays');
  if (threshold === null || latest < 0 || latest >= column.length || Number.isNaN(column[latest])) {
    return null;
  }
  const maxDays = numberParam(params, 'maxDays');
  let count = 0;
  for (let i = latest; i >= 0 && count < maxDays; i--) {
    // A day without data is NaN, which compares false and so ends the streak.
    if (!compare(column[i], threshold)) break;
    count++;
  }
  return count;
}

function coverageFact(input: FactInput, params: RawParams): number {
  const values = spanValues(
    input,
    stringParam<NumericMetric>(params, 'metric'),
    numberParam(params, 'days'),
    numberParam(params, 'endOffsetDays'),
  );
  const atLeast = optionalNumber(params, 'atLeast');
  return atLeast === undefined ? values.length : values.filter((v) => v >= atLeast).length;
}

function daysSince(instant: Date | null, input: FactInput): number | null {
  return instant === null ? null : wholeDaysBetween(instant, input.asOf);
}

const FACT_FUNCTIONS: Record<FactName, (input: FactInput, params: RawParams) => number | null> = {
  window: windowFact,
  baseline: windowFact,
  delta: deltaFact,
  percentChange: percentChangeFact,
  zscore: zscoreFact,
  streak: streakFact,
  coverage: coverageFact,
  daysSinceSync: (input) => daysSince(input.series.sync.lastSyncAt, input),
  daysSinceDeviceSync: (input) => daysSince(input.series.sync.lastDeviceSyncAt, input),
  daysWithData: (input, params) =>
    daysWithData(
      input,
      numberParam(params, 'days'),
      numberParam(params, 'endOffsetDays'),
      numberParam(params, 'wearMinutes'),
    ),
  streamsStopped: (input, params) =>
    streamStates(input, {
      days: numberParam(params, 'days'),
      lookbackDays: numberParam(params, 'lookbackDays'),
    }).filter((stream) => stream.stopped).length,
};

/**
 * The value of one fact for one patient and date; null means "not enough data",
 * which makes a condition neither true nor false. `params` must be complete
 * (see `completeFactParams`).
 */
export function computeFact(fact: FactName, params: RawParams, input: FactInput): number | null {
  return FACT_FUNCTIONS[fact](input, params);
}
