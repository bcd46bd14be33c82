/**
 * Civil time on plain numbers and strings. Vigil counts days, not instants: a
 * patient's day is a local date `YYYY-MM-DD`, so daylight saving never makes a
 * day 23 or 25 hours long in its arithmetic. Backfills and evaluations handle
 * millions of points and rows, so instants stay epoch milliseconds and dates
 * become day numbers (days since 1970-01-01); no Date objects on the hot path.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** A civil date in the patient's (or clinic's) time zone, `YYYY-MM-DD`. */
export type LocalDate = string;

const DURATION_SECONDS = /^(-?\d{1,10})(?:\.\d{1,9})?s$/;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

export function isCalendarDate(year: number, month: number, day: number): boolean {
  return (
    year >= 1 &&
    year <= 9999 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month)
  );
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function dayNumberOf(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `YYYY-MM-DD` of a day number (inverse of {@link dayNumberOf}). */
export function dateOfDayNumber(dayNumber: number): string {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

/**
 * Day number of a `YYYY-MM-DD` string, or undefined when it is not a calendar
 * date. Read by character position: it runs for every row of every patient evaluated.
 */
export function dayNumberOfDate(date: string): number | undefined {
  const year = digitsAt(date, 0, 4);
  const month = digitsAt(date, 5, 2);
  const day = digitsAt(date, 8, 2);
  if (
    date.length !== 10 ||
    date.charCodeAt(4) !== DASH ||
    date.charCodeAt(7) !== DASH ||
    !isCalendarDate(year, month, day)
  ) {
    return undefined;
  }
  return dayNumberOf(year, month, day);
}

/** Day number of a local date; throws a RangeError naming it when it is not one. */
export function dayNumber(date: LocalDate): number {
  const n = dayNumberOfDate(date);
  if (n === undefined) throw new RangeError(`not a local date (YYYY-MM-DD): ${date}`);
  return n;
}

export function isLocalDate(text: string): boolean {
  return dayNumberOfDate(text) !== undefined;
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return dateOfDayNumber(dayNumber(date) + days);
}

/** Whole calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: LocalDate, to: LocalDate): number {
  return dayNumber(to) - dayNumber(from);
}

/** The parts of a `YYYY-MM-DD` date the caller already trusts (no validation). */
export function parseDate(date: LocalDate): { year: number; month: number; day: number } {
  return {
    year: digitsAt(date, 0, 4),
    month: digitsAt(date, 5, 2),
    day: digitsAt(date, 8, 2),
  };
}

/**
 * The patient's local civil date of an instant, from the UTC offset recorded with
 * it. Using each point's own offset is what makes travel and DST days come out
 * right: the day simply spans 23, 25 or (after a flight) 27 physical hours.
 */
export function localDayNumber(epochMs: number, utcOffsetSeconds: number): number {
  return Math.floor((epochMs + utcOffsetSeconds * 1000) / DAY_MS);
}

const DASH = 45;
const COLON = 58;

/** The number written in `count` ASCII digits at `from`, or -1 if any is not a digit. */
function digitsAt(text: string, from: number, count: number): number {
  let value = 0;
  for (let k = from; k < from + count; k++) {
    const digit = text.charCodeAt(k) - 48;
    // Past the end charCodeAt gives NaN, which fails this test too.
    if (!(digit >= 0 && digit <= 9)) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * RFC 3339 timestamp to epoch milliseconds; undefined when malformed. Read by
 * character position rather than a regular expression: every heart-rate
 * sample has one.
 */
export function parseTimestamp(text: string): number | undefined {
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hours = digitsAt(text, 11, 2);
  const minutes = digitsAt(text, 14, 2);
  const seconds = digitsAt(text, 17, 2);
  const t = text.charCodeAt(10) | 0x20;
  if (
    text.charCodeAt(4) !== DASH ||
    text.charCodeAt(7) !== DASH ||
    t !== 0x74 ||
    text.charCodeAt(13) !== COLON ||
    text.charCodeAt(16) !== COLON ||
    !isCalendarDate(year, month, day) ||
    hours < 0 ||
    hours > 23 ||
    minutes < 0 ||
    minutes > 59 ||
    seconds < 0 ||
    seconds > 59
  ) {
    return undefined;
  }
  let at = 19;
  let millis = 0;
  if (text.charCodeAt(at) === 46) {
    // Fractional seconds: up to nanoseconds, milliseconds kept.
    let scale = 100;
    at++;
    const fractionStart = at;
    while (at < text.length && at - fractionStart < 9) {
      const digit = text.charCodeAt(at) - 48;
      if (!(digit >= 0 && digit <= 9)) break;
      millis += digit * scale;
      scale /= 10;
      at++;
    }
    if (at === fractionStart) return undefined;
    millis = Math.floor(millis);
  }
  let offsetMinutes = 0;
  const zone = text.charCodeAt(at);
  if ((zone | 0x20) === 0x7a) {
    at++;
  } else if (zone === 43 || zone === DASH) {
    const offsetHours = digitsAt(text, at + 1, 2);
    const offsetMins = digitsAt(text, at + 4, 2);
    if (
      text.charCodeAt(at + 3) !== COLON ||
      offsetHours < 0 ||
      offsetHours > 23 ||
      offsetMins < 0 ||
      offsetMins > 59
    ) {
      return undefined;
    }
    offsetMinutes = (zone === DASH ? -1 : 1) * (offsetHours * 60 + offsetMins);
    at += 6;
  } else {
    return undefined;
  }
  if (at !== text.length) return undefined;
  return (
    dayNumberOf(year, month, day) * DAY_MS +
    ((hours * 60 + minutes - offsetMinutes) * 60 + seconds) * 1000 +
    millis
  );
}

let lastDuration: { text: string; seconds: number | undefined } = { text: '', seconds: undefined };

/**
 * Protobuf JSON duration (`"-25200s"`) to whole seconds; undefined when
 * malformed. Fractions are dropped: UTC offsets are whole minutes.
 */
export function parseDurationSeconds(text: string): number | undefined {
  // A patient's offset rarely changes between consecutive points: remember the last one.
  if (text !== lastDuration.text) {
    const m = DURATION_SECONDS.exec(text);
    lastDuration = { text, seconds: m ? Number(m[1]) : undefined };
  }
  return lastDuration.seconds;
}

const dateByDayNumber = new Map<number, string>();

/** `YYYY-MM-DD` of a day number, remembered: the simulator formats one per point it serves. */
function rememberedDate(dayNumber: number): string {
  let date = dateByDayNumber.get(dayNumber);
  if (date === undefined) {
    date = dateOfDayNumber(dayNumber);
    if (dateByDayNumber.size > 100_000) dateByDayNumber.clear();
    dateByDayNumber.set(dayNumber, date);
  }
  return date;
}

/** `YYYY-MM-DDTHH:mm:ss` wall-clock time of an instant at a given UTC offset. */
export function civilDateTime(epochMs: number, utcOffsetSeconds: number): string {
  const localMs = epochMs + utcOffsetSeconds * 1000;
  const dayNumber = Math.floor(localMs / DAY_MS);
  const secondsOfDay = Math.floor((localMs - dayNumber * DAY_MS) / 1000);
  const hours = Math.floor(secondsOfDay / 3600);
  const minutes = Math.floor((secondsOfDay % 3600) / 60);
  return `${rememberedDate(dayNumber)}T${pad2(hours)}:${pad2(minutes)}:${pad2(secondsOfDay % 60)}`;
}

/** RFC 3339 timestamp in the patient's local time, e.g. `2026-03-07T23:00:00-05:00`. */
export function formatLocalTimestamp(epochMs: number, utcOffsetSeconds: number): string {
  const offsetMinutes = Math.round(Math.abs(utcOffsetSeconds) / 60);
  const sign = utcOffsetSeconds < 0 ? '-' : '+';
  const offset = `${sign}${pad2(Math.floor(offsetMinutes / 60))}:${pad2(offsetMinutes % 60)}`;
  return `${civilDateTime(epochMs, utcOffsetSeconds)}${offset}`;
}
