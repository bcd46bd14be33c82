import { Injectable } from '@nestjs/common';
import type { AlertAnnouncement, AlertOutbox, NoticeSnapshot } from '../alerts/alert-outbox';
import type { Recipient } from '../alerts/routing';
import type { LocalDate } from '../time';
import type { ReminderPriority } from '../rules/rule-definition';
import type { Transaction } from '../database/transactions';
import type { DeliveryKind } from './delivery.entity';
import { OutboxRepository } from './outbox.repository';

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

/** The alerts' outbox port: one routing row with the notices, routed when it is delivered. */
@Injectable()
export class RoutingOutbox implements AlertOutbox {
  constructor(private readonly outbox: OutboxRepository) {}

  async announce(
    tx: Transaction,
    { pid, date, notices }: AlertAnnouncement,
    at: Date,
  ): Promise<string> {
    const row = await this.outbox.enqueue(
      { kind: 'routing', pid, payload: { date, notices }, alertIds: notices.map((n) => n.alertId) },
      at,
      tx,
    );
    return String(row.id);
  }
}
