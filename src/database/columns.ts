import { ColumnOptions } from 'typeorm';

/**
 * Column types that mean the same on SQLite and MySQL, so one entity serves both
 * engines. Times are UTC instants with milliseconds.
 */
export const instant = (options: ColumnOptions = {}): ColumnOptions => ({
  type: 'datetime',
  precision: 3,
  ...options,
});
