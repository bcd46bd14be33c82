/** Time helpers: IANA offsets through Intl, civil dates as "YYYY-MM-DD" strings. */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** UTC offset of an IANA zone at an instant, in seconds (east positive). */
export function zoneOffsetSeconds(timeZone: string, instantMs: number): number {
  let formatter = offsetFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    offsetFormatters.set(timeZone, formatter);
  }
  const zoneName =
    formatter.formatToParts(instantMs).find((part) => part.type === 'timeZoneName')?.value ?? '';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(zoneName);
  if (!match) return 0;
  const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60;
  return match[1] === '-' ? -seconds : seconds;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

export function parseDate(date: string): { year: number; month: number; day: number } {
  const [year, month, day] = date.split('-').map(Number);
  return { year, month, day };
}

export function addDays(date: string, days: number): string {
  const { year, month, day } = parseDate(date);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  const a = parseDate(from);
  const b = parseDate(to);
  return Math.round(
    (Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / DAY_MS,
  );
}

/** The instant of local time `minutesAfterMidnight` on `date` in `timeZone`. */
export function zonedInstant(date: string, minutesAfterMidnight: number, timeZone: string): number {
  const { year, month, day } = parseDate(date);
  const wallClockAsUtc = Date.UTC(year, month - 1, day) + minutesAfterMidnight * MINUTE_MS;
  const firstGuess = wallClockAsUtc - zoneOffsetSeconds(timeZone, wallClockAsUtc) * 1000;
  return wallClockAsUtc - zoneOffsetSeconds(timeZone, firstGuess) * 1000;
}

const pad2 = (value: number): string => (value < 10 ? `0${value}` : String(value));
const dateByDayNumber = new Map<number, string>();

/** "YYYY-MM-DD" of a day number since the epoch; memoised because serving points calls it per point. */
function epochDayDate(dayNumber: number): string {
  let date = dateByDayNumber.get(dayNumber);
  if (date === undefined) {
    date = new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
    if (dateByDayNumber.size > 100_000) dateByDayNumber.clear();
    dateByDayNumber.set(dayNumber, date);
  }
  return date;
}

/** "YYYY-MM-DDTHH:mm:ss" wall-clock time of an instant at a given offset. */
export function civilDateTime(instantMs: number, offsetSeconds: number): string {
  const localMs = instantMs + offsetSeconds * 1000;
  const dayNumber = Math.floor(localMs / DAY_MS);
  const secondsOfDay = Math.floor((localMs - dayNumber * DAY_MS) / 1000);
  const hours = Math.floor(secondsOfDay / 3600);
  const minutes = Math.floor((secondsOfDay % 3600) / 60);
  return `${epochDayDate(dayNumber)}T${pad2(hours)}:${pad2(minutes)}:${pad2(secondsOfDay % 60)}`;
}

export function localDate(instantMs: number, timeZone: string): string {
  return civilDateTime(instantMs, zoneOffsetSeconds(timeZone, instantMs)).slice(0, 10);
}

/** Google's JSON encoding of a protobuf Duration: "-25200s". */
export function durationString(seconds: number): string {
  return `${seconds}s`;
}

/** RFC 3339 in UTC, without milliseconds when they are zero (as Google prints). */
export function rfc3339(instantMs: number): string {
  if (instantMs % 1000 === 0) return `${civilDateTime(instantMs, 0)}Z`;
  return new Date(instantMs).toISOString();
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
