import { Injectable } from '@nestjs/common';
import type { Delivery, DeliveryKind } from './delivery.entity';
import { OutboxRepository } from './outbox.repository';

/**
 * What staff see of one outbox row: a failing row is `retrying` with its last
 * reason until it is parked as `failed` after its last attempt.
 */
export type DeliveryProgress =
  'pending' | 'retrying' | 'delivered' | 'rerouted' | 'withheld' | 'failed';

export interface DeliveryStatus {
  id: string;
  kind: DeliveryKind;
  /** OpenEMR username or email address; null while the row still has to be routed. */
  recipient: string | null;
  progress: DeliveryProgress;
  /** delivered: when; pending: since when; retrying: the next attempt; rerouted, withheld: when queued. */
  at: Date;
  attempts: number;
  /** Why the last attempt failed (words without health values), or why it was rerouted or withheld. */
  lastError: string | null;
  /** When OpenEMR showed the message Done or the reminder processed. */
  acknowledgedAt: Date | null;
}

export function deliveryStatus(row: Delivery): DeliveryStatus {
  const progress: DeliveryProgress =
    row.status === 'delivered'
      ? 'delivered'
      : row.status === 'rerouted' || row.status === 'withheld' || row.status === 'failed'
        ? row.status
        : // A claim counts an attempt before it fails: only a failure's reason says it must retry.
          row.lastError !== null
          ? 'retrying'
          : 'pending';
  const at =
    progress === 'delivered'
      ? (row.deliveredAt ?? row.createdAt)
      : progress === 'retrying'
        ? row.nextAttemptAt
        : row.createdAt;
  return {
    id: String(row.id),
    kind: row.kind,
    recipient: row.recipient,
    progress,
    at,
    attempts: row.attempts,
    lastError: row.lastError,
    acknowledgedAt: row.acknowledgedAt,
  };
}

/**
 * A delivered routing row only split the notices into the rows that reached
 * people, so staff are shown those; a routing row still waiting is shown, as
 * it is why nothing reached OpenEMR yet, and one parked as failed or withheld is why nothing will.
 */
export function shownToStaff(row: Delivery): boolean {
  return row.kind !== 'routing' || ['pending', 'failed', 'withheld'].includes(row.status);
}

/** The outbox rows that speak about given alerts, as their delivery status. */
@Injectable()
export class AlertDeliveries {
  constructor(private readonly outbox: OutboxRepository) {}

  async forAlerts(alertIds: readonly string[]): Promise<Map<string, DeliveryStatus[]>> {
    const byAlert = new Map<string, DeliveryStatus[]>();
    if (alertIds.length === 0) return byAlert;
    const links = await this.outbox.linksOf(alertIds);
    if (links.length === 0) return byAlert;
    const rows = await this.outbox.byIds(links.map((l) => l.deliveryId));
    const byId = new Map(rows.filter(shownToStaff).map((row) => [String(row.id), row]));
    for (const link of links) {
      const row = byId.get(String(link.deliveryId));
      if (row === undefined) continue;
      const list = byAlert.get(String(link.alertId)) ?? [];
      list.push(deliveryStatus(row));
      byAlert.set(String(link.alertId), list);
    }
    for (const list of byAlert.values()) list.sort((a, b) => Number(a.id) - Number(b.id));
    return byAlert;
  }
}
