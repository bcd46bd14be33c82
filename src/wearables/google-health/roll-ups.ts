import { MINUTE_MS, zoneOffsetSeconds } from '../../time';
import { DataTypeId, GOOGLE_HEALTH_DATA_TYPES } from './data-types';
import { isJsonObject, requireCount, requireNumber, requireTimestamp } from './json-fields';
import { MalformedResponseError } from './malformed-response-error';
import { HeartRateSample, StepsInterval } from './points';

/**
 * `dataPoints:rollUp` answers: one value per physical window, validated as
 * strictly as list pages, and turned into the points downsampling already
 * reads, so the daily aggregates do not care which way the minutes came.
 */

/** The intraday types Vigil reads by roll-up: every column they feed needs only minute values. */
export type RolledUpType = 'heart-rate' | 'steps';

export const ROLLED_UP_TYPES: readonly RolledUpType[] = ['heart-rate', 'steps'];

/** Google's range cap per roll-up call (Discovery: 14 days for heart rate, 90 for steps). */
export const ROLL_UP_MAX_DAYS: Readonly<Record<RolledUpType, number>> = {
  'heart-rate': 14,
  steps: 90,
};

/** One `dataPoints:rollUp` call over [startTime, endTime), followed to its last page. */
export interface RollUpQuery {
  dataType: RolledUpType;
  startTime: number;
  endTime: number;
  windowSeconds: number;
  pageSize: number;
  /** `users/me/dataSourceFamilies/...`, or null for every source. */
  dataSourceFamily: string | null;
  /** Keep each window's every figure as text (a fingerprint's, ingest/minutes-check.ts). */
  figures?: true;
}

/** One window; `value` is the mean rate (heart rate) or the step count, null when it had no data. */
export interface RollUpWindow {
  startTime: number;
  endTime: number;
  value: number | null;
  /** When the query asked: heart rate's `min/mean/max`, the step count, `-` without data. */
  figures?: string;
}

export interface RollUpPage {
  windows: RollUpWindow[];
  nextPageToken: string | null;
}

/** The JSON body of one page's request. */
export function rollUpBody(query: RollUpQuery, pageToken: string | null): string {
  return JSON.stringify({
    range: {
      startTime: new Date(query.startTime).toISOString(),
      endTime: new Date(query.endTime).toISOString(),
    },
    windowSize: `${query.windowSeconds}s`,
    pageSize: query.pageSize,
    ...(query.dataSourceFamily ? { dataSourceFamily: query.dataSourceFamily } : {}),
    ...(pageToken ? { pageToken } : {}),
  });
}

/** The fields of each type's roll-up value (HeartRateRollupValue, StepsRollupValue). */
const ROLL_UP_VALUE_FIELDS: Readonly<Record<RolledUpType, readonly string[]>> = {
  'heart-rate': ['beatsPerMinuteMin', 'beatsPerMinuteAvg', 'beatsPerMinuteMax'],
  steps: ['countSum'],
};

/** The list readers name fields under this prefix; a roll-up error names its own JSON path. */
const LIST_PREFIX = 'dataPoints[0].';

/**
 * Validates one page against the query: windows in time order, each starting
 * where the one before ended (`expectedStart` for the first), a window long or
 * cut at the range's end, the type's value shape or an empty value. Throws
 * {@link MalformedResponseError} naming the type and the field.
 */
export function parseRollUpPage(
  query: RollUpQuery,
  body: unknown,
  expectedStart: number,
): RollUpPage {
  const label = `${query.dataType} rollupDataPoints`;
  if (!isJsonObject(body)) throw new MalformedResponseError(label, 'expected a JSON object');
  const raw = body.rollupDataPoints ?? [];
  if (!Array.isArray(raw)) throw new MalformedResponseError(label, 'expected an array');
  const token = body.nextPageToken ?? '';
  if (typeof token !== 'string')
    throw new MalformedResponseError(`${query.dataType} nextPageToken`, 'expected a string');
  const payloadKey = GOOGLE_HEALTH_DATA_TYPES[query.dataType].payloadKey;
  const known = ROLL_UP_VALUE_FIELDS[query.dataType];
  const windowMs = query.windowSeconds * 1000;
  const windows = new Array<RollUpWindow>(raw.length);
  let start = expectedStart;
  // A window starts where the one before ended: the same text need not be parsed twice.
  let endText: unknown = undefined;
  for (let i = 0; i < raw.length; i++) {
    const window = raw[i] as unknown;
    if (!isJsonObject(window))
      throw new MalformedResponseError(windowPath(label, i), 'expected an object');
    let valueKeys = 0;
    for (const key in window) {
      if (key !== 'startTime' && key !== 'endTime' && key !== payloadKey)
        throw new MalformedResponseError(
          `${windowPath(label, i)}.${key}`,
          `not a ${query.dataType} roll-up value`,
        );
    }
    let startTime: number;
    let endTime: number;
    let reading: number | null = null;
    try {
      const startText = window.startTime;
      startTime =
        startText === endText && i > 0 ? start : requireTimestamp(startText, 0, 'startTime');
      endText = window.endTime;
      endTime = requireTimestamp(endText, 0, 'endTime');
      if (startTime !== start || startTime >= query.endTime)
        throw new MalformedResponseError(
          `${LIST_PREFIX}startTime`,
          'expected windows in time order, each starting where the one before ended',
        );
      if (endTime !== Math.min(startTime + windowMs, query.endTime))
        throw new MalformedResponseError(
          `${LIST_PREFIX}endTime`,
          'expected the window size, or the end of the range',
        );
      const value = window[payloadKey];
      if (value === undefined || value === null)
        throw new MalformedResponseError(LIST_PREFIX + payloadKey, 'required field is missing');
      if (!isJsonObject(value))
        throw new MalformedResponseError(LIST_PREFIX + payloadKey, 'expected an object');
      for (const key in value) {
        if (!known.includes(key))
          throw new MalformedResponseError(
            `${LIST_PREFIX}${payloadKey}.${key}`,
            'unknown value field',
          );
        valueKeys++;
      }
      if (valueKeys > 0) reading = readRollUpValue(query.dataType, value);
    } catch (error) {
      throw onWindow(error, windowPath(label, i));
    }
    windows[i] =
      query.figures === true
        ? {
            startTime,
            endTime,
            value: reading,
            figures: figuresText(query.dataType, window, reading),
          }
        : { startTime, endTime, value: reading };
    start = endTime;
  }
  const nextPageToken = token === '' ? null : token;
  if (nextPageToken !== null && raw.length === 0)
    throw new MalformedResponseError(label, 'expected windows on a page that has a next page');
  if (nextPageToken === null && start !== query.endTime)
    throw new MalformedResponseError(
      label,
      'expected windows up to the end of the range (the answer was cut short)',
    );
  return { windows, nextPageToken };
}

/** A validated window's figures as text: heart rate's minimum, mean and maximum, the step count. */
function figuresText(
  dataType: RolledUpType,
  window: Record<string, unknown>,
  reading: number | null,
): string {
  if (reading === null || dataType === 'steps') return windowFigures(reading);
  const value = window[GOOGLE_HEALTH_DATA_TYPES[dataType].payloadKey] as Record<string, unknown>;
  return windowFigures(reading, Number(value.beatsPerMinuteMin), Number(value.beatsPerMinuteMax));
}

/**
 * The text the minutes check hashes for a window (minutes-check.ts), spelled
 * once for both readers of roll-up pages: '-' for no data, the step count, or
 * heart rate's minimum, mean and maximum.
 */
export function windowFigures(reading: number | null, min?: number, max?: number): string {
  if (reading === null) return '-';
  return min === undefined ? String(reading) : `${min}/${reading}/${max}`;
}

/** Paths are built only for an error: a page holds 10,000 windows. */
function windowPath(label: string, index: number): string {
  return `${label}[${index}]`;
}

/** A list reader's error (`dataPoints[0].field`) as the roll-up window's own path. */
function onWindow(error: unknown, at: string): unknown {
  if (!(error instanceof MalformedResponseError) || !error.path.startsWith(LIST_PREFIX))
    return error;
  const field = error.path.slice(LIST_PREFIX.length);
  return new MalformedResponseError(`${at}.${field}`, error.message.slice(error.path.length + 2));
}

const HEART_RATE_MIN = 'heartRate.beatsPerMinuteMin';
const HEART_RATE_AVG = 'heartRate.beatsPerMinuteAvg';
const HEART_RATE_MAX = 'heartRate.beatsPerMinuteMax';

/** A non-empty value's reading (the mean rate, the step count), its fields checked; errors name `dataPoints[0].<field>`. */
function readRollUpValue(dataType: RolledUpType, value: Record<string, unknown>): number {
  if (dataType === 'steps') return requireCount(value.countSum, 0, 'steps.countSum');
  const min = requireNumber(value.beatsPerMinuteMin, 0, HEART_RATE_MIN);
  const avg = requireNumber(value.beatsPerMinuteAvg, 0, HEART_RATE_AVG);
  const max = requireNumber(value.beatsPerMinuteMax, 0, HEART_RATE_MAX);
  if (!(min > 0 && min <= avg && avg <= max))
    throw new MalformedResponseError(
      LIST_PREFIX + HEART_RATE_AVG,
      'expected 0 < minimum <= average <= maximum',
    );
  return avg;
}

/**
 * Minute windows as the points a list gives, newest first as a list sends
 * them: a worn minute becomes one heart-rate sample at its mean rate, a
 * minute with step data one interval (zero steps stays a zero; a minute
 * without step data gives nothing, as in a list). Roll-ups carry no UTC offset:
 * each minute's local date comes from the patient's zone.
 */
export function pointsFromRollUp(
  dataType: 'heart-rate',
  windows: readonly RollUpWindow[],
  timeZone: string,
): HeartRateSample[];
export function pointsFromRollUp(
  dataType: 'steps',
  windows: readonly RollUpWindow[],
  timeZone: string,
): StepsInterval[];
export function pointsFromRollUp(
  dataType: RolledUpType,
  windows: readonly RollUpWindow[],
  timeZone: string,
): (HeartRateSample | StepsInterval)[] {
  const points: (HeartRateSample | StepsInterval)[] = [];
  const offsets = new ZoneOffsets(timeZone);
  for (let i = windows.length - 1; i >= 0; i--) {
    const w = windows[i];
    if (w.value === null) continue;
    const offset = offsets.at(w.startTime);
    // Roll-ups are reconciled across sources: no platform, nothing to de-duplicate.
    if (dataType === 'heart-rate') {
      points.push({
        platform: null,
        time: w.startTime,
        utcOffsetSeconds: offset,
        beatsPerMinute: w.value,
      });
    } else {
      points.push({
        platform: null,
        startTime: w.startTime,
        endTime: w.endTime,
        startUtcOffsetSeconds: offset,
        endUtcOffsetSeconds: offsets.at(w.endTime),
        count: w.value,
      });
    }
  }
  return points;
}

/** Minutes must line up with the physical minutes a list's samples fall in. */
export const ROLL_UP_WINDOW_SECONDS = MINUTE_MS / 1000;

export function isRolledUp(dataType: DataTypeId): dataType is RolledUpType {
  return (ROLLED_UP_TYPES as readonly string[]).includes(dataType);
}

const QUARTER_HOUR_MS = 15 * 60_000;
/** Offsets by zone and quarter hour, shared by every patient in the zone. */
const offsetsByZone = new Map<string, Map<number, number>>();
let cachedOffsets = 0;

/**
 * A zone's offsets for consecutive windows. Zones change offset on quarter
 * hours at most, so one lookup serves the 15 minutes of a quarter hour.
 */
class ZoneOffsets {
  private slot = NaN;
  private offset = 0;
  private readonly known: Map<number, number>;

  constructor(private readonly timeZone: string) {
    let known = offsetsByZone.get(timeZone);
    if (known === undefined) {
      known = new Map();
      offsetsByZone.set(timeZone, known);
    }
    this.known = known;
  }

  at(epochMs: number): number {
    const slot = Math.floor(epochMs / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
    if (slot === this.slot) return this.offset;
    let offset = this.known.get(slot);
    if (offset === undefined) {
      offset = zoneOffsetSeconds(this.timeZone, slot);
      if (++cachedOffsets > 100_000) {
        for (const zone of offsetsByZone.values()) zone.clear();
        cachedOffsets = 1;
      }
      this.known.set(slot, offset);
    }
    this.slot = slot;
    this.offset = offset;
    return offset;
  }
}
