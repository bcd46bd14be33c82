import { Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
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

/** Alert ids per query of their transitions. */
const IDS_PER_QUERY = 500;

/** Most severe first, then the longest waiting. */
const SEVERITY_RANK = "CASE a.severity WHEN 'urgent' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END";

/** Read-only questions staff ask about alerts: the inbox and one alert's history. */
@Injectable()
export class AlertQueries {
  constructor(private readonly dataSource: DataSource) {}

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
    if (filters.recipient) {
      query.andWhere('a.recipients LIKE :recipient', {
        recipient: `%${JSON.stringify({ username: filters.recipient }).slice(1, -1)},%`,
      });
    }
    const rows = await query.getMany();
    // LIKE reads `_` as any character; keep only exact recipients.
    return filters.recipient
      ? rows.filter((row) =>
          (JSON.parse(row.recipients ?? '[]') as { username: string }[]).some(
            (r) => r.username === filters.recipient,
          ),
        )
      : rows;
  }

  async find(id: string): Promise<StoredAlert | null> {
    if (!/^\d{1,18}$/.test(id)) return null;
    return this.dataSource.getRepository(StoredAlert).findOneBy({ id });
  }

  /** The latest state change of each alert: who acknowledged or snoozed it, and when. */
  async latestChanges(ids: readonly string[]): Promise<Map<string, AlertTransitionRow>> {
    const latest = new Map<string, AlertTransitionRow>();
    if (ids.length === 0) return latest;
    const rows = await this.dataSource
      .getRepository(AlertTransitionRow)
      .find({ where: { alertId: In([...ids]) }, order: { id: 'DESC' } });
    for (const row of rows)
      if (!latest.has(String(row.alertId))) latest.set(String(row.alertId), row);
    return latest;
  }

  /**
   * A rule's alerts that may touch a period: begun by its end, and open or
   * changed on or after its start. Each with its state changes, oldest first.
   */
  async ofRuleInPeriod(
    ruleId: string,
    from: string,
    to: string,
  ): Promise<{ alert: StoredAlert; transitions: AlertTransitionRow[] }[]> {
    const alerts = await this.dataSource
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
    const transitions = new Map<string, AlertTransitionRow[]>();
    for (let i = 0; i < alerts.length; i += IDS_PER_QUERY) {
      const rows = await this.dataSource.getRepository(AlertTransitionRow).find({
        where: { alertId: In(alerts.slice(i, i + IDS_PER_QUERY).map((a) => a.id)) },
        order: { id: 'ASC' },
      });
      for (const row of rows) {
        const list = transitions.get(String(row.alertId)) ?? [];
        list.push(row);
        transitions.set(String(row.alertId), list);
      }
    }
    return alerts.map((alert) => ({
      alert,
      transitions: transitions.get(String(alert.id)) ?? [],
    }));
  }

  /** Every state change of the alert, oldest first. */
  history(id: string): Promise<AlertTransitionRow[]> {
    return this.dataSource
      .getRepository(AlertTransitionRow)
      .find({ where: { alertId: id }, order: { id: 'ASC' } });
  }
}
