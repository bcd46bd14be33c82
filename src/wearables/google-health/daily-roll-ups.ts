import { addDays } from '../../time';
import { GOOGLE_HEALTH_DATA_TYPES } from './data-types';
import { isJsonObject } from './json-fields';
import { MalformedResponseError } from './malformed-response-error';
import { readRollUpValue, RolledUpType, ROLL_UP_VALUE_FIELDS } from './roll-ups';

/**
 * `dataPoints:dailyRollUp` answers: one window per civil day of the user,
 * validated as strictly as minute roll-ups, each day's value kept as text. A
 * day's text is a fingerprint of its data, compared with the one stored when
 * its minutes were last read (ingest/minutes-check.ts), never a figure Vigil shows.
 */

/** One `dataPoints:dailyRollUp` call over the civil days `from`..`to` (both included). */
export interface DailyRollUpQuery {
  dataType: RolledUpType;
  from: string;
  to: string;
  pageSize: number;
  /** `users/me/dataSourceFamilies/...`, or null for every source. */
  dataSourceFamily: string | null;
}

/** A civil day and its value as text: `min/avg/max`, a step sum, or `-` when it had no data. */
export interface DailyRollUpDay {
  date: string;
  value: string;
}

export interface DailyRollUpPage {
  days: DailyRollUpDay[];
  nextPageToken: string | null;
}

/** Civil dates are `{year, month, day}` (google.type.Date). */
function dateJson(date: string): { year: number; month: number; day: number } {
  const [year, month, day] = date.split('-').map(Number);
  return { year, month, day };
}

/** The JSON body of one page's request: a closed-open range of whole days, one-day windows. */
export function dailyRollUpBody(query: DailyRollUpQuery, pageToken: string | null): string {
  return JSON.stringify({
    range: {
      start: { date: dateJson(query.from) },
      end: { date: dateJson(addDays(query.to, 1)) },
    },
    windowSizeDays: 1,
    pageSize: query.pageSize,
    ...(query.dataSourceFamily ? { dataSourceFamily: query.dataSourceFamily } : {}),
    ...(pageToken ? { pageToken } : {}),
  });
}

const DATE_FIELDS = ['year', 'month', 'day'] as const;
const TIME_FIELDS = new Set(['hours', 'minutes', 'seconds', 'nanos']);
const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/**
 * A window's civil start or end as a date: `{date:{year,month,day}}`, a time
 * of day allowed only at midnight (zero fields are omitted by protobuf JSON).
 */
function civilDate(value: unknown, path: string): string {
  if (value === undefined || value === null)
    throw new MalformedResponseError(path, 'required field is missing');
  if (!isJsonObject(value)) throw new MalformedResponseError(path, 'expected an object');
  for (const key in value) {
    if (key !== 'date' && key !== 'time')
      throw new MalformedResponseError(`${path}.${key}`, 'unknown field');
  }
  const date = value.date;
  if (!isJsonObject(date)) throw new MalformedResponseError(`${path}.date`, 'expected an object');
  const parts: number[] = [];
  for (const field of DATE_FIELDS) {
    const n = date[field];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
      throw new MalformedResponseError(`${path}.date.${field}`, 'expected a positive integer');
    parts.push(n);
  }
  const time = value.time;
  if (time !== undefined) {
    if (!isJsonObject(time)) throw new MalformedResponseError(`${path}.time`, 'expected an object');
    for (const key in time) {
      if (!TIME_FIELDS.has(key) || time[key] !== 0)
        throw new MalformedResponseError(`${path}.time.${key}`, 'expected midnight');
    }
  }
  return `${pad(parts[0], 4)}-${pad(parts[1], 2)}-${pad(parts[2], 2)}`;
}

/**
 * Validates one page: a window per day in order from `expectedDate`, each
 * from a midnight to the next, with the type's value shape or an empty value,
 * and every day up to `query.to` by the last page. Throws
 * {@link MalformedResponseError} naming the type and the JSON path.
 */
export function parseDailyRollUpPage(
  query: DailyRollUpQuery,
  body: unknown,
  expectedDate: string,
): DailyRollUpPage {
  const label = `${query.dataType} rollupDataPoints`;
  if (!isJsonObject(body)) throw new MalformedResponseError(label, 'expected a JSON object');
  const raw = body.rollupDataPoints ?? [];
  if (!Array.isArray(raw)) throw new MalformedResponseError(label, 'expected an array');
  const token = body.nextPageToken ?? '';
  if (typeof token !== 'string')
    throw new MalformedResponseError(`${query.dataType} nextPageToken`, 'expected a string');
  const payloadKey = GOOGLE_HEALTH_DATA_TYPES[query.dataType].payloadKey;
  const known = ROLL_UP_VALUE_FIELDS[query.dataType];
  const days: DailyRollUpDay[] = [];
  let date = expectedDate;
  raw.forEach((window: unknown, i) => {
    const at = `${label}[${i}]`;
    if (!isJsonObject(window)) throw new MalformedResponseError(at, 'expected an object');
    for (const key in window) {
      if (key !== 'civilStartTime' && key !== 'civilEndTime' && key !== payloadKey)
        throw new MalformedResponseError(`${at}.${key}`, `not a ${query.dataType} roll-up value`);
    }
    if (date > query.to || civilDate(window.civilStartTime, `${at}.civilStartTime`) !== date)
      throw new MalformedResponseError(
        `${at}.civilStartTime`,
        'expected one window per day, in order, within the range',
      );
    if (civilDate(window.civilEndTime, `${at}.civilEndTime`) !== addDays(date, 1))
      throw new MalformedResponseError(`${at}.civilEndTime`, 'expected the next midnight');
    const value = window[payloadKey];
    if (value === undefined || value === null)
      throw new MalformedResponseError(`${at}.${payloadKey}`, 'required field is missing');
    if (!isJsonObject(value))
      throw new MalformedResponseError(`${at}.${payloadKey}`, 'expected an object');
    let fields = 0;
    for (const key in value) {
      if (!known.includes(key))
        throw new MalformedResponseError(`${at}.${payloadKey}.${key}`, 'unknown value field');
      fields++;
    }
    days.push({ date, value: fields === 0 ? '-' : valueText(query.dataType, value, at) });
    date = addDays(date, 1);
  });
  const nextPageToken = token === '' ? null : token;
  if (nextPageToken !== null && raw.length === 0)
    throw new MalformedResponseError(label, 'expected windows on a page that has a next page');
  if (nextPageToken === null && date <= query.to)
    throw new MalformedResponseError(
      label,
      'expected a window for every day of the range (the answer was cut short)',
    );
  return { days, nextPageToken };
}

/** The value as text: all of heart rate's figures, steps' sum, checked as a minute window's. */
function valueText(dataType: RolledUpType, value: Record<string, unknown>, at: string): string {
  try {
    readRollUpValue(dataType, value);
  } catch (error) {
    if (error instanceof MalformedResponseError && error.path.startsWith(LIST_PREFIX))
      throw new MalformedResponseError(
        `${at}.${error.path.slice(LIST_PREFIX.length)}`,
        error.message.slice(error.path.length + 2),
      );
    throw error;
  }
  return dataType === 'heart-rate'
    ? `${Number(value.beatsPerMinuteMin)}/${Number(value.beatsPerMinuteAvg)}/${Number(value.beatsPerMinuteMax)}`
    : String(Number(value.countSum));
}

/** The prefix json-fields.ts gives a field's path. */
const LIST_PREFIX = 'dataPoints[0].';
