import type { Transaction } from '../database/transactions';
import type { DeliverySpec, RecipientSpec, Severity } from '../rules/rule-definition';
import type { LocalDate } from '../time';
import type { AlertNoticeKind } from './lifecycle';

/** An alert as a delivery speaks of it: everything the text needs, frozen when it was raised. */
export interface NoticeSnapshot {
  alertId: string;
  ruleId: string;
  kind: AlertNoticeKind;
  title: string;
  severity: Severity;
  /** The rule's message with the deciding values. */
  summary: string;
  recipients: RecipientSpec[];
  deliver: DeliverySpec;
  /** The day the notice stands for: `fire` and `renotify` set the alert's `lastNotifiedOn` to it. */
  notifiedOn?: LocalDate;
  /**
   * The alert's `lastNotifiedOn` before this notice (what staff had heard), so
   * a notice withheld at delivery can give it back (see withheld-notice.ts).
   */
  toldBefore?: LocalDate | null;
}

/** What staff must be told of one patient after a run or a staff action. */
export interface AlertAnnouncement {
  pid: number;
  /** The evaluation day (or the staff action's date); reminders fall due from it. */
  date: LocalDate;
  notices: NoticeSnapshot[];
}

/**
 * Where the alert feature hands notices on (delivery's outbox implements it).
 * It writes in the caller's transaction, so an alert change and its
 * announcement commit together or not at all.
 */
export interface AlertOutbox {
  /** Queues the announcement; the id of what was queued. */
  announce(tx: Transaction, announcement: AlertAnnouncement, at: Date): Promise<string>;
}

export const ALERT_OUTBOX = Symbol('AlertOutbox');
