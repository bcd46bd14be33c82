import { Injectable } from '@nestjs/common';
import { Between, DataSource, EntityManager, In, IsNull } from 'typeorm';
import { RawColumns } from '../database/raw-columns';
import type { LocalDate } from '../time';
import { RuleOutcome } from './rule-outcome.entity';
import type { OutcomeResult } from './rule-definition';

const UPSERT_CHUNK = 500;
const WRITTEN = [
  'pid',
  'ruleId',
  'ruleVersion',
  'date',
  'result',
  'facts',
  'message',
  'evaluatedAt',
  'alertsAppliedAt',
] as const;

export interface OutcomeQuery {
  from: string;
  to: string;
  ruleId?: string;
  limit: number;
}

/** Stored rule outcomes: one per patient, rule and local date. */
@Injectable()
export class RuleOutcomes {
  /** Every column, for the alert step's statements after every evaluation (hand-written, raw-columns.ts). */
  private readonly columns: RawColumns<RuleOutcome, keyof RuleOutcome & string>;

  constructor(private readonly dataSource: DataSource) {
    this.columns = RawColumns.all(dataSource, RuleOutcome);
  }

  /**
   * Outcomes the alerts have not applied yet, and how long ago the oldest was
   * evaluated: for the metrics.
   */
  async unstepped(now: Date): Promise<{ depth: number; oldestAgeSeconds: number }> {
    const rows = this.dataSource.getRepository(RuleOutcome);
    const where = { alertsAppliedAt: IsNull() };
    const depth = await rows.countBy(where);
    if (depth === 0) return { depth, oldestAgeSeconds: 0 };
    const first = await rows.findOne({
      select: { id: true, evaluatedAt: true },
      where,
      order: { evaluatedAt: 'ASC' },
    });
    const since = first?.evaluatedAt ?? null;
    return {
      depth,
      oldestAgeSeconds: since ? Math.max(0, (now.getTime() - since.getTime()) / 1000) : 0,
    };
  }

  /**
   * Idempotent: evaluating a day again replaces its outcome, whatever the
   * version. Plain multi-row SQL: TypeORM's upsert spends longer naming
   * parameters than the database spends writing a daily run's rows.
   */
  async upsert(
    rows: readonly Omit<RuleOutcome, 'id'>[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    const meta = this.dataSource.getMetadata(RuleOutcome);
    const columns = WRITTEN.map((property) => {
      const column = meta.findColumnWithPropertyName(property);
      if (!column) throw new Error(`rule_outcomes has no column for ${property}`);
      return column;
    });
    const names = columns.map((column) => column.databaseName);
    const updated = names.filter((name) => !['pid', 'rule_id', 'date'].includes(name));
    const onConflict =
      this.dataSource.options.type === 'mysql'
        ? `ON DUPLICATE KEY UPDATE ${updated.map((n) => `${n} = VALUES(${n})`).join(', ')}`
        : `ON CONFLICT (pid, rule_id, date) DO UPDATE SET ${updated.map((n) => `${n} = excluded.${n}`).join(', ')}`;
    const driver = this.dataSource.driver;
    for (let i = 0; i < rows.length; i += UPSERT_CHUNK) {
      const chunk = rows.slice(i, i + UPSERT_CHUNK);
      const values = chunk.flatMap((row) =>
        columns.map((column) =>
          driver.preparePersistentValue(row[column.propertyName as keyof typeof row], column),
        ),
      );
      const tuple = `(${names.map(() => '?').join(', ')})`;
      await manager.query(
        `INSERT INTO ${meta.tableName} (${names.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')} ${onConflict}`,
        values,
      );
    }
  }

  /** A patient's outcomes, newest date first. */
  forPatient(pid: number, query: OutcomeQuery): Promise<RuleOutcome[]> {
    return this.dataSource.getRepository(RuleOutcome).find({
      where: {
        pid,
        date: Between(query.from, query.to),
        ...(query.ruleId === undefined ? {} : { ruleId: query.ruleId }),
      },
      order: { date: 'DESC', ruleId: 'ASC' },
      take: query.limit,
    });
  }

  /** Every patient's outcomes for one date, by pid then rule (the demo's summary). */
  onDate(date: string): Promise<RuleOutcome[]> {
    return this.dataSource
      .getRepository(RuleOutcome)
      .find({ where: { date }, order: { pid: 'ASC', ruleId: 'ASC' } });
  }

  /** One rule's outcomes from `from` to `to`: who, which day, what it decided (nothing else). */
  async forRule(
    ruleId: string,
    from: string,
    to: string,
  ): Promise<{ pid: number; date: string; result: OutcomeResult }[]> {
    const rows = await this.dataSource.getRepository(RuleOutcome).find({
      select: { pid: true, date: true, result: true },
      where: { ruleId, date: Between(from, to) },
    });
    return rows.map((row) => ({ pid: Number(row.pid), date: row.date, result: row.result }));
  }

  /** The earliest outcome of a rule still kept (older ones go after OUTCOME_RETENTION_DAYS). */
  async firstDateForRule(ruleId: string): Promise<string | null> {
    const row = await this.dataSource
      .getRepository(RuleOutcome)
      .createQueryBuilder('o')
      .select('MIN(o.date)', 'first')
      .where('o.rule_id = :ruleId', { ruleId })
      .getRawOne<{ first: string | Date | null }>();
    if (!row?.first) return null;
    return row.first instanceof Date ? row.first.toISOString().slice(0, 10) : String(row.first);
  }

  /**
   * A patient's outcomes whose alert step has not committed, oldest day first,
   * locked until the caller's transaction ends (MySQL), so two processes never
   * step the same outcome.
   */
  async unappliedForAlerts(manager: EntityManager, pid: number): Promise<RuleOutcome[]> {
    const { table, selection } = this.columns;
    const where = this.columns.where({ pid, alertsAppliedAt: IsNull() });
    const order = `${this.columns.name('date')} ASC, ${this.columns.name('ruleId')} ASC`;
    const mysql = this.dataSource.options.type === 'mysql';
    // A locking read locks every row it passes: through the unapplied outcomes of every
    // patient (the plan MariaDB picks on its own) it locked other patients' steps out.
    const index = mysql ? ' FORCE INDEX (ix_rule_outcomes_pid_unapplied)' : '';
    const lock = mysql ? ' FOR UPDATE' : '';
    const rows = (await manager.query(
      `SELECT ${selection} FROM ${table}${index} WHERE ${where.sql} ORDER BY ${order}${lock}`,
      where.parameters,
    )) as Record<string, unknown>[];
    return rows.map((row) => this.columns.entity(row));
  }

  async markAlertsApplied(
    manager: EntityManager,
    outcomes: readonly RuleOutcome[],
    at: Date,
  ): Promise<void> {
    if (outcomes.length === 0) return;
    const set = this.columns.assignments({ alertsAppliedAt: at });
    const ids = this.columns.where({ id: In(outcomes.map((o) => o.id)) });
    await manager.query(`UPDATE ${this.columns.table} SET ${set.sql} WHERE ${ids.sql}`, [
      ...set.parameters,
      ...ids.parameters,
    ]);
  }

  /**
   * The patient-days from `from` to `to` with at least one outcome. `pids`
   * narrows to patients. One row per day (the (pid, date) index serves it).
   */
  async evaluatedDays(
    from: string,
    to: string,
    pids?: readonly number[],
  ): Promise<{ pid: number; date: string }[]> {
    if (pids !== undefined && pids.length === 0) return [];
    // Hand-written (raw-columns.ts): every evaluation after a sync asks.
    const [pid, date] = [this.columns.name('pid'), this.columns.name('date')];
    const only = pids === undefined ? null : this.columns.where({ pid: In([...pids]) });
    const rows = (await this.dataSource.query(
      `SELECT ${pid} AS pid, ${date} AS date FROM ${this.columns.table} WHERE ${date} BETWEEN ? AND ?${only === null ? '' : ` AND ${only.sql}`} GROUP BY ${pid}, ${date}`,
      [from, to, ...(only?.parameters ?? [])],
    )) as { pid: number | string; date: string | Date }[];
    return rows.map((row) => ({
      pid: Number(row.pid),
      date: row.date instanceof Date ? row.date.toISOString().slice(0, 10) : String(row.date),
    }));
  }

  /**
   * Deletes up to `limit` outcomes dated before `before.date` whose last alert
   * step was before `before.steppedBefore`; how many it found and deleted.
   */
  async deleteStepped(
    before: { date: LocalDate; steppedBefore: Date },
    limit: number,
    manager: EntityManager,
  ): Promise<{ found: number; deleted: number }> {
    const repository = manager.getRepository(RuleOutcome);
    // Any batch will do: unordered, the scan stops at the batch's last row. A nightly few are
    // found through the alert step's index (alerts_applied_at first; NULL = never stepped).
    const ids = (
      await repository
        .createQueryBuilder('o')
        .select('o.id', 'id')
        .where('o.alertsAppliedAt < :stepped', { stepped: before.steppedBefore })
        .andWhere('o.date < :date', { date: before.date })
        .limit(limit)
        .getRawMany<{ id: string | number }>()
    ).map((row) => String(row.id));
    if (ids.length === 0) return { found: 0, deleted: 0 };
    // Checked again as it deletes: a day evaluated meanwhile is waiting for its alert step.
    const result = await repository
      .createQueryBuilder()
      .delete()
      .where({ id: In(ids) })
      .andWhere('alerts_applied_at < :stepped', { stepped: before.steppedBefore })
      .execute();
    return { found: ids.length, deleted: result.affected ?? 0 };
  }

  /** Which of these patients already have an outcome for a date. */
  async evaluatedOn(pids: readonly number[], date: string): Promise<Set<number>> {
    if (pids.length === 0) return new Set();
    const rows: { pid: number | string }[] = await this.dataSource
      .getRepository(RuleOutcome)
      .createQueryBuilder('o')
      .select('DISTINCT o.pid', 'pid')
      .where({ pid: In([...pids]), date })
      .getRawMany();
    return new Set(rows.map((row) => Number(row.pid)));
  }
}
