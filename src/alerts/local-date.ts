/**
 * A civil date in the patient's (or clinic's) time zone, `YYYY-MM-DD`. Alerts
 * count days, not instants: an evaluation day is a local date, so daylight
 * saving never makes a day 23 or 25 hours long here.
 */
export type LocalDate = string;

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

function toUtcMidnight(date: LocalDate): number {
  const match = LOCAL_DATE.exec(date);
  if (match === null) {
    throw new RangeError(`not a local date (YYYY-MM-DD): ${date}`);
  }
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
}

/** Whole calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: LocalDate, to: LocalDate): number {
  return Math.round((toUtcMidnight(to) - toUtcMidnight(from)) / MS_PER_DAY);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return new Date(toUtcMidnight(date) + days * MS_PER_DAY).toISOString().slice(0, 10);
}
