import { dayNumberOfDate, MS_PER_DAY } from './civil-time';

/**
 * UTC offsets of an IANA zone, for data that carries none (roll-up windows)
 * and for the instants that bound a patient's local days. Zones change offset
 * on whole quarter hours at most, so one lookup serves a quarter hour.
 */

const QUARTER_HOUR_MS = 15 * 60_000;
const formats = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();

function format(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timeZone, f);
  }
  return f;
}

function offsetOfSlot(timeZone: string, slotStart: number): number {
  const parts: Record<string, number> = {};
  for (const p of format(timeZone).formatToParts(slotStart))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const local = Date.UTC(
    parts.year,
    parts.month - 1,
    parts.day,
    parts.hour,
    parts.minute,
    parts.second,
  );
  return Math.round((local - slotStart) / 1000);
}

/** Seconds east of UTC in `timeZone` at the instant. */
export function zoneOffsetSeconds(timeZone: string, epochMs: number): number {
  const slot = Math.floor(epochMs / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
  const key = `${timeZone}|${slot}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    offset = offsetOfSlot(timeZone, slot);
    if (offsets.size > 200_000) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

/** The instant a local date begins in `timeZone` (its first instant, on days that skip midnight too). */
export function localMidnight(date: string, timeZone: string): number {
  const n = dayNumberOfDate(date);
  if (n === undefined) throw new RangeError(`not a date: ${date}`);
  const wall = n * MS_PER_DAY;
  let instant = wall - zoneOffsetSeconds(timeZone, wall) * 1000;
  // The offset at the guess may differ from the one at midnight (a change in between).
  instant = wall - zoneOffsetSeconds(timeZone, instant) * 1000;
  return instant;
}
