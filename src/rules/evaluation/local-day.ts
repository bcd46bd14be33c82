import { addDays, type LocalDate } from '../../alerts/local-date';
import type { EvaluationDay } from '../engine/rule-evaluator';

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(instant: number, timeZone: string): Record<string, number> {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return parts;
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** The civil date at an instant in an IANA time zone. */
export function localDateAt(instant: Date, timeZone: string): LocalDate {
  const p = partsIn(instant.getTime(), timeZone);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

/** The wall-clock hour (0-23) at an instant in an IANA time zone. */
export function localHourAt(instant: Date, timeZone: string): number {
  return partsIn(instant.getTime(), timeZone).hour;
}

/** Milliseconds the zone's wall clock is ahead of UTC at an instant. */
function offsetAt(instant: number, timeZone: string): number {
  const p = partsIn(instant, timeZone);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The instant a local date begins in a zone (midnight, or the first minute after a DST gap). */
export function startOfLocalDay(date: LocalDate, timeZone: string): Date {
  const midnightUtc = Date.parse(`${date}T00:00:00Z`);
  let instant = midnightUtc - offsetAt(midnightUtc, timeZone);
  // The offset may differ at the true instant (DST change the same night): correct once.
  instant = midnightUtc - offsetAt(instant, timeZone);
  return new Date(instant);
}

/**
 * A local date as the engine reads it: facts count days back from `date`, and
 * the days-since-sync facts count up to the last millisecond of that day.
 * Live evaluation and the backtest both build their days here.
 */
export function evaluationDay(date: LocalDate, timeZone: string): EvaluationDay {
  const key = `${timeZone} ${date}`;
  let day = evaluationDays.get(key);
  if (!day) {
    // A daily run asks for the same few dates and zones for every patient: remember them.
    if (evaluationDays.size >= 10_000) evaluationDays.clear();
    day = { date, asOf: new Date(startOfLocalDay(addDays(date, 1), timeZone).getTime() - 1) };
    evaluationDays.set(key, day);
  }
  return day;
}

const evaluationDays = new Map<string, EvaluationDay>();
