import { NumericMetric } from '../../aggregates/daily-aggregate';
import { dateOfDayNumber } from '../../time';
import type { FactInput } from './compute-fact';

/**
 * The patient's data streams, each read from the daily metric that says the
 * stream delivered that day: heart rate (minutes worn), steps (known, see
 * steps-plausibility.ts), sleep (any session) and weight (a weigh-in). A
 * patient is watched while any of them arrives, and a stream that stops while
 * others arrive is named, so staff know which one to ask about.
 */
export const STREAMS: readonly { name: string; metric: NumericMetric }[] = [
  { name: 'heart rate', metric: 'wearMinutes' },
  { name: 'steps', metric: 'steps' },
  { name: 'sleep', metric: 'sleepTotalMinutes' },
  { name: 'weight', metric: 'weightKg' },
];

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
  name: string;
  /** Delivered on at least one of the recent days. */
  arriving: boolean;
  /** Arrived on at least half of the lookback days that had any data, and not recently. */
  stopped: boolean;
  /** The last date it delivered, up to the evaluation date; null if never. */
  lastDate: string | null;
}

function present(column: Float64Array, i: number, metric: NumericMetric, wearMinutes: number) {
  const value = column[i];
  if (Number.isNaN(value)) return false;
  return metric === 'wearMinutes' ? value >= wearMinutes : true;
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
  const today = input.day;
  const recentFirst = today - window.days + 1;
  const lookbackFirst = recentFirst - window.lookbackDays;
  const columns = STREAMS.map((stream) => input.series.column(stream.metric));
  const inRange = (i: number) => i >= 0 && i < input.series.length;
  let daysWithAny = 0;
  for (let i = lookbackFirst; i < recentFirst; i++) {
    if (inRange(i) && columns.some((c) => !Number.isNaN(c[i]))) daysWithAny++;
  }
  return STREAMS.map((stream, k) => {
    const column = columns[k];
    let arriving = false;
    for (let i = recentFirst; i <= today; i++) {
      if (inRange(i) && present(column, i, stream.metric, wearMinutes)) arriving = true;
    }
    let before = 0;
    for (let i = lookbackFirst; i < recentFirst; i++) {
      if (inRange(i) && present(column, i, stream.metric, wearMinutes)) before++;
    }
    let lastDate: string | null = null;
    for (let i = Math.min(today, input.series.length - 1); i >= 0; i--) {
      if (present(column, i, stream.metric, wearMinutes)) {
        lastDate = dateOfDayNumber(input.series.firstDay + i);
        break;
      }
    }
    const regular = before > 0 && before * 2 >= daysWithAny;
    return { name: stream.name, arriving, stopped: regular && !arriving, lastDate };
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
  let count = 0;
  for (let i = Math.max(last - days + 1, 0); i <= Math.min(last, input.series.length - 1); i++) {
    if (STREAMS.some((stream, k) => present(columns[k], i, stream.metric, wearMinutes))) count++;
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
