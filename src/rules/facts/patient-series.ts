import type { MetricDay, NumericMetric } from '../../aggregates/daily-aggregate';
import { DAY_MS, dayNumber } from '../../time';

/** When Vigil last fetched the patient's data, and when the device last reached Fitbit. */
export interface SyncStatus {
  lastSyncAt: Date | null;
  lastDeviceSyncAt: Date | null;
}

/** A stored day as facts read it: its date and any of its metrics (missing is no data). */
export type SeriesDay = MetricDay;

/** One metric's values by day index; NaN is a day without data. */
export type SeriesColumn = readonly number[];

/**
 * One patient's daily aggregates, loaded once per evaluation and indexed by day so
 * every fact is a walk over an array of numbers instead of a query or a date search.
 * A day without data is NaN in a column.
 */
export class PatientSeries {
  readonly firstDay: number;
  readonly length: number;
  private readonly columns = new Map<NumericMetric, SeriesColumn>();
  /** Column index of each row of `days`. */
  private readonly rowIndexes: number[];

  constructor(
    private readonly days: readonly SeriesDay[],
    readonly sync: SyncStatus,
  ) {
    // Plain loops and arrays: a daily run builds one series per patient.
    const rowIndexes = new Array<number>(days.length);
    let first = Infinity;
    let last = -Infinity;
    for (let row = 0; row < days.length; row++) {
      const day = dayNumber(days[row].date);
      rowIndexes[row] = day;
      if (day < first) first = day;
      if (day > last) last = day;
    }
    this.firstDay = days.length > 0 ? first : 0;
    this.length = days.length > 0 ? last - first + 1 : 0;
    for (let row = 0; row < days.length; row++) rowIndexes[row] -= this.firstDay;
    this.rowIndexes = rowIndexes;
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
    return dayNumber(date) - this.firstDay;
  }

  /** Values of one metric by day index, built on first use: rules read few metrics. */
  column(metric: NumericMetric): SeriesColumn {
    let column = this.columns.get(metric);
    if (!column) {
      const values = new Array<number>(this.length).fill(NaN);
      for (let row = 0; row < this.days.length; row++) {
        const value = this.days[row][metric];
        if (typeof value === 'number' && Number.isFinite(value)) {
          values[this.rowIndexes[row]] = value;
        }
      }
      this.columns.set(metric, (column = values));
    }
    return column;
  }
}

/** Whole days from one instant to a later one; never negative. */
export function wholeDaysBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / DAY_MS));
}
