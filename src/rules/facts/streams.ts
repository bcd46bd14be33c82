import type { MetricName, NumericMetric } from '../../aggregates/daily-aggregate';
import { METRIC_SOURCES } from '../../aggregates/metric-sources';
import type { DataTypeId } from '../../wearables/google-health/data-types';
import { dateOfDayNumber } from '../../time';
import type { FactInput } from './compute-fact';

/**
 * The patient's data streams, each read from the daily metric that says the
 * stream delivered that day: heart rate (minutes worn), steps (known, see
 * steps-plausibility.ts), sleep (any session) and weight (a weigh-in). A
 * patient is watched while any of them arrives, and a stream that stops while
 * others arrive is named, so staff know which one to ask about.
 */
export const STREAMS = [
  { key: 'heartRate', name: 'heart rate', metric: 'wearMinutes' },
  { key: 'steps', name: 'steps', metric: 'steps' },
  { key: 'sleep', name: 'sleep', metric: 'sleepTotalMinutes' },
  { key: 'weight', name: 'weight', metric: 'weightKg' },
] as const satisfies readonly { key: string; name: string; metric: NumericMetric }[];

export type StreamKey = (typeof STREAMS)[number]['key'];

export const STREAM_METRICS: readonly NumericMetric[] = STREAMS.map((stream) => stream.metric);

/** Days back that decide whether a stream arrived regularly before it stopped. */
export const DEFAULT_LOOKBACK_DAYS = 28;

export interface StreamWindow {
  /** The recent days, counting the evaluation date. */
  days: number;
  /** The days before them in which a stream must have been regular to have "stopped". */
  lookbackDays: number;
}

export interface StreamState {
  key: StreamKey;
  name: string;
  /** Delivered on at least one of the recent days. */
  arriving: boolean;
  /** Arrived on at least half of the lookback days that had any data, and not recently. */
  stopped: boolean;
  /** The last date it delivered, up to the evaluation date; null if never. */
  lastDate: string | null;
}

/**
 * The least value that says a stream delivered that day: heart rate counts
 * from `wearMinutes` minutes worn, the others from any value (NaN, a day
 * without data, is never at least anything).
 */
function leastOf(metric: NumericMetric, wearMinutes: number): number {
  return metric === 'wearMinutes' ? wearMinutes : -Infinity;
}

/**
 * Each stream's state at the evaluation date. A minute or two of heart rate is
 * not a worn watch: heart rate counts from `wearMinutes` minutes a day.
 */
export function streamStates(
  input: FactInput,
  window: StreamWindow,
  wearMinutes = 1,
): StreamState[] {
  const { series } = input;
  const today = input.day;
  const recentFirst = today - window.days + 1;
  const lookbackFirst = recentFirst - window.lookbackDays;
  const columns = STREAMS.map((stream) => series.column(stream.metric));
  // Loops run over the days the series holds: outside them no stream has data.
  const lookbackFrom = Math.max(lookbackFirst, 0);
  const lookbackTo = Math.min(recentFirst, series.length); // exclusive
  const recentFrom = Math.max(recentFirst, 0);
  const recentTo = Math.min(today, series.length - 1); // inclusive
  let daysWithAny = 0;
  for (let i = lookbackFrom; i < lookbackTo; i++) {
    if (columns.some((column) => !Number.isNaN(column[i]))) daysWithAny++;
  }
  return STREAMS.map((stream, k) => {
    const column = columns[k];
    const least = leastOf(stream.metric, wearMinutes);
    let arriving = false;
    for (let i = recentFrom; i <= recentTo && !arriving; i++) arriving = column[i] >= least;
    let before = 0;
    for (let i = lookbackFrom; i < lookbackTo; i++) if (column[i] >= least) before++;
    let lastDate: string | null = null;
    for (let i = recentTo; i >= 0; i--) {
      if (column[i] >= least) {
        lastDate = dateOfDayNumber(series.firstDay + i);
        break;
      }
    }
    const regular = before > 0 && before * 2 >= daysWithAny;
    return {
      key: stream.key,
      name: stream.name,
      arriving,
      stopped: regular && !arriving,
      lastDate,
    };
  });
}

/** Days of the window on which any stream delivered (heart rate from `wearMinutes`). */
export function daysWithData(
  input: FactInput,
  days: number,
  endOffsetDays: number,
  wearMinutes: number,
): number {
  const last = input.day - endOffsetDays;
  const columns = STREAMS.map((stream) => input.series.column(stream.metric));
  const least = STREAMS.map((stream) => leastOf(stream.metric, wearMinutes));
  let count = 0;
  for (let i = Math.max(last - days + 1, 0); i <= Math.min(last, input.series.length - 1); i++) {
    if (columns.some((column, k) => column[i] >= least[k])) count++;
  }
  return count;
}

/** "heart rate stopped 2026-11-18; steps still arriving", in the clinic's words. */
export function describeStreams(states: readonly StreamState[]): string {
  const stopped = states
    .filter((s) => s.stopped)
    .map((s) => `${s.name} stopped ${s.lastDate ?? 'long ago'}`);
  const arriving = states.filter((s) => s.arriving).map((s) => s.name);
  const parts = [...stopped];
  if (arriving.length > 0) parts.push(`${joinNames(arriving)} still arriving`);
  else parts.push('no data arriving');
  return parts.join('; ');
}

function joinNames(names: readonly string[]): string {
  return names.length <= 1
    ? names.join('')
    : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * The stream each Google Health data type arrives with. The nightly readings
 * (HRV, SpO2, breathing, skin temperature) come from the wrist sensors, so
 * from heart rate; active minutes are counted with the steps.
 */
export const STREAM_OF_DATA_TYPE: Readonly<Record<DataTypeId, StreamKey>> = {
  steps: 'steps',
  'active-minutes': 'steps',
  'heart-rate': 'heartRate',
  'daily-resting-heart-rate': 'heartRate',
  'daily-heart-rate-variability': 'heartRate',
  'daily-oxygen-saturation': 'heartRate',
  'daily-respiratory-rate': 'heartRate',
  'daily-sleep-temperature-derivations': 'heartRate',
  sleep: 'sleep',
  weight: 'weight',
};

/**
 * The streams a metric is measured from: those of the data types it cannot be
 * computed without (METRIC_SOURCES' `from`). Vigil's resting estimate needs
 * known steps to tell still minutes, so it needs heart rate and steps; steps
 * only refine with heart rate, so steps need steps alone.
 */
export function streamsOfMetric(metric: MetricName): StreamKey[] {
  const keys = new Set(METRIC_SOURCES[metric].from.map((type) => STREAM_OF_DATA_TYPE[type]));
  return STREAMS.map((stream) => stream.key).filter((key) => keys.has(key));
}

export function streamsOfMetrics(metrics: readonly NumericMetric[]): StreamKey[] {
  const keys = new Set(metrics.flatMap(streamsOfMetric));
  return STREAMS.map((stream) => stream.key).filter((key) => keys.has(key));
}

/**
 * The outcome value that says a stream is in the gap (1) or arriving (0),
 * kept with the outcome of a rule that watches the streams (monitoring-gap),
 * so a rule it inhibits is held back only for the streams that rule reads.
 */
export const GAP_FACT_PREFIX = 'streamInGap.';

const GAP_FACT_KEYS = Object.fromEntries(
  STREAMS.map((s) => [s.key, `${GAP_FACT_PREFIX}${s.key}`]),
) as Record<StreamKey, string>;

/**
 * The streams a monitoring gap covers: every stream when no day of the recent
 * ones had data (a sync gap, a watch in a drawer, heart rate worn too little to
 * count), else the regular streams that stopped while others still arrive.
 */
export function gapFacts(
  states: readonly StreamState[],
  noneArriving: boolean,
): Record<string, number> {
  const facts: Record<string, number> = {};
  for (const s of states) facts[GAP_FACT_KEYS[s.key]] = noneArriving || s.stopped ? 1 : 0;
  return facts;
}

/**
 * The streams an inhibitor's outcome facts put in the gap; null when its
 * outcome says nothing about streams (then it holds back every rule).
 */
export function streamsInGap(facts: Readonly<Record<string, number | null>> | undefined) {
  if (facts === undefined) return null;
  const said = STREAMS.filter((s) => typeof facts[`${GAP_FACT_PREFIX}${s.key}`] === 'number');
  if (said.length === 0) return null;
  return said.filter((s) => facts[`${GAP_FACT_PREFIX}${s.key}`] === 1).map((s) => s.key);
}
