import {
  DEFAULT_STALE_AFTER_DAYS,
  type OutcomeResult,
  type RuleDefinition,
} from '../rules/rule-definition';
import { daysBetween, type LocalDate } from '../time';

/**
 * The alert state machine for one patient and one rule, as pure data in and
 * out. The live service steps it once per evaluation day from the stored alert;
 * the backtest (`replayEpisodes`) steps it over a whole series. Same code, same
 * answers. README-section.md holds the state table.
 */
export type AlertState =
  'pending' | 'firing' | 'acknowledged' | 'resolved' | 'snoozed' | 'inhibited' | 'stale';

export type AlertTiming = Pick<
  RuleDefinition,
  'forDays' | 'resolveAfterDays' | 'repeatAfterDays' | 'staleAfterDays'
>;

export interface Acknowledgement {
  /** OpenEMR username of the staff member. */
  by: string;
  /** ISO 8601 instant. */
  at: string;
  note: string | null;
}

/** One episode of a rule holding for a patient; identity = patient + rule + `episodeStart`. */
export interface Alert {
  state: AlertState;
  /** First true day of the streak that opened this episode. */
  episodeStart: LocalDate;
  /** Day the streak reached `forDays`; null while it has not. */
  firedOn: LocalDate | null;
  /** Day of the last `fire` or `renotify` notice; null until staff were first told. */
  lastNotifiedOn: LocalDate | null;
  resolvedOn: LocalDate | null;
  /** Consecutive decided days on which the rule held (insufficient-data days are skipped). */
  trueStreak: number;
  /** Consecutive decided days on which the rule did not hold. */
  falseStreak: number;
  /** Consecutive insufficient-data days; absent on alerts stored before it was kept. */
  noDataStreak?: number;
  /** Last evaluation day applied; stepping this day or an earlier one again changes nothing. */
  lastEvaluatedOn: LocalDate;
  /** Muted through this day (inclusive). */
  snoozedUntil: LocalDate | null;
  acknowledgement: Acknowledgement | null;
  /**
   * Vigil cannot watch the patient (see monitoring-stopped.ts): the episode
   * holds whatever the days say until the connection syncs again. Absent on
   * alerts of rules about the patient's data.
   */
  monitoringStopped?: MonitoringStop | null;
}

/** Why Vigil stopped receiving a patient's data. */
export type MonitoringStop = 'needs_reconsent' | 'disconnected_by_patient';

export type AlertActor = { kind: 'evaluation' } | { kind: 'staff'; username: string };

export type TransitionCause =
  | 'condition_began'
  | 'condition_held'
  | 'condition_ended_before_firing'
  | 'condition_cleared'
  | 'inhibitor_firing'
  | 'inhibitor_cleared'
  | 'snooze_expired'
  | 'acknowledged'
  | 'snoozed'
  | 'resolved_by_staff'
  | 'monitoring_stopped'
  | 'monitoring_resumed'
  | 'data_stopped'
  | 'data_returned';

/** A state change, stored as is for the alert's history. */
export interface AlertTransition {
  /** null when the episode opens. */
  from: AlertState | null;
  to: AlertState;
  /** The evaluation day, or the local date of the staff action. */
  date: LocalDate;
  /** ISO 8601 instant when known (staff actions, live evaluations); null in a replay. */
  at: string | null;
  cause: TransitionCause;
  actor: AlertActor;
  /** The staff member's note; a snooze's starts with its end date. */
  note: string | null;
}

/** `stale`: the rule has had no data for `staleAfterDays`; the alert is no longer judged. */
export type AlertNoticeKind = 'fire' | 'renotify' | 'stale' | 'resolve';

/** Something staff must be told; the caller routes, groups and delivers it. */
export interface AlertNotice {
  kind: AlertNoticeKind;
  episodeStart: LocalDate;
  date: LocalDate;
}

/** What one evaluation day says about one patient and one rule. */
export interface EvaluationDay {
  date: LocalDate;
  outcome: OutcomeResult;
  /** A rule listed in this rule's `inhibitedBy` is firing for the patient today. */
  inhibited: boolean;
  /** ISO 8601 instant of the evaluation, recorded on transitions when given. */
  at?: string;
}

export interface AlertStep {
  /** The alert after this day: the same, a new episode, or null when there is none. */
  alert: Alert | null;
  transitions: AlertTransition[];
  notices: AlertNotice[];
}

const EVALUATION: AlertActor = { kind: 'evaluation' };

export function isOpen(alert: Alert | null): alert is Alert {
  return alert !== null && alert.state !== 'resolved';
}

/**
 * Fired, not resolved and not stale: the sense in which an inhibiting rule "is
 * firing". A stale alert has no data to say anything.
 */
export function isFiring(alert: Alert | null): boolean {
  return isOpen(alert) && alert.firedOn !== null && alert.state !== 'stale';
}

/** States of a fired alert that go stale when the rule's data stops. */
const STALE_FROM: readonly AlertState[] = ['firing', 'acknowledged', 'inhibited'];

/** The de-duplication identity of an alert. */
export function alertKey(pid: number, ruleId: string, episodeStart: LocalDate): string {
  return `${pid}:${ruleId}:${episodeStart}`;
}

function openEpisode(date: LocalDate): Alert {
  return {
    state: 'pending',
    episodeStart: date,
    firedOn: null,
    lastNotifiedOn: null,
    resolvedOn: null,
    trueStreak: 0,
    falseStreak: 0,
    lastEvaluatedOn: date,
    snoozedUntil: null,
    acknowledgement: null,
  };
}

/**
 * Applies one evaluation day. Days must come in increasing date order; a day
 * not after `lastEvaluatedOn` is ignored, so a retried evaluation never counts
 * twice. A missing day is the same as an insufficient-data day.
 */
export function stepAlert(
  previous: Alert | null,
  day: EvaluationDay,
  timing: AlertTiming,
): AlertStep {
  const unchanged: AlertStep = { alert: previous, transitions: [], notices: [] };
  if (previous !== null && day.date <= previous.lastEvaluatedOn) {
    return unchanged;
  }
  const transitions: AlertTransition[] = [];
  const notices: AlertNotice[] = [];
  let alert: Alert;
  if (isOpen(previous)) {
    alert = { ...previous, lastEvaluatedOn: day.date };
  } else if (day.outcome === 'true') {
    alert = openEpisode(day.date);
    transitions.push(transition(null, 'pending', day, 'condition_began'));
  } else {
    return unchanged;
  }

  const move = (to: AlertState, cause: TransitionCause): void => {
    transitions.push(transition(alert.state, to, day, cause));
    alert.state = to;
  };
  const notify = (kind: AlertNoticeKind): void => {
    notices.push({ kind, episodeStart: alert.episodeStart, date: day.date });
  };

  let snoozeExpired = false;
  if (alert.state === 'snoozed' && alert.snoozedUntil !== null && day.date > alert.snoozedUntil) {
    snoozeExpired = true;
    alert.snoozedUntil = null;
    alert.acknowledgement = null;
    move(stateWhenUnmuted(alert, day), 'snooze_expired');
  }

  if (alert.state === 'firing' && day.inhibited) {
    move('inhibited', 'inhibitor_firing');
  } else if (alert.state === 'inhibited' && !day.inhibited) {
    move('firing', 'inhibitor_cleared');
  }

  let dataReturned = false;
  if (day.outcome === 'insufficient_data') {
    alert.noDataStreak = (alert.noDataStreak ?? 0) + 1;
    const staleAfter = Math.max(1, timing.staleAfterDays ?? DEFAULT_STALE_AFTER_DAYS);
    // On the day the streak reaches it, so an alert staff act on while stale stays as they left it.
    if (STALE_FROM.includes(alert.state) && alert.noDataStreak === staleAfter) {
      move('stale', 'data_stopped');
      if (alert.lastNotifiedOn !== null) notify('stale');
    }
  } else {
    alert.noDataStreak = 0;
    // Data is back: the rule decides again. A true day makes it a live alert
    // again (staff hear of it, acknowledged or not); false days resolve it as usual.
    if (alert.state === 'stale' && day.outcome === 'true') {
      dataReturned = true;
      alert.acknowledgement = null;
      move(day.inhibited ? 'inhibited' : 'firing', 'data_returned');
    }
  }

  if (day.outcome === 'true') {
    alert.trueStreak += 1;
    alert.falseStreak = 0;
    if (alert.firedOn === null && alert.trueStreak >= Math.max(1, timing.forDays)) {
      alert.firedOn = day.date;
      if (alert.state === 'pending') {
        move(day.inhibited ? 'inhibited' : 'firing', 'condition_held');
      }
    }
  } else if (day.outcome === 'false') {
    alert.trueStreak = 0;
    alert.falseStreak += 1;
    // A pending streak is broken by one false day; a fired alert waits out resolveAfterDays.
    const ended = alert.firedOn === null;
    if (ended || alert.falseStreak >= Math.max(1, timing.resolveAfterDays)) {
      alert.resolvedOn = day.date;
      alert.snoozedUntil = null;
      move('resolved', ended ? 'condition_ended_before_firing' : 'condition_cleared');
      if (alert.lastNotifiedOn !== null) {
        notify('resolve');
      }
    }
  }

  if (alert.state === 'firing' && day.outcome === 'true') {
    const repeatDue =
      alert.lastNotifiedOn !== null &&
      timing.repeatAfterDays > 0 &&
      daysBetween(alert.lastNotifiedOn, day.date) >= timing.repeatAfterDays;
    if (alert.lastNotifiedOn === null || snoozeExpired || dataReturned || repeatDue) {
      notify(alert.lastNotifiedOn === null ? 'fire' : 'renotify');
      alert.lastNotifiedOn = day.date;
    }
  }

  return { alert, transitions, notices };
}

/** Where a snoozed alert goes when its snooze ends. */
function stateWhenUnmuted(alert: Alert, day: { inhibited: boolean }): AlertState {
  if (alert.firedOn === null) {
    return 'pending';
  }
  return day.inhibited ? 'inhibited' : 'firing';
}

function transition(
  from: AlertState | null,
  to: AlertState,
  day: EvaluationDay,
  cause: TransitionCause,
): AlertTransition {
  return { from, to, date: day.date, at: day.at ?? null, cause, actor: EVALUATION, note: null };
}
