import { Injectable } from '@nestjs/common';
import { Between, DataSource, In } from 'typeorm';
import { AlertTransitionRow, StoredAlert } from '../alerts/alert.entity';
import type { Alert } from '../alerts/lifecycle';
import { RuleOutcome } from '../rules/rule-outcome.entity';
import type { LocalDate } from '../time';
import type { QualityAlert, QualityOutcome } from './rule-quality';

const IDS_PER_QUERY = 500;

/** The history a rule-quality report reads: one rule's outcomes and alerts over a period. */
@Injectable()
export class RuleQualityHistory {
  constructor(private readonly dataSource: DataSource) {}

  /** Outcomes of the rule from `from` to `to`: who, which day, what it decided (nothing else). */
  async outcomes(ruleId: string, from: LocalDate, to: LocalDate): Promise<QualityOutcome[]> {
    const rows = await this.dataSource.getRepository(RuleOutcome).find({
      select: { pid: true, date: true, result: true },
      where: { ruleId, date: Between(from, to) },
    });
    return rows.map((row) => ({ pid: Number(row.pid), date: row.date, result: row.result }));
  }

  /** The earliest outcome of the rule still kept (older ones are removed after OUTCOME_RETENTION_DAYS). */
  async firstOutcomeDate(ruleId: string): Promise<LocalDate | null> {
    const row = await this.dataSource
      .getRepository(RuleOutcome)
      .createQueryBuilder('o')
      .select('MIN(o.date)', 'first')
      .where('o.rule_id = :ruleId', { ruleId })
      .getRawOne<{ first: string | null }>();
    return row?.first ? String(row.first).slice(0, 10) : null;
  }

  /**
   * Alerts of the rule that may touch the period: begun by its end, and open
   * or changed on or after its start. Each with its state changes, in order.
   */
  async alerts(ruleId: string, from: LocalDate, to: LocalDate): Promise<QualityAlert[]> {
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
        const key = String(row.alertId);
        const list = transitions.get(key) ?? [];
        list.push(row);
        transitions.set(key, list);
      }
    }
    return alerts.map((alert) => ({
      pid: Number(alert.pid),
      firedOn: (JSON.parse(alert.lifecycle) as Alert).firedOn,
      firedAt: alert.firedAt,
      transitions: (transitions.get(String(alert.id)) ?? []).map((t) => ({
        localDate: t.localDate,
        occurredAt: t.occurredAt,
        to: t.toState,
        cause: t.cause,
        actor: t.actor,
      })),
    }));
  }
}
