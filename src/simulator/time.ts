/** Google's JSON shapes of time, and the simulated clock. Civil time itself is `src/time`. */
import { civilDateTime } from '../time';

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
