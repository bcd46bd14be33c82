/**
 * Civil time in IANA time zones, through the platform's time zone data (Intl).
 * Building a formatter costs far more than using one, so each zone's is kept.
 */
import { civilDateTime, DAY_MS, HOUR_MS, MINUTE_MS, parseDate, type LocalDate } from './civil-time';

const offsetFormats = new Map<string, Intl.DateTimeFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** UTC offset of an IANA zone at an instant, in seconds (east positive). */
export function zoneOffsetSeconds(timeZone: string, epochMs: number): number {
  let format = offsetFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    offsetFormats.set(timeZone, format);
  }
  const zoneName =
    format.formatToParts(epochMs).find((part) => part.type === 'timeZoneName')?.value ?? '';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(zoneName);
  if (!match) return 0;
  const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60;
  return match[1] === '-' ? -seconds : seconds;
}

export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The civil date at an instant in an IANA time zone. */
export function localDateAt(instant: Date | number, timeZone: string): LocalDate {
  let format = dateFormats.get(timeZone);
  if (format === undefined) {
    // en-CA formats as YYYY-MM-DD.
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    dateFormats.set(timeZone, format);
  }
  return format.format(instant);
}

/** The wall-clock hour (0-23) at an instant in an IANA time zone. */
export function localHourAt(instant: Date | number, timeZone: string): number {
  const epochMs = typeof instant === 'number' ? instant : instant.getTime();
  const localMs = epochMs + zoneOffsetSeconds(timeZone, epochMs) * 1000;
  return Math.floor((((localMs % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
}

/** `YYYY-MM-DDTHH:mm:ss` on the zone's wall clock at an instant. */
export function wallClockAt(instant: Date | number, timeZone: string): string {
  const epochMs = typeof instant === 'number' ? instant : instant.getTime();
  return civilDateTime(epochMs, zoneOffsetSeconds(timeZone, epochMs));
}

/**
 * The instant a wall-clock time (given as if it were UTC) is in a zone. The
 * offset is read again at the first guess, which settles a DST change between
 * the two.
 */
export function instantOfWallClock(wallClockAsUtcMs: number, timeZone: string): number {
  const firstGuess = wallClockAsUtcMs - zoneOffsetSeconds(timeZone, wallClockAsUtcMs) * 1000;
  return wallClockAsUtcMs - zoneOffsetSeconds(timeZone, firstGuess) * 1000;
}

/** The instant of local time `minutesAfterMidnight` on `date` in `timeZone`. */
export function zonedInstant(
  date: LocalDate,
  minutesAfterMidnight: number,
  timeZone: string,
): number {
  const { year, month, day } = parseDate(date);
  return instantOfWallClock(
    Date.UTC(year, month - 1, day) + minutesAfterMidnight * MINUTE_MS,
    timeZone,
  );
}

/** The instant a local date begins in a zone (midnight, or the first minute after a DST gap). */
export function startOfLocalDay(date: LocalDate, timeZone: string): Date {
  return new Date(zonedInstant(date, 0, timeZone));
}

/**
 * `2026-12-06 10:25 America/Chicago`: an instant on a zone's wall clock with
 * the zone named, so nobody has to guess whose clock a time is on.
 */
export function zonedTimestamp(instant: Date | number, timeZone: string): string {
  return `${wallClockAt(instant, timeZone).slice(0, 16).replace('T', ' ')} ${timeZone}`;
}
