import { Injectable } from '@nestjs/common';
import { Between, DataSource, EntityManager, In } from 'typeorm';
import {
  DailyAggregate,
  METRIC_NAMES,
  MetricDay,
  MetricName,
  NUMERIC_METRICS,
  NumericMetric,
} from './daily-aggregate';
import { DailyAggregateRow } from './daily-aggregate.entity';
import { RawColumns } from '../database/raw-columns';
import { groupBy } from '../grouping';

/** A day as a sync reads and writes it: with the fingerprint of the minutes it was computed from. */
export interface SyncedDay extends DailyAggregate {
  minutesFingerprint: string | null;
}

export function toRow(
  pid: number,
  day: DailyAggregate | SyncedDay,
  updatedAt: Date,
): Partial<DailyAggregateRow> {
  const row: Partial<DailyAggregateRow> = {
    pid,
    date: day.date,
    coverage: JSON.stringify(day.coverage),
    minutesFingerprint: 'minutesFingerprint' in day ? day.minutesFingerprint : null,
    updatedAt,
  };
  for (const key of METRIC_NAMES) (row as Record<string, unknown>)[key] = day[key];
  return row;
}

export function fromRow(row: DailyAggregateRow): DailyAggregate {
  const day = { date: row.date, coverage: JSON.parse(row.coverage) } as DailyAggregate;
  for (const key of METRIC_NAMES) {
    const value = row[key];
    // MySQL returns DOUBLE as number; guard against drivers handing back strings.
    (day as unknown as Record<string, unknown>)[key] =
      value === null || typeof value !== 'string' || key === 'sleepStart' || key === 'sleepEnd'
        ? value
        : Number(value);
  }
  return day;
}

const UPSERT_CHUNK = 200;
/** Patients per query of a batched read. */
const PIDS_PER_QUERY = 1000;

/** The columns a sync writes (all but the id) and reads back (a day's own). */
const DAY_COLUMNS = ['date', ...METRIC_NAMES, 'coverage', 'minutesFingerprint'] as const;
const WRITTEN_COLUMNS = ['pid', ...DAY_COLUMNS, 'updatedAt'] as const;

/** Reads and writes patients' daily aggregates; callers own the transaction. */
@Injectable()
export class DailyAggregates {
  private readonly written: RawColumns<DailyAggregateRow, (typeof WRITTEN_COLUMNS)[number]>;
  private readonly read: RawColumns<DailyAggregateRow, (typeof DAY_COLUMNS)[number]>;
  /** The upsert statement by number of rows. */
  private readonly upserts = new Map<number, string>();

  constructor(private readonly dataSource: DataSource) {
    this.written = new RawColumns(dataSource, DailyAggregateRow, WRITTEN_COLUMNS);
    this.read = new RawColumns(dataSource, DailyAggregateRow, DAY_COLUMNS);
  }

  /**
   * Idempotent: the same days written twice leave one row each, with the latest
   * values. Every sync writes its days: hand-written SQL, the rows TypeORM's
   * upsert wrote (raw-columns.ts).
   */
  async upsert(
    pid: number,
    days: readonly (DailyAggregate | SyncedDay)[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    const now = new Date();
    const rows = days.map((day) => toRow(pid, day, now) as DailyAggregateRow);
    for (let i = 0; i < rows.length; i += UPSERT_CHUNK) {
      const chunk = rows.slice(i, i + UPSERT_CHUNK);
      const parameters: unknown[] = [];
      for (const row of chunk) this.written.parameters(row, parameters);
      await manager.query(this.upsertOf(chunk.length), parameters);
    }
  }

  /** INSERT of `count` rows that replaces the stored day of the same pid and date. */
  private upsertOf(count: number): string {
    let sql = this.upserts.get(count);
    if (sql !== undefined) return sql;
    const { table, names } = this.written;
    const row = `(${names.map(() => '?').join(', ')})`;
    const values = Array.from({ length: count }, () => row).join(', ');
    const replaced = names.slice(2);
    sql =
      this.dataSource.options.type === 'mysql'
        ? `INSERT INTO ${table} (${names.join(', ')}) VALUES ${values}
           ON DUPLICATE KEY UPDATE ${replaced.map((n) => `${n} = VALUES(${n})`).join(', ')}`
        : `INSERT INTO ${table} (${names.join(', ')}) VALUES ${values}
           ON CONFLICT (${names[0]}, ${names[1]}) DO UPDATE SET ${replaced.map((n) => `${n} = excluded.${n}`).join(', ')}`;
    this.upserts.set(count, sql);
    return sql;
  }

  /** One patient's days from `from` to `to` inclusive, oldest first. */
  async series(pid: number, from: string, to: string): Promise<DailyAggregate[]> {
    return (await this.rows(pid, from, to)).map(fromRow);
  }

  /** The same days with their minutes' fingerprints, as every sync reads them. */
  async syncedDays(pid: number, from: string, to: string): Promise<SyncedDay[]> {
    return (await this.rows(pid, from, to)).map((row) => ({
      ...fromRow(row),
      minutesFingerprint: row.minutesFingerprint,
    }));
  }

  private async rows(pid: number, from: string, to: string): Promise<DailyAggregateRow[]> {
    const { table, names, selection } = this.read;
    const rows = (await this.dataSource.query(
      `SELECT ${selection} FROM ${table} WHERE pid = ? AND ${names[0]} BETWEEN ? AND ? ORDER BY ${names[0]}`,
      [pid, from, to],
    )) as Record<string, unknown>[];
    return rows.map((row) => this.read.hydrate(row) as DailyAggregateRow);
  }

  /** Many patients' days in one query, for evaluation runs and the backtest. */
  async seriesFor(
    pids: readonly number[],
    from: string,
    to: string,
  ): Promise<Map<number, DailyAggregate[]>> {
    const out = new Map<number, DailyAggregate[]>(pids.map((pid) => [pid, []]));
    if (pids.length === 0) return out;
    const rows = await this.dataSource.getRepository(DailyAggregateRow).find({
      where: { pid: In([...pids]), date: Between(from, to) },
      order: { pid: 'ASC', date: 'ASC' },
    });
    for (const row of rows) out.get(Number(row.pid))?.push(fromRow(row));
    return out;
  }

  /** The metrics with at least one value from `from` to `to` inclusive. */
  async metricsWithData(pid: number, from: string, to: string): Promise<Set<MetricName>> {
    const meta = this.dataSource.getMetadata(DailyAggregateRow);
    const metrics = Object.keys(NUMERIC_METRICS) as MetricName[];
    const counts = metrics.map((metric, i) => {
      const column = meta.findColumnWithPropertyName(metric);
      if (!column) throw new Error(`daily_aggregates has no column for ${metric}`);
      return `COUNT(${column.databaseName}) AS m${i}`;
    });
    const [row] = (await this.dataSource.query(
      `SELECT ${counts.join(', ')} FROM ${meta.tableName} WHERE pid = ? AND date BETWEEN ? AND ?`,
      [pid, from, to],
    )) as Record<string, unknown>[];
    return new Set(metrics.filter((_, i) => Number(row?.[`m${i}`] ?? 0) > 0));
  }

  /**
   * The daily series rules read: many patients per query, and only the metric
   * columns asked for. Rules read a handful of the 22 metrics, so this skips
   * hydrating whole rows (measured 10x faster on MariaDB than `seriesFor` for
   * the daily run; see bench/rules.ts).
   */
  async metricSeries(
    pids: readonly number[],
    from: string,
    to: string,
    metrics: readonly NumericMetric[],
  ): Promise<Map<number, MetricDay[]>> {
    const out = new Map<number, MetricDay[]>(pids.map((pid) => [pid, []]));
    if (pids.length === 0) return out;
    const { meta, column } = this.columns();
    const selected = metrics.map((metric) => `${column(metric)} AS ${metric}`);
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT pid, ${column('date')} AS date${selected.map((s) => `, ${s}`).join('')}
       FROM ${meta.tableName}
       WHERE pid IN (${pids.map(() => '?').join(',')}) AND ${column('date')} BETWEEN ? AND ?
       ORDER BY pid, ${column('date')}`,
      [...pids, from, to],
    );
    for (const row of rows) {
      const day: MetricDay = { date: String(row.date) };
      for (const metric of metrics) {
        const value = row[metric];
        // Drivers may hand DOUBLE back as text; a missing value stays missing.
        day[metric] = value === null || value === undefined ? null : Number(value);
      }
      out.get(Number(row.pid))?.push(day);
    }
    return out;
  }

  /** Each patient's first date from `from` through `to` with any metric; absent without data. */
  async firstDataDates(
    pids: readonly number[],
    from: string,
    to: string,
  ): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    if (pids.length === 0) return out;
    const { meta, column } = this.columns();
    const anyMetric = Object.keys(NUMERIC_METRICS)
      .map((metric) => `${column(metric)} IS NOT NULL`)
      .join(' OR ');
    const rows: { pid: unknown; first: unknown }[] = await this.dataSource.query(
      `SELECT pid, MIN(${column('date')}) AS first FROM ${meta.tableName}
       WHERE pid IN (${pids.map(() => '?').join(',')}) AND ${column('date')} BETWEEN ? AND ?
         AND (${anyMetric})
       GROUP BY pid`,
      [...pids, from, to],
    );
    for (const row of rows) out.set(Number(row.pid), String(row.first).slice(0, 10));
    return out;
  }

  /**
   * The stored patient-days from `from` to `to`, oldest first, with when each
   * was last written. `pids` narrows to patients.
   */
  async writtenDays(
    from: string,
    to: string,
    pids?: readonly number[],
  ): Promise<{ pid: number; date: string; writtenAt: Date }[]> {
    if (pids !== undefined && pids.length === 0) return [];
    // Hand-written (raw-columns.ts): every evaluation after a sync asks.
    const columns = this.written;
    const [pid, date] = [columns.name('pid'), columns.name('date')];
    const only = pids === undefined ? null : columns.where({ pid: In([...pids]) });
    const rows = (await this.dataSource.query(
      `SELECT ${pid} AS pid, ${date} AS date, ${columns.name('updatedAt')} AS writtenAt FROM ${columns.table} WHERE ${date} BETWEEN ? AND ?${only === null ? '' : ` AND ${only.sql}`} ORDER BY ${date} ASC`,
      [from, to, ...(only?.parameters ?? [])],
    )) as { pid: number | string; date: string | Date; writtenAt: string | Date }[];
    const updatedAt = this.dataSource
      .getMetadata(DailyAggregateRow)
      .findColumnWithPropertyName('updatedAt')!;
    return rows.map((row) => ({
      pid: Number(row.pid),
      date: row.date instanceof Date ? row.date.toISOString().slice(0, 10) : String(row.date),
      writtenAt: this.dataSource.driver.prepareHydratedValue(row.writtenAt, updatedAt) as Date,
    }));
  }

  /**
   * metricsWithData for many patients, each over its own window, in one query
   * per distinct window (patients' windows differ only with their time zones).
   */
  async metricsWithDataOf(
    windows: readonly { pid: number; from: string; to: string }[],
  ): Promise<Map<number, Set<MetricName>>> {
    const out = new Map<number, Set<MetricName>>(windows.map((w) => [w.pid, new Set()]));
    const byWindow = groupBy(windows, ({ from, to }) => `${from} ${to}`);
    const { meta, column } = this.columns();
    const metrics = Object.keys(NUMERIC_METRICS) as MetricName[];
    const counts = metrics.map((metric, i) => `COUNT(${column(metric)}) AS m${i}`);
    for (const [key, sharing] of byWindow) {
      const [from, to] = key.split(' ');
      const pids = sharing.map((window) => window.pid);
      for (let i = 0; i < pids.length; i += PIDS_PER_QUERY) {
        const chunk = pids.slice(i, i + PIDS_PER_QUERY);
        const rows = (await this.dataSource.query(
          `SELECT pid, ${counts.join(', ')} FROM ${meta.tableName}
           WHERE pid IN (${chunk.map(() => '?').join(',')}) AND date BETWEEN ? AND ?
           GROUP BY pid`,
          [...chunk, from, to],
        )) as Record<string, unknown>[];
        for (const row of rows) {
          out.set(
            Number(row.pid),
            new Set(metrics.filter((_, m) => Number(row[`m${m}`] ?? 0) > 0)),
          );
        }
      }
    }
    return out;
  }

  async purge(pid: number, manager: EntityManager = this.dataSource.manager): Promise<number> {
    const result = await manager.getRepository(DailyAggregateRow).delete({ pid });
    return result.affected ?? 0;
  }

  /** The table and its column names, so raw queries follow the entity's mapping. */
  private columns() {
    const meta = this.dataSource.getMetadata(DailyAggregateRow);
    const column = (property: string): string => {
      const found = meta.findColumnWithPropertyName(property);
      if (!found) throw new Error(`daily_aggregates has no column for ${property}`);
      return found.databaseName;
    };
    return { meta, column };
  }
}
