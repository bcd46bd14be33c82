/**
 * `dataPoints:rollUp` (physical windows) and `dataPoints:dailyRollUp` (civil
 * days), as the Discovery document health:v4 describes them: a required range,
 * windows aligned on its start and the last one cut at its end, a range cap
 * per data type, pages of windows, and one value shape per data type. A window
 * without data carries an empty value (`"heartRate": {}`), never zeros.
 */
import { DataTypeDefinition, SimulatedDataTypeId } from './data-types';
import { MinuteSamples } from './heart-rate-cadence';
import { JsonWriter } from './json-writer';
import { JsonObject, PointEntry } from './points';
// From the modules themselves: the `../time` barrel's CommonJS re-exports are getters, read per minute here.
import { addDays, DAY_MS, MINUTE_MS } from '../time/civil-time';
import { rfc3339 } from './time';

/** The types Vigil reads that Google rolls up; daily-* and sleep are list/reconcile only. */
const ROLLED_UP: ReadonlySet<SimulatedDataTypeId> = new Set([
  'heart-rate',
  'steps',
  'active-minutes',
  'weight',
]);

/** Discovery: 14 days for heart-rate and active-minutes (and calories types), 90 for the rest. */
export function maxRollUpDays(dataType: SimulatedDataTypeId): number {
  return dataType === 'heart-rate' || dataType === 'active-minutes' ? 14 : 90;
}

export const ROLL_UP_DEFAULT_PAGE_SIZE = 1440;
export const ROLL_UP_MAX_PAGE_SIZE = 10_000;

/** A bad request: answered 400 INVALID_ARGUMENT with this message. */
export class RollUpRequestError extends Error {}

export function assertRolledUp(dataType: DataTypeDefinition): void {
  if (!ROLLED_UP.has(dataType.id))
    throw new RollUpRequestError(
      `Data type "${dataType.id}" does not support roll-ups; use list or reconcile.`,
    );
}

/** What a window collects from its points before it becomes a value. */
class WindowValue {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  readonly levels = new Map<string, number>();

  /** The first `seen` samples of a minute, all in this window. */
  addMinute(samples: MinuteSamples, seen: number): void {
    if (seen === samples.values.length) {
      // Whole numbers: the totals are exactly the sums of the samples added one by one.
      this.count += seen;
      this.sum += samples.sum;
      this.min = Math.min(this.min, samples.min);
      this.max = Math.max(this.max, samples.max);
      return;
    }
    for (let k = 0; k < seen; k++) {
      const value = samples.values[k];
      this.count++;
      this.sum += value;
      this.min = Math.min(this.min, value);
      this.max = Math.max(this.max, value);
    }
  }

  add(dataType: SimulatedDataTypeId, entry: PointEntry): void {
    this.count++;
    if (dataType === 'heart-rate' || dataType === 'steps') {
      const value = (entry as PointEntry & { value: number }).value;
      this.sum += value;
      this.min = Math.min(this.min, value);
      this.max = Math.max(this.max, value);
    } else if (dataType === 'weight') {
      this.sum += ((entry.build().weight as JsonObject).weightGrams as number) ?? 0;
    } else {
      const active = entry.build().activeMinutes as JsonObject;
      for (const level of active.activeMinutesByActivityLevel as JsonObject[]) {
        const name = level.activityLevel as string;
        this.levels.set(name, (this.levels.get(name) ?? 0) + Number(level.activeMinutes));
      }
    }
  }

  /** The value shape of the data type (HeartRateRollupValue, StepsRollupValue, ...). */
  json(dataType: SimulatedDataTypeId): JsonObject {
    if (this.count === 0) return {};
    switch (dataType) {
      case 'heart-rate':
        return {
          beatsPerMinuteMin: this.min,
          beatsPerMinuteAvg: this.sum / this.count,
          beatsPerMinuteMax: this.max,
        };
      case 'steps':
        return { countSum: String(this.sum) };
      case 'weight':
        return { weightGramsAvg: this.sum / this.count };
      default:
        return {
          activeMinutesRollupByActivityLevel: [...this.levels].map(([activityLevel, sum]) => ({
            activityLevel,
            activeMinutesSum: String(sum),
          })),
        };
    }
  }
}

export interface WindowPage {
  /** Index of the first window of the page. */
  first: number;
  /** Windows on the page. */
  count: number;
  /** Windows in the whole range. */
  total: number;
}

/** The page of windows `skip..` of `total`, `pageSize` at most. */
export function windowPage(total: number, skip: number, pageSize: number): WindowPage {
  return { first: skip, count: Math.max(0, Math.min(pageSize, total - skip)), total };
}

/** Heart rate and steps add up plain values; the other types keep their points. */
export function isNumericRollUp(dataType: SimulatedDataTypeId): boolean {
  return dataType === 'heart-rate' || dataType === 'steps';
}

/**
 * Visits the minutes of a generated day a roll-up of heart rate or steps adds
 * up: the first `count` of each minute's samples, `spacingMs` apart from `startMs`.
 */
export type EachMinute = (
  date: string,
  visit: (
    startMs: number,
    spacingMs: number,
    samples: MinuteSamples,
    count: number,
    /** The UTC offset the minute's samples carry (their civil time). */
    offsetSeconds: number,
  ) => void,
) => void;

/** `String(n)`, from a table for the small whole numbers most windows hold: V8 prints doubles slowly. */
const SMALL_WHOLE = Array.from({ length: 1024 }, (_, n) => String(n));
function numberText(n: number): string {
  return Number.isInteger(n) && n >= 0 && n < SMALL_WHOLE.length ? SMALL_WHOLE[n] : String(n);
}

/**
 * Physical windows: [start + k*size, start + (k+1)*size), the last cut at the
 * range's end. Writes the page as a JSON array; answers how many windows it holds.
 */
export function physicalWindows(
  dataType: DataTypeDefinition,
  startMs: number,
  endMs: number,
  windowMs: number,
  page: WindowPage,
  days: {
    dates: (fromMs: number, toMs: number) => string[];
    entriesOn: (date: string) => PointEntry[];
    eachMinute: EachMinute;
  },
  out: JsonWriter,
): number {
  const pageStart = startMs + page.first * windowMs;
  const pageEnd = Math.min(endMs, startMs + (page.first + page.count) * windowMs);
  let value: (i: number) => string;
  if (isNumericRollUp(dataType.id)) {
    const count = new Uint32Array(page.count);
    const sum = new Float64Array(page.count);
    const min = new Float64Array(page.count).fill(Infinity);
    const max = new Float64Array(page.count).fill(-Infinity);
    const add = (i: number, samples: number, total: number, lowest: number, highest: number) => {
      count[i] += samples;
      sum[i] += total;
      if (lowest < min[i]) min[i] = lowest;
      if (highest > max[i]) max[i] = highest;
    };
    const windowOf = (at: number): number =>
      at < pageStart || at >= pageEnd ? -1 : Math.floor((at - pageStart) / windowMs);
    for (const date of days.dates(pageStart, pageEnd)) {
      days.eachMinute(date, (startMs, spacingMs, samples, seen) => {
        const i = windowOf(startMs);
        // A whole minute in one window adds its totals: values are whole numbers, so
        // they are exactly the sums of its samples added one by one.
        if (
          i >= 0 &&
          seen === samples.values.length &&
          windowOf(startMs + (seen - 1) * spacingMs) === i
        ) {
          add(i, seen, samples.sum, samples.min, samples.max);
          return;
        }
        for (let k = 0; k < seen; k++) {
          const at = windowOf(startMs + k * spacingMs);
          const value = samples.values[k];
          if (at >= 0) add(at, 1, value, value, value);
        }
      });
    }
    // The same text JSON.stringify gives for the value shapes below.
    value =
      dataType.id === 'heart-rate'
        ? (i) =>
            count[i] === 0
              ? '{}'
              : `{"beatsPerMinuteMin":${numberText(min[i])},"beatsPerMinuteAvg":${numberText(sum[i] / count[i])},"beatsPerMinuteMax":${numberText(max[i])}}`
        : (i) => (count[i] === 0 ? '{}' : `{"countSum":"${numberText(sum[i])}"}`);
  } else {
    const values = Array.from({ length: page.count }, () => new WindowValue());
    for (const date of days.dates(pageStart, pageEnd)) {
      for (const entry of days.entriesOn(date)) {
        if (entry.startMs < pageStart || entry.startMs >= pageEnd) continue;
        values[Math.floor((entry.startMs - pageStart) / windowMs)].add(dataType.id, entry);
      }
    }
    value = (i) => JSON.stringify(values[i].json(dataType.id));
  }
  const key = dataType.payloadKey;
  out.raw('[');
  for (let i = 0; i < page.count; i++) {
    const at = pageStart + i * windowMs;
    const endAt = Math.min(endMs, at + windowMs);
    const opening =
      windowMs === MINUTE_MS && at % MINUTE_MS === 0 && endAt === at + MINUTE_MS
        ? minuteWindowOpening(key, at)
        : `{"startTime":"${rfc3339(at)}","endTime":"${rfc3339(endAt)}","${key}":`;
    out.raw(`${i > 0 ? ',' : ''}${opening}${value(i)}}`);
  }
  out.raw(']');
  return page.count;
}

/** Days of 1-minute window openings kept: a day's first syncs of a cohort cover about a week. */
const OPENING_DAYS_KEPT = 32;
const openingsByDay = new Map<string, Map<number, string[]>>();

/**
 * `{"startTime":"...","endTime":"...","<payload key>":` of the 1-minute window
 * at a whole minute, kept for the days asked about last. Every patient's
 * roll-ups cover the same minutes, and text V8 has flattened once is written
 * at memory speed: made anew for each answer, its pieces cost more to write
 * than anything else in a roll-up.
 */
function minuteWindowOpening(payloadKey: string, startMs: number): string {
  let days = openingsByDay.get(payloadKey);
  if (days === undefined) {
    days = new Map();
    openingsByDay.set(payloadKey, days);
  }
  const day = Math.floor(startMs / DAY_MS);
  let openings = days.get(day);
  if (openings === undefined) {
    openings = new Array<string>(1440);
    if (days.size >= OPENING_DAYS_KEPT) days.delete(days.keys().next().value as number);
    days.set(day, openings);
  }
  const minute = (startMs - day * DAY_MS) / MINUTE_MS;
  return (openings[minute] ??=
    `{"startTime":"${rfc3339(startMs)}","endTime":"${rfc3339(startMs + MINUTE_MS)}","${payloadKey}":`);
}

/** A civil date-time `YYYY-MM-DDTHH:mm:ss` as CivilDateTime JSON (zero time fields omitted). */
function civilJson(civil: string): JsonObject {
  const date = {
    year: Number(civil.slice(0, 4)),
    month: Number(civil.slice(5, 7)),
    day: Number(civil.slice(8, 10)),
  };
  const time: JsonObject = {};
  const [hours, minutes, seconds] = civil.slice(11).split(':').map(Number);
  if (hours) time.hours = hours;
  if (minutes) time.minutes = minutes;
  if (seconds) time.seconds = seconds;
  return Object.keys(time).length > 0 ? { date, time } : { date };
}

/** Civil windows of `days` days from a midnight, the last cut at the range's (civil) end. */
export function civilWindows(
  dataType: DataTypeDefinition,
  startDate: string,
  endCivil: string,
  days: number,
  page: WindowPage,
  entriesOn: (date: string) => PointEntry[],
  eachMinute: EachMinute,
): JsonObject[] {
  const windowStart = (k: number): string => `${addDays(startDate, k * days)}T00:00:00`;
  const windowEnd = (k: number): string => {
    const end = windowStart(k + 1);
    return end < endCivil ? end : endCivil;
  };
  const values = Array.from({ length: page.count }, () => new WindowValue());
  const pageStart = windowStart(page.first);
  const pageEnd = windowEnd(page.first + page.count - 1);
  // A point's civil time lies within a day of the local date it was generated on.
  const lastDate = addDays(pageEnd.slice(0, 10), 1);
  const firstDayMs = Date.parse(`${pageStart.slice(0, 10)}T00:00:00Z`);
  // Thousands of points share a civil date: its window is found once.
  const windowOf = new Map<string, WindowValue>();
  if (isNumericRollUp(dataType.id)) {
    // Heart rate and steps: a minute's samples share its offset, and a minute lies
    // within one civil day (offsets are whole minutes), so minutes add up whole.
    const pageStartMs = Date.parse(`${pageStart}Z`);
    const pageEndMs = Date.parse(`${pageEnd}Z`);
    for (let date = addDays(pageStart.slice(0, 10), -1); date <= lastDate; date = addDays(date, 1))
      eachMinute(date, (startMs, spacingMs, samples, seen, offsetSeconds) => {
        const civilMs = startMs + offsetSeconds * 1000;
        const lastMs = civilMs + (seen - 1) * spacingMs;
        if (lastMs < pageStartMs || civilMs >= pageEndMs) return;
        const windowAt = (ms: number) =>
          values[Math.floor(Math.floor((ms - firstDayMs) / DAY_MS) / days)];
        if (
          civilMs >= pageStartMs &&
          lastMs < pageEndMs &&
          windowAt(civilMs) === windowAt(lastMs)
        ) {
          windowAt(civilMs).addMinute(samples, seen);
          return;
        }
        // A range that ends within a minute: sample by sample.
        for (let k = 0; k < seen; k++) {
          const at = civilMs + k * spacingMs;
          const value = samples.values[k];
          if (at >= pageStartMs && at < pageEndMs)
            windowAt(at).addMinute({ values: [value], sum: value, min: value, max: value }, 1);
        }
      });
    return civilJsonOf(values);
  }
  for (let date = addDays(pageStart.slice(0, 10), -1); date <= lastDate; date = addDays(date, 1)) {
    for (const entry of entriesOn(date)) {
      const civil = entry.civilStart;
      if (civil < pageStart || civil >= pageEnd) continue;
      const civilDate = civil.slice(0, 10);
      let value = windowOf.get(civilDate);
      if (value === undefined) {
        const dayIndex = Math.round((Date.parse(`${civilDate}T00:00:00Z`) - firstDayMs) / DAY_MS);
        value = values[Math.floor(dayIndex / days)];
        windowOf.set(civilDate, value);
      }
      value.add(dataType.id, entry);
    }
  }
  return civilJsonOf(values);

  function civilJsonOf(windows: WindowValue[]): JsonObject[] {
    return windows.map((value, i) => {
      const k = page.first + i;
      return {
        civilStartTime: civilJson(windowStart(k)),
        civilEndTime: civilJson(windowEnd(k)),
        [dataType.payloadKey]: value.json(dataType.id),
      };
    });
  }
}
