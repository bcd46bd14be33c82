import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AlertAnnouncement, AlertOutbox, NoticeSnapshot } from '../alerts/alert-outbox';
import type { Recipient } from '../alerts/routing';
import type { LocalDate } from '../time';
import type { ReminderPriority } from '../rules/rule-definition';
import { Delivery, DeliveryAlert, type DeliveryKind } from './delivery.entity';

export type { NoticeSnapshot };

/** `routing`: a patient's notices from one run, to route when delivered. */
export interface RoutingPayload {
  /** The evaluation day (or the staff action's date); reminders fall due from it. */
  date: LocalDate;
  notices: NoticeSnapshot[];
  /** Set when a written row's recipient had left: the notices go to one replacement instead. */
  replaces?: { recipient: Recipient; kind: 'message' | 'resolved' | 'reminder' };
  /** How many times these notices were rerouted already (bounded: see MAX_REROUTES). */
  reroutes?: number;
}

/** `message` and `resolved`: one message for one recipient. */
export interface MessagePayload {
  notices: NoticeSnapshot[];
  reroutes?: number;
}

/** `reminder`: one dated reminder for one recipient. */
export interface ReminderPayload {
  notices: NoticeSnapshot[];
  reroutes?: number;
  /** `dated_reminders.dr_message_due_date`. */
  dueDate: LocalDate;
  priority: ReminderPriority;
}

/** `email`: rendered when enqueued; it never carries patient details. */
export interface EmailPayload {
  subject: string;
  text: string;
}

export interface NewDelivery {
  kind: DeliveryKind;
  pid: number | null;
  recipient?: string | null;
  recipientUserId?: number | null;
  payload: RoutingPayload | MessagePayload | ReminderPayload | EmailPayload;
  alertIds?: readonly string[];
  dedupKey?: string | null;
}

/** 16 characters of base32: unguessable enough that two deliveries never share one. */
function newMarker(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  return Array.from(randomBytes(16), (byte) => alphabet[byte % alphabet.length]).join('');
}

/**
 * Adds rows to the outbox inside the caller's transaction, so an alert change
 * and the deliveries that announce it commit together or not at all.
 */
export async function enqueueDelivery(
  manager: EntityManager,
  delivery: NewDelivery,
  now = new Date(),
): Promise<Delivery> {
  const row = await manager.getRepository(Delivery).save({
    kind: delivery.kind,
    marker: newMarker(),
    dedupKey: delivery.dedupKey ?? null,
    pid: delivery.pid,
    recipient: delivery.recipient ?? null,
    recipientUserId: delivery.recipientUserId ?? null,
    payload: JSON.stringify(delivery.payload),
    status: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    claimedUntil: null,
    lastError: null,
    openEmrRowId: null,
    acknowledgedAt: null,
    createdAt: now,
    deliveredAt: null,
  });
  const alertIds = [...new Set(delivery.alertIds ?? [])];
  if (alertIds.length > 0) {
    await manager
      .getRepository(DeliveryAlert)
      .insert(alertIds.map((alertId) => ({ deliveryId: row.id, alertId })));
  }
  return row;
}

/** The alerts' outbox port: one routing row with the notices, routed when it is delivered. */
@Injectable()
export class RoutingOutbox implements AlertOutbox {
  async announce(
    manager: EntityManager,
    { pid, date, notices }: AlertAnnouncement,
    at: Date,
  ): Promise<string> {
    const row = await enqueueDelivery(
      manager,
      { kind: 'routing', pid, payload: { date, notices }, alertIds: notices.map((n) => n.alertId) },
      at,
    );
    return String(row.id);
  }
}
