import { Injectable } from '@nestjs/common';
import { Between, DataSource, EntityManager, In } from 'typeorm';
import { DailyAggregate, METRIC_NAMES, MetricName, NUMERIC_METRICS } from './daily-aggregate';
import { DailyAggregateRow } from './daily-aggregate.entity';

export function toRow(
  pid: number,
  day: DailyAggregate,
  updatedAt: Date,
): Partial<DailyAggregateRow> {
  const row: Partial<DailyAggregateRow> = {
    pid,
    date: day.date,
    coverage: JSON.stringify(day.coverage),
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

/** Reads and writes patients' daily aggregates; callers own the transaction. */
@Injectable()
export class DailyAggregates {
  constructor(private readonly dataSource: DataSource) {}

  /** Idempotent: the same days written twice leave one row each, with the latest values. */
  async upsert(
    pid: number,
    days: readonly DailyAggregate[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    const now = new Date();
    const rows = days.map((day) => toRow(pid, day, now));
    for (let i = 0; i < rows.length; i += UPSERT_CHUNK) {
      await manager.getRepository(DailyAggregateRow).upsert(rows.slice(i, i + UPSERT_CHUNK), {
        conflictPaths: ['pid', 'date'],
        skipUpdateIfNoValuesChanged: false,
      });
    }
  }

  /** One patient's days from `from` to `to` inclusive, oldest first. */
  async series(pid: number, from: string, to: string): Promise<DailyAggregate[]> {
    const rows = await this.dataSource.getRepository(DailyAggregateRow).find({
      where: { pid, date: Between(from, to) },
      order: { date: 'ASC' },
    });
    return rows.map(fromRow);
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

  async purge(pid: number, manager: EntityManager = this.dataSource.manager): Promise<number> {
    const result = await manager.getRepository(DailyAggregateRow).delete({ pid });
    return result.affected ?? 0;
  }
}
