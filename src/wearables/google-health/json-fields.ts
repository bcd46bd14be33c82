import {
  dayNumberOf,
  isCalendarDate,
  DAY_MS,
  MINUTE_MS,
  parseDurationSeconds,
  parseTimestamp,
} from '../../time';
import { MalformedResponseError } from './malformed-response-error';

/**
 * Readers for protobuf-JSON fields of one data point. Each takes the field's
 * path relative to the point (a constant on the heart-rate hot path); the full
 * path with the point's index is built only when a reader throws.
 */

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function fail(index: number, field: string, expectation: string): never {
  throw new MalformedResponseError(`dataPoints[${index}].${field}`, expectation);
}

const INTEGER = /^-?\d{1,16}$/;
const DECIMAL = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function toInteger(value: unknown): number | undefined {
  // int64 arrives as a string by the protobuf JSON mapping; some producers send numbers.
  const n = typeof value === 'string' && INTEGER.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
}

function toNumber(value: unknown): number | undefined {
  const n = typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

export function requireObject(value: unknown, index: number, field: string): JsonObject {
  if (value === undefined || value === null) fail(index, field, 'required field is missing');
  if (!isJsonObject(value)) fail(index, field, 'expected an object');
  return value;
}

export function optionalObject(
  value: unknown,
  index: number,
  field: string,
): JsonObject | undefined {
  return value === undefined || value === null ? undefined : requireObject(value, index, field);
}

export function requireString(value: unknown, index: number, field: string): string {
  if (value === undefined || value === null) fail(index, field, 'required field is missing');
  if (typeof value !== 'string') fail(index, field, 'expected a string');
  return value;
}

export function optionalString(value: unknown, index: number, field: string): string | null {
  return value === undefined || value === null ? null : requireString(value, index, field);
}

export function optionalBoolean(value: unknown, index: number, field: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') fail(index, field, 'expected a boolean');
  return value;
}

/** Non-negative int64; `zeroWhenOmitted` because protobuf JSON omits zero values. */
export function requireCount(
  value: unknown,
  index: number,
  field: string,
  zeroWhenOmitted = false,
): number {
  if (value === undefined || value === null) {
    if (zeroWhenOmitted) return 0;
    fail(index, field, 'required field is missing');
  }
  const n = toInteger(value);
  if (n === undefined) fail(index, field, 'expected an integer');
  if (n < 0) fail(index, field, 'expected a non-negative integer');
  return n;
}

export function requireNumber(value: unknown, index: number, field: string): number {
  if (value === undefined || value === null) fail(index, field, 'required field is missing');
  const n = toNumber(value);
  if (n === undefined) fail(index, field, 'expected a number');
  return n;
}

export function optionalNumber(value: unknown, index: number, field: string): number | null {
  return value === undefined || value === null ? null : requireNumber(value, index, field);
}

export function requireTimestamp(value: unknown, index: number, field: string): number {
  const epochMs = parseTimestamp(requireString(value, index, field));
  if (epochMs === undefined) fail(index, field, 'expected an RFC 3339 timestamp');
  return epochMs;
}

function readDateParts(value: unknown, index: number, field: string): [number, number, number] {
  const date = requireObject(value, index, field);
  // Zero fields are omitted in protobuf JSON; a zero year, month or day is not a day.
  const year = toInteger(date.year ?? 0);
  const month = toInteger(date.month ?? 0);
  const day = toInteger(date.day ?? 0);
  if (
    year === undefined ||
    month === undefined ||
    day === undefined ||
    !isCalendarDate(year, month, day)
  ) {
    fail(index, field, 'expected a calendar date {year, month, day}');
  }
  return [year, month, day];
}

/** `google.type.Date` to `YYYY-MM-DD`. */
export function requireDate(value: unknown, index: number, field: string): string {
  const [year, month, day] = readDateParts(value, index, field);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** A `CivilDateTime` read as if it were UTC, in epoch milliseconds. */
function readCivilDateTime(value: unknown, index: number, field: string): number {
  const civil = requireObject(value, index, field);
  const [year, month, day] = readDateParts(civil.date, index, `${field}.date`);
  const time = optionalObject(civil.time, index, `${field}.time`) ?? {};
  const hours = toInteger(time.hours ?? 0);
  const minutes = toInteger(time.minutes ?? 0);
  const seconds = toInteger(time.seconds ?? 0);
  if (
    hours === undefined ||
    minutes === undefined ||
    seconds === undefined ||
    hours < 0 ||
    hours > 24 ||
    minutes < 0 ||
    minutes > 59 ||
    seconds < 0 ||
    seconds > 60
  ) {
    fail(index, `${field}.time`, 'expected a time of day {hours, minutes, seconds}');
  }
  return dayNumberOf(year, month, day) * DAY_MS + ((hours * 60 + minutes) * 60 + seconds) * 1000;
}

/**
 * The UTC offset in force at `epochMs`, in seconds. The offset field is required
 * by the API, but when a producer leaves it out the civil time beside it still
 * tells the offset, so the point is kept rather than the whole sync failed.
 */
export function requireUtcOffset(
  source: JsonObject,
  offsetKey: string,
  civilKey: string,
  epochMs: number,
  index: number,
  field: string,
): number {
  const offset = source[offsetKey];
  if (offset === undefined || offset === null) {
    if (source[civilKey] === undefined || source[civilKey] === null) {
      fail(index, `${field}.${offsetKey}`, 'required field is missing');
    }
    const civilMs = readCivilDateTime(source[civilKey], index, `${field}.${civilKey}`);
    return Math.round((civilMs - epochMs) / MINUTE_MS) * 60;
  }
  const seconds = parseDurationSeconds(requireString(offset, index, `${field}.${offsetKey}`));
  if (seconds === undefined || Math.abs(seconds) > 18 * 3600) {
    fail(index, `${field}.${offsetKey}`, 'expected a UTC offset duration such as "-25200s"');
  }
  return seconds;
}
