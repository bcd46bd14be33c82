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
}

/** One window; `value` is the mean rate (heart rate) or the step count, null when it had no data. */
export interface RollUpWindow {
  startTime: number;
  endTime: number;
  value: number | null;
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

const VALUE_FIELDS: Readonly<Record<RolledUpType, readonly string[]>> = {
  'heart-rate': ['beatsPerMinuteMin', 'beatsPerMinuteAvg', 'beatsPerMinuteMax'],
  steps: ['countSum'],
};

/** Reads a field with the list readers, naming the roll-up's own JSON path when it fails. */
function field<T>(path: string, read: (index: number, name: string) => T): T {
  try {
    return read(0, 'x');
  } catch (error) {
    if (!(error instanceof MalformedResponseError)) throw error;
    throw new MalformedResponseError(path, error.message.slice(error.path.length + 2));
  }
}

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
  const known = VALUE_FIELDS[query.dataType];
  const windowMs = query.windowSeconds * 1000;
  const windows = new Array<RollUpWindow>(raw.length);
  let start = expectedStart;
  for (let i = 0; i < raw.length; i++) {
    const at = `${label}[${i}]`;
    const window = raw[i] as unknown;
    if (!isJsonObject(window)) throw new MalformedResponseError(at, 'expected an object');
    for (const key in window) {
      if (key !== 'startTime' && key !== 'endTime' && key !== payloadKey)
        throw new MalformedResponseError(`${at}.${key}`, `not a ${query.dataType} roll-up value`);
    }
    const startTime = field(`${at}.startTime`, (n, f) => requireTimestamp(window.startTime, n, f));
    const endTime = field(`${at}.endTime`, (n, f) => requireTimestamp(window.endTime, n, f));
    if (startTime !== start || startTime >= query.endTime)
      throw new MalformedResponseError(
        `${at}.startTime`,
        'expected windows in time order, each starting where the one before ended',
      );
    if (endTime !== Math.min(startTime + windowMs, query.endTime))
      throw new MalformedResponseError(
        `${at}.endTime`,
        'expected the window size, or the end of the range',
      );
    const value = window[payloadKey];
    if (value === undefined || value === null)
      throw new MalformedResponseError(`${at}.${payloadKey}`, 'required field is missing');
    if (!isJsonObject(value))
      throw new MalformedResponseError(`${at}.${payloadKey}`, 'expected an object');
    for (const key in value) {
      if (!known.includes(key))
        throw new MalformedResponseError(`${at}.${payloadKey}.${key}`, 'unknown value field');
    }
    windows[i] = {
      startTime,
      endTime,
      value:
        Object.keys(value).length === 0
          ? null
          : readValue(query.dataType, value, `${at}.${payloadKey}`),
    };
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

function readValue(dataType: RolledUpType, value: Record<string, unknown>, at: string): number {
  if (dataType === 'steps')
    return field(`${at}.countSum`, (n, f) => requireCount(value.countSum, n, f));
  const min = field(`${at}.beatsPerMinuteMin`, (n, f) =>
    requireNumber(value.beatsPerMinuteMin, n, f),
  );
  const avg = field(`${at}.beatsPerMinuteAvg`, (n, f) =>
    requireNumber(value.beatsPerMinuteAvg, n, f),
  );
  const max = field(`${at}.beatsPerMinuteMax`, (n, f) =>
    requireNumber(value.beatsPerMinuteMax, n, f),
  );
  if (!(min > 0 && min <= avg && avg <= max))
    throw new MalformedResponseError(
      `${at}.beatsPerMinuteAvg`,
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
  for (let i = windows.length - 1; i >= 0; i--) {
    const w = windows[i];
    if (w.value === null) continue;
    const offset = offsetAt(timeZone, w.startTime);
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
        endUtcOffsetSeconds: offsetAt(timeZone, w.endTime),
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
const offsets = new Map<string, number>();

/** Zones change offset on quarter hours at most: one lookup serves the 15 minutes of a page. */
function offsetAt(timeZone: string, epochMs: number): number {
  const slot = Math.floor(epochMs / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
  const key = `${timeZone}|${slot}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    offset = zoneOffsetSeconds(timeZone, slot);
    if (offsets.size > 100_000) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}
