import { DailyAggregate, NumericMetric } from '../../aggregates/daily-aggregate';

const DAY_MS = 86_400_000;

/** When Vigil last fetched the patient's data, and when the device last reached Fitbit. */
export interface SyncStatus {
  lastSyncAt: Date | null;
  lastDeviceSyncAt: Date | null;
}

function digits(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Days since 1970-01-01 for a civil date written YYYY-MM-DD. Arithmetic rather
 * than Date parsing: it runs for every row of every patient evaluated.
 */
export function epochDay(date: string): number {
  const year = digits(date, 0, 4);
  const month = digits(date, 5, 7);
  const day = digits(date, 8, 10);
  const valid = year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= 31;
  if (date.length !== 10 || date[4] !== '-' || date[7] !== '-' || !valid) {
    throw new Error(`Not a YYYY-MM-DD date: ${date}`);
  }
  // Days from civil (H. Hinnant): years start in March so the leap day comes last.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** A stored day as facts read it: its date and any of its metrics (missing is no data). */
export type SeriesDay = Pick<DailyAggregate, 'date'> &
  Partial<Record<NumericMetric, number | null>>;

/**
 * One patient's daily aggregates, loaded once per evaluation and indexed by day so
 * every fact is a walk over a typed array instead of a query or a date search.
 * A day without data is NaN in a column.
 */
export class PatientSeries {
  readonly firstDay: number;
  readonly length: number;
  private readonly columns = new Map<NumericMetric, Float64Array>();
  /** Column index of each row of `days`. */
  private readonly rowIndexes: Int32Array;

  constructor(
    private readonly days: readonly SeriesDay[],
    readonly sync: SyncStatus,
  ) {
    const epochDays = days.map((day) => epochDay(day.date));
    this.firstDay = days.length > 0 ? Math.min(...epochDays) : 0;
    this.length = days.length > 0 ? Math.max(...epochDays) - this.firstDay + 1 : 0;
    this.rowIndexes = Int32Array.from(epochDays, (day) => day - this.firstDay);
  }

  /** The first date with a value in any loaded metric, or null. */
  firstDateWithData(): string | null {
    let first: string | null = null;
    for (const day of this.days) {
      const hasValue = Object.entries(day).some(
        ([key, value]) => key !== 'date' && typeof value === 'number' && Number.isFinite(value),
      );
      if (hasValue && (first === null || day.date < first)) first = day.date;
    }
    return first;
  }

  /** Index of a civil date in the columns; may fall outside them (no data there). */
  indexOf(date: string): number {
    return epochDay(date) - this.firstDay;
  }

  /** Values of one metric by day index, built on first use: rules read few metrics. */
  column(metric: NumericMetric): Float64Array {
    let column = this.columns.get(metric);
    if (!column) {
      column = new Float64Array(this.length).fill(NaN);
      for (let row = 0; row < this.days.length; row++) {
        const value = this.days[row][metric];
        if (typeof value === 'number' && Number.isFinite(value)) {
          column[this.rowIndexes[row]] = value;
        }
      }
      this.columns.set(metric, column);
    }
    return column;
  }
}

/** Whole days from one instant to a later one; never negative. */
export function wholeDaysBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / DAY_MS));
}
