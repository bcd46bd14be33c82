import type { Recipient, RoutingFacts } from '../alerts/routing';
import type { LocalDate } from '../time';
import type { RecipientSpec, ReminderPriority } from '../rules/rule-definition';

export interface OutgoingMessage {
  pid: number;
  recipient: Recipient;
  body: string;
  /** The delivery marker inside `body`; a retry looks for it before writing again. */
  marker: string;
  at: Date;
}

export interface OutgoingReminder {
  pid: number;
  recipient: Recipient;
  /** At most 160 characters, the marker at its end. */
  text: string;
  marker: string;
  dueDate: LocalDate;
  priority: ReminderPriority;
  at: Date;
}

/** A delivered row to look at again: was it marked Done (message) or processed (reminder)? */
export interface DeliveredRow {
  kind: 'message' | 'reminder';
  rowId: number;
}

/** Staff in OpenEMR took the row: who (username, and users.id when known) and when. */
export interface OpenEmrAcknowledgement {
  kind: 'message' | 'reminder';
  rowId: number;
  by: string;
  byUserId: number | null;
  at: Date;
}

/** Vigil's other row of an alert staff took in OpenEMR: closed as that user, with a note. */
export interface RowToClose {
  kind: 'message' | 'reminder';
  rowId: number;
  /** `[vigil:<marker>]`: only Vigil's own row is ever closed. */
  marker: string;
  byUserId: number;
  note: string;
  at: Date;
}

/** A delivery failed for a reason worth waiting on (not a bug): retried with backoff. */
export class DeliveryDeferred extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryDeferred';
  }
}

/** The recipient left or was deactivated after routing: the alert must be routed again. */
export class RecipientGone extends Error {
  constructor(readonly userId: number) {
    super(`OpenEMR user ${userId} is no longer an active recipient`);
    this.name = 'RecipientGone';
  }
}

/** Where Message Center messages and reminders go: OpenEMR's database, or its REST API. */
export interface OpenEmrSink {
  readonly mode: 'database' | 'api';
  /** OpenEMR's API has no dated reminders. */
  readonly writesReminders: boolean;
  /** What routing needs, read from OpenEMR now (providers change, staff leave). */
  routingFacts(
    pid: number,
    named: readonly RecipientSpec[],
    fallbackUsernames: readonly string[],
  ): Promise<RoutingFacts>;
  /** `patient_data.pubpid` for the message text; null when unknown or empty. */
  chartNumber(pid: number): Promise<string | null>;
  /** Writes the message once; returns the OpenEMR row id (an earlier write with the marker counts). */
  sendMessage(message: OutgoingMessage): Promise<number>;
  sendReminder(reminder: OutgoingReminder): Promise<number>;
  /** Rows staff have finished with; empty when the mode cannot tell. */
  acknowledgements(rows: readonly DeliveredRow[]): Promise<OpenEmrAcknowledgement[]>;
  /** Marks Vigil's own row Done (message) or processed (reminder); false when it already was. */
  closeRow(row: RowToClose): Promise<boolean>;
}

export const OPENEMR_SINK = Symbol('OpenEmrSink');

/** `dated_reminders.message_priority`: 1 High, 2 Medium, 3 Low. */
export const REMINDER_PRIORITY: Record<ReminderPriority, number> = { high: 1, medium: 2, low: 3 };
