import {
  isOpen,
  type Alert,
  type AlertNotice,
  type AlertState,
  type AlertStep,
  type AlertTransition,
  type MonitoringStop,
  type TransitionCause,
} from './lifecycle';
import type { LocalDate } from '../time';

/**
 * The monitoring-gap alert driven by the connection's status rather than by
 * the daily rule: when Google refuses the patient's grant or the patient
 * disconnects, staff are told at once; the episode then holds (see
 * `stepPatientDay`) until the connection syncs again, which resolves it.
 * Rules about the patient's data keep running as before.
 */
export interface MonitoringChange {
  /** The patient's local date of the change. */
  date: LocalDate;
  /** ISO 8601 instant of the change. */
  at: string;
}

const EVALUATION = { kind: 'evaluation' } as const;

/** Opens (or takes over) the monitoring-gap episode and tells staff unless they already know. */
export function stopMonitoring(
  previous: Alert | null,
  change: MonitoringChange & { reason: MonitoringStop },
): AlertStep {
  const transitions: AlertTransition[] = [];
  const notices: AlertNotice[] = [];
  const move = (alert: Alert, to: AlertState): void => {
    transitions.push(transition(alert.state, to, change, 'monitoring_stopped'));
    alert.state = to;
  };
  let alert: Alert;
  if (previous !== null && previous.state !== 'resolved') {
    alert = { ...previous, monitoringStopped: change.reason };
    if (alert.firedOn === null) alert.firedOn = change.date;
    if (alert.state === 'pending') move(alert, 'firing');
  } else if (previous !== null && previous.episodeStart === change.date) {
    // Resolved the same day: the day's episode reopens (its identity is patient, rule and start).
    alert = {
      ...previous,
      firedOn: previous.firedOn ?? change.date,
      resolvedOn: null,
      falseStreak: 0,
      monitoringStopped: change.reason,
    };
    move(alert, 'firing');
  } else {
    alert = {
      state: 'firing',
      episodeStart: change.date,
      firedOn: change.date,
      lastNotifiedOn: null,
      resolvedOn: null,
      trueStreak: 0,
      falseStreak: 0,
      // The change decides its own day: the daily run does not step it again.
      lastEvaluatedOn: laterOf(change.date, previous?.lastEvaluatedOn ?? change.date),
      snoozedUntil: null,
      acknowledgement: null,
      monitoringStopped: change.reason,
    };
    transitions.push(transition(null, 'firing', change, 'monitoring_stopped'));
  }
  const told = alert.lastNotifiedOn !== null && !reopened(previous, alert);
  if (alert.state === 'firing' && !told) {
    notices.push({ kind: 'fire', episodeStart: alert.episodeStart, date: change.date });
    alert.lastNotifiedOn = change.date;
  }
  return { alert, transitions, notices };
}

/** Closes an episode the connection held open; staff who were told get the follow-up. */
export function resumeMonitoring(previous: Alert | null, change: MonitoringChange): AlertStep {
  if (!isOpen(previous) || (previous.monitoringStopped ?? null) === null) {
    return { alert: previous, transitions: [], notices: [] };
  }
  const alert: Alert = {
    ...previous,
    state: 'resolved',
    resolvedOn: change.date,
    snoozedUntil: null,
    monitoringStopped: null,
    // A new episode can only start after this day, so the dedup key stays unique.
    lastEvaluatedOn: laterOf(previous.lastEvaluatedOn, change.date),
  };
  return {
    alert,
    transitions: [transition(previous.state, 'resolved', change, 'monitoring_resumed')],
    notices:
      previous.lastNotifiedOn === null
        ? []
        : [{ kind: 'resolve', episodeStart: alert.episodeStart, date: change.date }],
  };
}

function reopened(previous: Alert | null, alert: Alert): boolean {
  return previous !== null && previous.state === 'resolved' && alert.state !== 'resolved';
}

function laterOf(a: LocalDate, b: LocalDate): LocalDate {
  return a > b ? a : b;
}

function transition(
  from: AlertState | null,
  to: AlertState,
  change: MonitoringChange,
  cause: TransitionCause,
): AlertTransition {
  return { from, to, date: change.date, at: change.at, cause, actor: EVALUATION, note: null };
}

/** The rule whose alert tells staff a patient is not being watched (starter library id). */
export const MONITORING_GAP_RULE = 'monitoring-gap';

/** What the alert says, in the clinic's words; no health values. */
export function monitoringStoppedMessage(reason: MonitoringStop): string {
  return reason === 'needs_reconsent'
    ? 'Monitoring stopped: Google no longer accepts the patient’s consent (revoked or expired), so no wearable data arrives. Invite the patient to connect again.'
    : 'Monitoring stopped: the patient disconnected their wearable from Vigil, so no wearable data arrives. Contact the patient, or end monitoring.';
}
