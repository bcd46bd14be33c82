import { addDays, startOfLocalDay, type LocalDate } from '../time';
import {
  isOpen,
  type Alert,
  type AlertNotice,
  type AlertState,
  type AlertTransition,
  type TransitionCause,
} from './lifecycle';

/** Who did it and when: from Vigil's API, or read back from OpenEMR (message marked Done). */
export interface StaffAction {
  /** OpenEMR username. */
  by: string;
  /** ISO 8601 instant. */
  at: string;
  /** The local date of `at`, for the alert's history. */
  date: LocalDate;
}

export type StaffActionRefusal =
  | 'alert_closed'
  | 'not_fired_yet'
  | 'already_acknowledged'
  | 'snooze_ends_in_the_past'
  | 'snooze_too_long';

/**
 * The longest snooze, in the patient's days after today. A snooze is a pause;
 * an alert nobody should hear of again is resolved, or monitoring ended. It
 * also keeps the snooze's end a real date (9999-12-31 + 1 day is no date).
 */
export const MAX_SNOOZE_DAYS = 365;

export type StaffActionResult =
  | { ok: true; alert: Alert; transition: AlertTransition; notices: AlertNotice[] }
  | { ok: false; refusal: StaffActionRefusal };

/** Staff took the alert: no more re-notifications; it still resolves on its own. */
export function acknowledgeAlert(
  alert: Alert,
  action: StaffAction & { note: string | null },
): StaffActionResult {
  if (!isOpen(alert)) {
    return { ok: false, refusal: 'alert_closed' };
  }
  if (alert.firedOn === null) {
    return { ok: false, refusal: 'not_fired_yet' };
  }
  if (alert.state === 'acknowledged') {
    return { ok: false, refusal: 'already_acknowledged' };
  }
  return applied(
    alert,
    {
      state: 'acknowledged',
      snoozedUntil: null,
      acknowledgement: { by: action.by, at: action.at, note: action.note },
    },
    action,
    'acknowledged',
    action.note,
  );
}

/**
 * The moment a snooze through `until` ends: when the patient's next day
 * begins in their zone, since the lifecycle compares the patient's days
 * (stepAlert: a day after `until` wakes the alert).
 */
export function snoozeEndsAt(until: LocalDate, patientTimeZone: string): Date {
  return startOfLocalDay(addDays(until, 1), patientTimeZone);
}

/**
 * Mutes the alert through `until` (inclusive). Snoozing again moves the date.
 * When the snooze ends the alert is unacknowledged again (see stepAlert).
 */
export function snoozeAlert(
  alert: Alert,
  action: StaffAction & { until: LocalDate; note?: string | null },
): StaffActionResult {
  if (!isOpen(alert)) {
    return { ok: false, refusal: 'alert_closed' };
  }
  if (action.until < action.date) {
    return { ok: false, refusal: 'snooze_ends_in_the_past' };
  }
  if (action.until > addDays(action.date, MAX_SNOOZE_DAYS)) {
    return { ok: false, refusal: 'snooze_too_long' };
  }
  return applied(
    alert,
    { state: 'snoozed', snoozedUntil: action.until },
    action,
    'snoozed',
    action.note ? `until ${action.until}: ${action.note}` : `until ${action.until}`,
  );
}

/**
 * Staff close the episode by hand. If the rule still holds, the next true day
 * opens a new episode (and a new alert after forDays).
 */
export function resolveAlert(
  alert: Alert,
  action: StaffAction & { note?: string | null },
): StaffActionResult {
  if (!isOpen(alert)) {
    return { ok: false, refusal: 'alert_closed' };
  }
  const result = applied(
    alert,
    { state: 'resolved', resolvedOn: action.date, snoozedUntil: null },
    action,
    'resolved_by_staff',
    action.note ?? null,
  );
  if (result.ok && alert.lastNotifiedOn !== null) {
    result.notices.push({ kind: 'resolve', episodeStart: alert.episodeStart, date: action.date });
  }
  return result;
}

function applied(
  alert: Alert,
  changes: Partial<Alert> & { state: AlertState },
  action: StaffAction,
  cause: TransitionCause,
  note: string | null,
): Extract<StaffActionResult, { ok: true }> {
  return {
    ok: true,
    alert: { ...alert, ...changes },
    transition: {
      from: alert.state,
      to: changes.state,
      date: action.date,
      at: action.at,
      cause,
      actor: { kind: 'staff', username: action.by },
      note,
    },
    notices: [],
  };
}
