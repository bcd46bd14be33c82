import { Injectable } from '@nestjs/common';
import { AlertTransitionRow, StoredAlert } from './alert.entity';
import { AlertRepository, type AlertFilters, type AlertListFilters } from './alert.repository';

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

  /** Every state change of the alert, oldest first. */
  history(id: string): Promise<AlertTransitionRow[]> {
    return this.alerts.transitionsOf([id]);
  }

  /** The patient's latest alerts, newest first, each with its state changes oldest first. */
  async ofPatient(
    pid: number,
    limit: number,
  ): Promise<{ alert: StoredAlert; transitions: AlertTransitionRow[] }[]> {
    const rows = await this.alerts.ofPatient(pid, limit);
    const transitions = await this.alerts.transitionsOf(rows.map((row) => row.id));
    return rows.map((alert) => ({
      alert,
      transitions: transitions.filter((t) => String(t.alertId) === String(alert.id)),
    }));
  }
}
