import { Injectable } from '@nestjs/common';
import { AlertTransitionRow, StoredAlert } from './alert.entity';
import { AlertRepository, type AlertFilters, type AlertListFilters } from './alert.repository';
import { groupBy } from '../grouping';

export { OPEN_STATES, type AlertFilters, type AlertListFilters } from './alert.repository';

/** Read-only questions staff ask about alerts: the inbox, the API's list, one alert's history. */
@Injectable()
export class AlertQueries {
  constructor(private readonly alerts: AlertRepository) {}

  inbox(filters: AlertFilters): Promise<StoredAlert[]> {
    return this.alerts.inbox(filters);
  }

  list(filters: AlertListFilters): Promise<StoredAlert[]> {
    return this.alerts.list(filters);
  }

  find(id: string): Promise<StoredAlert | null> {
    return this.alerts.find(id);
  }

  /** The latest state change of each alert: who acknowledged or snoozed it, and when. */
  async latestChanges(ids: readonly string[]): Promise<Map<string, AlertTransitionRow>> {
    const latest = new Map<string, AlertTransitionRow>();
    for (const row of (await this.alerts.transitionsOf(ids)).reverse()) {
      if (!latest.has(String(row.alertId))) latest.set(String(row.alertId), row);
    }
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
    return this.withTransitions(await this.alerts.ofRuleInPeriod(ruleId, from, to));
  }

  /** Every state change of the alert, oldest first. */
  history(id: string): Promise<AlertTransitionRow[]> {
    return this.alerts.transitionsOf([id]);
  }

  /** The patient's latest alerts, newest first, each with its state changes oldest first. */
  async ofPatient(
    pid: number,
    limit: number,
  ): Promise<{ alert: StoredAlert; transitions: AlertTransitionRow[] }[]> {
    return this.withTransitions(await this.alerts.ofPatient(pid, limit));
  }

  private async withTransitions(
    alerts: StoredAlert[],
  ): Promise<{ alert: StoredAlert; transitions: AlertTransitionRow[] }[]> {
    const transitions = await this.alerts.transitionsOf(alerts.map((a) => a.id));
    const byAlert = groupBy(transitions, (row) => String(row.alertId));
    return alerts.map((alert) => ({ alert, transitions: byAlert.get(String(alert.id)) ?? [] }));
  }
}
