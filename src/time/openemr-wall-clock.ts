import { instantOfWallClock, localDateAt, wallClockAt } from './zone';

/**
 * OpenEMR keeps DATETIME columns in the clinic's local wall-clock time (PHP's
 * date() in the server's zone), so Vigil writes and reads them the same way.
 */
export function openEmrDateTime(at: Date, timeZone: string): string {
  return wallClockAt(at, timeZone).replace('T', ' ');
}

/** The clinic's civil date of an instant, `YYYY-MM-DD`. */
export function openEmrDate(at: Date, timeZone: string): string {
  return localDateAt(at, timeZone);
}

/** The instant of an OpenEMR wall-clock time (`YYYY-MM-DD HH:MM:SS`) in the clinic's zone. */
export function instantOfOpenEmrDateTime(value: string, timeZone: string): Date {
  const asUtc = new Date(`${value.replace(' ', 'T').slice(0, 19)}Z`);
  return new Date(instantOfWallClock(asUtc.getTime(), timeZone));
}
