import { Injectable } from '@nestjs/common';
import {
  DataSource,
  In,
  IsNull,
  LessThanOrEqual,
  Not,
  type EntityManager,
  type SelectQueryBuilder,
} from 'typeorm';
import { RawColumns } from '../database/raw-columns';
import type { Severity } from '../rules/rule-definition';
import { AlertTransitionRow, StoredAlert } from './alert.entity';
import type { AlertState } from './lifecycle';

/**
 * Staff have been told (or are being told) and nobody closed it yet. Pending
 * alerts have not fired and resolved ones are over, so an inbox leaves both
 * out unless asked for them by state.
 */
export const OPEN_STATES: readonly AlertState[] = [
  'firing',
  'acknowledged',
  'snoozed',
  'inhibited',
  'stale',
];

export interface AlertFilters {
  /** One state; else any of `states`; else the open states. */
  state?: AlertState;
  states?: readonly AlertState[];
  severity?: Severity;
  /** The enrollment's program. */
  program?: string;
  /** OpenEMR username the alert was routed to. */
  recipient?: string;
  pid?: number;
  limit: number;
}

/** What the API's list filters on: newest first, any state unless one is named. */
export interface AlertListFilters {
  state?: AlertState;
  severity?: Severity;
  pid?: number;
  recipient?: string;
  limit: number;
}

/** One state change as stored, without its id. */
export type NewTransition = Omit<AlertTransitionRow, 'id'>;

/** Most severe first, then the longest waiting. */
const SEVERITY_RANK = "CASE a.severity WHEN 'urgent' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END";

const ALERT_ID = /^\d{1,18}$/;
/** Alert ids per query of their transitions. */
const IDS_PER_QUERY = 500;

/**
 * The `alerts` and `alert_transitions` tables. Methods that run inside a
 * caller's transaction take its manager last; without one they read on their own.
 */
@Injectable()
export class AlertRepository {
  private all?: RawColumns<StoredAlert, keyof StoredAlert & string>;

  constructor(private readonly dataSource: DataSource) {}

  /** Every column of alerts, made on first use. */
  private get columns(): RawColumns<StoredAlert, keyof StoredAlert & string> {
    return (this.all ??= RawColumns.all(this.dataSource, StoredAlert));
  }

  /** How many alerts are in each state at each severity (pairs with none are absent). */
  async countsByStateAndSeverity(): Promise<{ state: string; severity: string; count: number }[]> {
    const rows: { state: string; severity: string; count: string | number }[] =
      await this.dataSource
        .getRepository(StoredAlert)
        .createQueryBuilder('a')
        .select('a.state', 'state')
        .addSelect('a.severity', 'severity')
        .addSelect('COUNT(*)', 'count')
        .groupBy('a.state')
        .addGroupBy('a.severity')
        .getRawMany();
    return rows.map((r) => ({ state: r.state, severity: r.severity, count: Number(r.count) }));
  }

  /** The most recent alert of each rule for the patient, locked for the transaction (MySQL). */
  async latestOfRules(
    pid: number,
    ruleIds: readonly string[],
    manager: EntityManager,
  ): Promise<Map<string, StoredAlert>> {
    const latest = new Map<string, StoredAlert>();
    if (ruleIds.length === 0) return latest;
    // Hand-written (raw-columns.ts): every alert step after a sync reads it.
    const columns = this.columns;
    const where = columns.where({ pid, ruleId: In([...new Set(ruleIds)]) });
    const order = `${columns.name('episodeStart')} DESC, ${columns.name('id')} DESC`;
    const lock = manager.connection.options.type === 'mysql' ? ' FOR UPDATE' : '';
    const rows = (await manager.query(
      `SELECT ${columns.selection} FROM ${columns.table} WHERE ${where.sql} ORDER BY ${order}${lock}`,
      where.parameters,
    )) as Record<string, unknown>[];
    for (const row of rows.map((found) => columns.entity(found))) {
      if (!latest.has(row.ruleId)) latest.set(row.ruleId, row);
    }
    return latest;
  }

  /** One alert, locked for the transaction (MySQL); null for an id that names none. */
  async lock(id: string, manager: EntityManager): Promise<StoredAlert | null> {
    if (!ALERT_ID.test(id)) return null;
    const query = manager
      .getRepository(StoredAlert)
      .createQueryBuilder('a')
      .where('a.id = :id', { id });
    if (manager.connection.options.type === 'mysql') query.setLock('pessimistic_write');
    return query.getOne();
  }

  /** Inserts a new alert (no id yet) or saves a changed one; the row with its id. */
  save(row: StoredAlert, manager: EntityManager): Promise<StoredAlert> {
    return manager.getRepository(StoredAlert).save(row);
  }

  async addTransitions(rows: readonly NewTransition[], manager: EntityManager): Promise<void> {
    if (rows.length === 0) return;
    await manager.getRepository(AlertTransitionRow).insert([...rows]);
  }

  async find(id: string): Promise<StoredAlert | null> {
    if (!ALERT_ID.test(id)) return null;
    return this.dataSource.getRepository(StoredAlert).findOneBy({ id });
  }

  async byIds(ids: readonly string[]): Promise<StoredAlert[]> {
    if (ids.length === 0) return [];
    return this.dataSource.getRepository(StoredAlert).findBy({ id: In([...new Set(ids)]) });
  }

  /** The staff inbox: most severe first, then the longest waiting. */
  async inbox(filters: AlertFilters): Promise<StoredAlert[]> {
    const query = this.dataSource
      .getRepository(StoredAlert)
      .createQueryBuilder('a')
      .addSelect(SEVERITY_RANK, 'severity_rank')
      .addSelect('COALESCE(a.fired_at, a.created_at)', 'since')
      .orderBy('severity_rank', 'ASC')
      .addOrderBy('since', 'ASC')
      .addOrderBy('a.id', 'ASC')
      .limit(filters.limit);
    if (filters.state) query.where('a.state = :state', { state: filters.state });
    else query.where('a.state IN (:...open)', { open: filters.states ?? OPEN_STATES });
    if (filters.severity) query.andWhere('a.severity = :severity', { severity: filters.severity });
    if (filters.pid) query.andWhere('a.pid = :pid', { pid: filters.pid });
    if (filters.program) {
      query.andWhere('a.pid IN (SELECT e.pid FROM enrollments e WHERE e.program = :program)', {
        program: filters.program,
      });
    }
    if (filters.recipient) likeRecipient(query, filters.recipient);
    return onlyRecipient(await query.getMany(), filters.recipient);
  }

  /** The API's list: newest first. */
  async list(filters: AlertListFilters): Promise<StoredAlert[]> {
    const query = this.dataSource
      .getRepository(StoredAlert)
      .createQueryBuilder('a')
      .orderBy('a.id', 'DESC')
      .limit(filters.limit);
    if (filters.state) query.andWhere('a.state = :state', { state: filters.state });
    if (filters.severity) query.andWhere('a.severity = :severity', { severity: filters.severity });
    if (filters.pid) query.andWhere('a.pid = :pid', { pid: filters.pid });
    if (filters.recipient) likeRecipient(query, filters.recipient);
    return onlyRecipient(await query.getMany(), filters.recipient);
  }

  /** A patient's alerts, newest first. */
  ofPatient(pid: number, limit: number): Promise<StoredAlert[]> {
    return this.dataSource
      .getRepository(StoredAlert)
      .find({ where: { pid }, order: { id: 'DESC' }, take: limit });
  }

  /** A patient's alerts of one rule that are not resolved. */
  async unresolvedOfRule(pid: number, ruleId: string): Promise<StoredAlert[]> {
    // Hand-written (raw-columns.ts): the monitoring-gap listener asks after every sync.
    const where = this.columns.where({ pid, ruleId, state: Not('resolved') });
    const rows = (await this.dataSource.query(
      `SELECT ${this.columns.selection} FROM ${this.columns.table} WHERE ${where.sql}`,
      where.parameters,
    )) as Record<string, unknown>[];
    return rows.map((row) => this.columns.entity(row));
  }

  /**
   * A rule's alerts that may touch a period: begun by its end, and open or
   * changed on or after its start; oldest first.
   */
  ofRuleInPeriod(ruleId: string, from: string, to: string): Promise<StoredAlert[]> {
    return this.dataSource
      .getRepository(StoredAlert)
      .createQueryBuilder('a')
      .where('a.rule_id = :ruleId', { ruleId })
      .andWhere('a.episode_start <= :to', { to })
      .andWhere(
        "(a.state <> 'resolved' OR EXISTS (SELECT 1 FROM alert_transitions t WHERE t.alert_id = a.id AND t.local_date >= :from))",
        { from },
      )
      .orderBy('a.id', 'ASC')
      .getMany();
  }

  /** Every state change of these alerts, oldest first. */
  async transitionsOf(alertIds: readonly string[]): Promise<AlertTransitionRow[]> {
    const rows: AlertTransitionRow[] = [];
    for (let i = 0; i < alertIds.length; i += IDS_PER_QUERY) {
      rows.push(
        ...(await this.dataSource.getRepository(AlertTransitionRow).find({
          where: { alertId: In(alertIds.slice(i, i + IDS_PER_QUERY)) },
          order: { id: 'ASC' },
        })),
      );
    }
    // Chunks each come oldest first; together too.
    return rows.sort((a, b) => Number(a.id) - Number(b.id));
  }

  /** Whom the alert went to (merged by the caller) and why fallbacks were used. */
  async recordRouting(
    alertId: string,
    recipients: string,
    routingReasons: string | null,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager
      .getRepository(StoredAlert)
      .update({ id: alertId }, { recipients, routingReasons });
  }

  /** Urgent alerts still firing, unescalated, that fired at or before `firedBy`; oldest first. */
  overdueUrgent(firedBy: Date, manager: EntityManager): Promise<StoredAlert[]> {
    return manager.getRepository(StoredAlert).find({
      where: {
        severity: 'urgent',
        state: 'firing',
        escalatedAt: IsNull(),
        firedAt: LessThanOrEqual(firedBy),
      },
      order: { id: 'ASC' },
    });
  }

  async markEscalated(ids: readonly string[], at: Date, manager: EntityManager): Promise<void> {
    for (const id of ids) {
      await manager.getRepository(StoredAlert).update({ id }, { escalatedAt: at });
    }
  }

  /** Alerts that fired and are not resolved: the daily digest counts them. */
  firedAndOpen(manager: EntityManager): Promise<StoredAlert[]> {
    return manager.getRepository(StoredAlert).find({
      where: { state: Not('resolved'), firedAt: Not(IsNull()) },
    });
  }
}

function likeRecipient(query: SelectQueryBuilder<StoredAlert>, username: string): void {
  query.andWhere('a.recipients LIKE :recipient', {
    recipient: `%${JSON.stringify({ username }).slice(1, -1)},%`,
  });
}

/** LIKE reads `_` as any character; keep only exact recipients. */
function onlyRecipient(rows: StoredAlert[], username: string | undefined): StoredAlert[] {
  if (!username) return rows;
  return rows.filter((row) =>
    (JSON.parse(row.recipients ?? '[]') as { username: string }[]).some(
      (r) => r.username === username,
    ),
  );
}
