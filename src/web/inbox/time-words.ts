import { zonedTimestamp } from '../../time';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** How long something has been waiting, in the largest whole unit: "3 days", "5 hours". */
export function ageInWords(since: Date, now: Date): string {
  const ms = Math.max(0, now.getTime() - since.getTime());
  if (ms >= DAY_MS) return plural(Math.floor(ms / DAY_MS), 'day');
  if (ms >= HOUR_MS) return plural(Math.floor(ms / HOUR_MS), 'hour');
  return plural(Math.floor(ms / MINUTE_MS), 'minute');
}

/** An instant as the clinic reads it: `2026-11-20 09:01 America/New_York`, zone named. */
export function clinicTime(at: Date, timeZone: string): string {
  return zonedTimestamp(at, timeZone);
}
