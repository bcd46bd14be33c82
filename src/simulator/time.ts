/** Google's JSON shapes of time, and the simulated clock. Civil time itself is `src/time`. */
// From the modules themselves: the `../time` barrel's CommonJS re-exports are getters, read per minute here.
import { civilDateTime, DAY_MS, dateOfDayNumber, LocalDate, MINUTE_MS } from '../time/civil-time';
import { zonedInstant, zoneOffsetSeconds } from '../time/zone';

/** Google's JSON encoding of a protobuf Duration: "-25200s". */
export function durationString(seconds: number): string {
  return `${seconds}s`;
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));
/** `THH:mm:` of each minute of a day. */
const CLOCK = Array.from(
  { length: 1440 },
  (_, m) => `T${TWO_DIGITS[Math.floor(m / 60)]}:${TWO_DIGITS[m % 60]}:`,
);
const dateByUtcDay = new Map<number, string>();

/** `YYYY-MM-DD` of a day number since the epoch, remembered. */
export function dateOfDay(dayNumber: number): string {
  let date = dateByUtcDay.get(dayNumber);
  if (date === undefined) {
    date = dateOfDayNumber(dayNumber);
    if (dateByUtcDay.size > 10_000) dateByUtcDay.clear();
    dateByUtcDay.set(dayNumber, date);
  }
  return date;
}

/**
 * RFC 3339 in UTC, without milliseconds when they are zero (as Google prints).
 * Whole seconds are put together from tables: a roll-up prints one for each
 * of thousands of windows, a list one or two for each point.
 */
export function rfc3339(instantMs: number): string {
  if (instantMs % 1000 !== 0) return new Date(instantMs).toISOString();
  const day = Math.floor(instantMs / DAY_MS);
  const msOfDay = instantMs - day * DAY_MS;
  const minute = Math.floor(msOfDay / MINUTE_MS);
  return `${dateOfDay(day)}${CLOCK[minute]}${TWO_DIGITS[(msOfDay - minute * MINUTE_MS) / 1000]}Z`;
}

export interface CivilDateTimeJson {
  date: { year: number; month: number; day: number };
  time?: { hours?: number; minutes?: number; seconds?: number; nanos?: number };
}

/** google.type civil date-time JSON; proto3 JSON omits zero fields. */
export function civilDateTimeJson(instantMs: number, offsetSeconds: number): CivilDateTimeJson {
  const civil = civilDateTime(instantMs, offsetSeconds);
  const date = {
    year: Number(civil.slice(0, 4)),
    month: Number(civil.slice(5, 7)),
    day: Number(civil.slice(8, 10)),
  };
  const time: { hours?: number; minutes?: number; seconds?: number } = {};
  const hours = Number(civil.slice(11, 13));
  const minutes = Number(civil.slice(14, 16));
  const seconds = Number(civil.slice(17, 19));
  if (hours) time.hours = hours;
  if (minutes) time.minutes = minutes;
  if (seconds) time.seconds = seconds;
  return Object.keys(time).length > 0 ? { date, time } : { date };
}

/**
 * Zone lookups go through Intl, microseconds each, and a generated day makes
 * dozens (its offsets probed hour by hour, its midnights and bedtimes). The
 * cohort's users share a few zones and the same days, so the answers are
 * remembered, a bounded number per zone.
 */
const zoneAnswers = new Map<string, Map<number | string, number>>();
const ZONE_ANSWERS_KEPT = 100_000;

function remembered(timeZone: string, key: number | string, answer: () => number): number {
  let answers = zoneAnswers.get(timeZone);
  if (answers === undefined) {
    answers = new Map();
    zoneAnswers.set(timeZone, answers);
  }
  let value = answers.get(key);
  if (value === undefined) {
    value = answer();
    if (answers.size >= ZONE_ANSWERS_KEPT) answers.clear();
    answers.set(key, value);
  }
  return value;
}

/** `zoneOffsetSeconds`, remembered. */
export function offsetInZone(timeZone: string, instantMs: number): number {
  return remembered(timeZone, instantMs, () => zoneOffsetSeconds(timeZone, instantMs));
}

/** `zonedInstant`, remembered. */
export function instantInZone(
  date: LocalDate,
  minutesAfterMidnight: number,
  timeZone: string,
): number {
  return remembered(timeZone, `${date}+${minutesAfterMidnight}`, () =>
    zonedInstant(date, minutesAfterMidnight, timeZone),
  );
}

/** The controllable simulated "now": frozen at a set instant or following real time. */
export class SimulatorClock {
  private frozenAt: number | null;
  private offsetMs = 0;

  constructor(now?: Date | string | number) {
    this.frozenAt = now === undefined ? null : new Date(now).getTime();
  }

  now(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs;
  }

  set(now: Date | string | number): void {
    this.frozenAt = new Date(now).getTime();
  }

  advance(milliseconds: number): void {
    if (this.frozenAt === null) this.offsetMs += milliseconds;
    else this.frozenAt += milliseconds;
  }
}
