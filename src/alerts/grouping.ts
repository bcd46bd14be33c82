import type { DeliverySpec, ReminderPriority, Severity } from '../rules/rule-definition';
import type { AlertNoticeKind } from './lifecycle';
import type { Recipient } from './routing';

/** A notice from one evaluation run, already routed. */
export interface RoutedNotice {
  pid: number;
  ruleId: string;
  kind: AlertNoticeKind;
  severity: Severity;
  deliver: DeliverySpec;
  /** For `resolve`: whom the alert was delivered to, so the thread closes where it opened. */
  recipients: readonly Recipient[];
}

/** One Message Center message: one recipient, one patient, one run. */
export interface PatientMessage<N extends RoutedNotice> {
  pid: number;
  recipient: Recipient;
  /**
   * `alert` lists newly firing, still-firing and newly stale rules (every change
   * of the run in one message); `resolved` is the short follow-up.
   */
  kind: 'alert' | 'resolved';
  /** Most severe first. */
  notices: N[];
}

/** One dated reminder per recipient per patient per run (a row and its one link). */
export interface PatientReminder<N extends RoutedNotice> {
  pid: number;
  recipient: Recipient;
  /** Most severe first. */
  notices: N[];
  /** The soonest due date any of the rules asks for. */
  dueInDays: number;
  /** The highest priority any of the rules asks for. */
  priority: ReminderPriority;
}

const SEVERITY_RANK: Record<Severity, number> = { urgent: 0, warning: 1, info: 2 };
const PRIORITY_RANK: Record<ReminderPriority, number> = { high: 0, medium: 1, low: 2 };

function bySeverity(a: RoutedNotice, b: RoutedNotice): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];
}

function byPatientThenRecipient(
  a: { pid: number; recipient: Recipient },
  b: { pid: number; recipient: Recipient },
): number {
  const x = a.recipient.username;
  const y = b.recipient.username;
  return a.pid - b.pid || (x < y ? -1 : x > y ? 1 : 0);
}

/**
 * Groups a run's notices into Message Center messages: per patient and
 * recipient, one message listing every firing rule and one listing every
 * resolved rule. Rules delivered by reminder only get no message.
 */
export function groupMessages<N extends RoutedNotice>(notices: readonly N[]): PatientMessage<N>[] {
  const messages = new Map<string, PatientMessage<N>>();
  for (const notice of notices) {
    if (!notice.deliver.channels.includes('message')) {
      continue;
    }
    const kind = notice.kind === 'resolve' ? 'resolved' : 'alert';
    for (const recipient of notice.recipients) {
      const key = `${notice.pid}\u0000${recipient.userId}\u0000${kind}`;
      const message = messages.get(key) ?? { pid: notice.pid, recipient, kind, notices: [] };
      if (!message.notices.some((listed) => listed.ruleId === notice.ruleId)) {
        message.notices.push(notice);
      }
      messages.set(key, message);
    }
  }
  return [...messages.values()]
    .map((message) => ({ ...message, notices: [...message.notices].sort(bySeverity) }))
    .sort(
      (a, b) =>
        byPatientThenRecipient(a, b) || (a.kind === b.kind ? 0 : a.kind === 'alert' ? -1 : 1),
    );
}

/**
 * Groups a run's firing notices into dated reminders, per patient and
 * recipient, like messages. A recipient only ever sees rules routed to them.
 * A resolution sends no reminder: the Message Center follow-up closes the thread.
 */
export function groupReminders<N extends RoutedNotice>(
  notices: readonly N[],
): PatientReminder<N>[] {
  const reminders = new Map<string, PatientReminder<N>>();
  for (const notice of notices) {
    // Resolved and stale alerts ask for nothing to be done: no reminder.
    const actionable = notice.kind === 'fire' || notice.kind === 'renotify';
    if (!actionable || !notice.deliver.channels.includes('reminder')) {
      continue;
    }
    for (const recipient of notice.recipients) {
      const key = `${notice.pid}\u0000${recipient.userId}`;
      const reminder = reminders.get(key) ?? {
        pid: notice.pid,
        recipient,
        notices: [],
        dueInDays: notice.deliver.reminderDueInDays,
        priority: notice.deliver.priority,
      };
      if (!reminder.notices.some((listed) => listed.ruleId === notice.ruleId)) {
        reminder.notices.push(notice);
      }
      reminder.dueInDays = Math.min(reminder.dueInDays, notice.deliver.reminderDueInDays);
      if (PRIORITY_RANK[notice.deliver.priority] < PRIORITY_RANK[reminder.priority]) {
        reminder.priority = notice.deliver.priority;
      }
      reminders.set(key, reminder);
    }
  }
  return [...reminders.values()]
    .map((reminder) => ({ ...reminder, notices: [...reminder.notices].sort(bySeverity) }))
    .sort(byPatientThenRecipient);
}
