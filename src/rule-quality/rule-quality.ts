import type { AlertState } from '../alerts/lifecycle';
import type { OutcomeResult } from '../rules/rule-definition';
import type { LocalDate } from '../time';

/**
 * How a rule behaved in the clinic over a period, from Vigil's own history:
 * its outcomes, and its alerts with their state changes. Pure: the caller
 * loads the rows (see rule-quality.repository.ts).
 */

/** One evaluation of the rule for one patient and day. */
export interface QualityOutcome {
  pid: number;
  date: LocalDate;
  result: OutcomeResult;
}

/** One state change of an alert, in the order it happened. */
export interface QualityTransition {
  /** The evaluation day, or the local date of the staff action. */
  localDate: LocalDate;
  occurredAt: Date;
  to: AlertState;
  cause: string;
  /** `evaluation`, or `staff:<who>`. */
  actor: string;
}

/** One alert (episode) of the rule. */
export interface QualityAlert {
  pid: number;
  /** Day the condition had held for `forDays`; null while pending. */
  firedOn: LocalDate | null;
  /** When staff were first due to be told; null when it never reached them (inhibited throughout). */
  firedAt: Date | null;
  transitions: readonly QualityTransition[];
}

export interface RuleQualityInput {
  from: LocalDate;
  to: LocalDate;
  /** Staff are expected to acknowledge an alert of this rule within this many hours. */
  acknowledgeWithinHours: number;
  /** Alerts told less than `acknowledgeWithinHours` before this, and not acknowledged yet, still have time. */
  now: Date;
  outcomes: readonly QualityOutcome[];
  alerts: readonly QualityAlert[];
}

export interface RuleQuality {
  from: LocalDate;
  to: LocalDate;
  acknowledgeWithinHours: number;
  /** Patients the rule could judge (a day with data) in the period. */
  patients: number;
  /** Each patient's evaluated days from their first judged day in the period, summed, / 30. */
  patientMonths: number;
  /** Days an alert of the rule was raised and judged (fired, open, not inhibited or stale, and the rule had data). */
  alertDays: number;
  alertDaysPerPatientMonth: number | null;
  /** Days the rule's conditions held (outcome true), alert or not. */
  conditionDays: number;
  conditionDaysPerPatientMonth: number | null;
  /** Alerts staff were told of, fired in the period, and what became of them. */
  alertsTold: number;
  /** Told alerts that staff acknowledged or whose time to acknowledge has passed. */
  alertsDue: number;
  /**
   * Acknowledged within `acknowledgeWithinHours` of being told. The first staff
   * action counts: acknowledging, snoozing or resolving all say someone saw it.
   */
  acknowledgedInTime: number;
  /** Of `alertsDue`. */
  shareAcknowledgedInTime: number | null;
  /** Hours from being told to the first staff action, median over the acknowledged alerts. */
  medianHoursToAcknowledge: number | null;
  /** Resolved by the rule's own data (condition cleared) with no staff action at all. */
  resolvedWithoutStaffAction: number;
  shareResolvedWithoutStaffAction: number | null;
  /** Went stale at some point: the rule's data stopped while the alert was open. */
  wentStale: number;
  shareWentStale: number | null;
}

/** States in which a fired alert stands raised before staff; pending, inhibited and stale do not. */
const RAISED: readonly AlertState[] = ['firing', 'acknowledged', 'snoozed'];

const round = (value: number, decimals: number): number =>
  Math.round(value * 10 ** decimals) / 10 ** decimals;

const share = (count: number, of: number): number | null =>
  of === 0 ? null : round(count / of, 3);

const perMonth = (count: number, months: number): number | null =>
  months === 0 ? null : round(count / months, 2);

const HOUR_MS = 3_600_000;

const isStaff = (t: QualityTransition): boolean => t.actor.startsWith('staff:');

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The alert's state at the end of `date`: after its last transition (in the
 * order they happened) dated on or before that day. Not sorted by date: a
 * late sync can step an old day after a staff action dated today.
 */
function stateOn(alert: QualityAlert, date: LocalDate): AlertState | null {
  let state: AlertState | null = null;
  for (const t of alert.transitions) if (t.localDate <= date) state = t.to;
  return state;
}

export function ruleQuality(input: RuleQualityInput): RuleQuality {
  const inPeriod = (date: LocalDate) => date >= input.from && date <= input.to;
  const outcomes = input.outcomes.filter((o) => inPeriod(o.date));

  const firstJudged = new Map<number, LocalDate>();
  for (const o of outcomes) {
    if (o.result === 'insufficient_data') continue;
    const first = firstJudged.get(o.pid);
    if (first === undefined || o.date < first) firstJudged.set(o.pid, o.date);
  }
  const watchedDays = outcomes.filter((o) => {
    const first = firstJudged.get(o.pid);
    return first !== undefined && o.date >= first;
  }).length;
  const patientMonths = watchedDays / 30;
  const conditionDays = outcomes.filter((o) => o.result === 'true').length;

  const judged = new Map<number, Set<LocalDate>>();
  for (const o of outcomes) {
    if (o.result === 'insufficient_data') continue;
    const days = judged.get(o.pid) ?? new Set<LocalDate>();
    days.add(o.date);
    judged.set(o.pid, days);
  }
  let alertDays = 0;
  for (const alert of input.alerts) {
    if (alert.firedOn === null) continue;
    for (const date of judged.get(alert.pid) ?? []) {
      const state = stateOn(alert, date);
      if (date >= alert.firedOn && state !== null && RAISED.includes(state)) alertDays += 1;
    }
  }

  const told = input.alerts.filter(
    (a) => a.firedAt !== null && a.firedOn !== null && inPeriod(a.firedOn),
  );
  const hoursToAct: number[] = [];
  let due = 0;
  let acknowledgedInTime = 0;
  let resolvedWithoutStaffAction = 0;
  let wentStale = 0;
  for (const alert of told) {
    const firstAction = alert.transitions.find(isStaff);
    const toldAt = (alert.firedAt as Date).getTime();
    if (firstAction) {
      const hours = Math.max(0, firstAction.occurredAt.getTime() - toldAt) / HOUR_MS;
      hoursToAct.push(hours);
      due += 1;
      if (hours <= input.acknowledgeWithinHours) acknowledgedInTime += 1;
    } else if (input.now.getTime() - toldAt > input.acknowledgeWithinHours * HOUR_MS) {
      due += 1;
    }
    const resolved = alert.transitions.find((t) => t.to === 'resolved');
    if (!firstAction && resolved && resolved.cause === 'condition_cleared') {
      resolvedWithoutStaffAction += 1;
    }
    if (alert.transitions.some((t) => t.to === 'stale')) wentStale += 1;
  }
  const hours = median(hoursToAct);

  return {
    from: input.from,
    to: input.to,
    acknowledgeWithinHours: input.acknowledgeWithinHours,
    patients: firstJudged.size,
    patientMonths: round(patientMonths, 2),
    alertDays,
    alertDaysPerPatientMonth: perMonth(alertDays, patientMonths),
    conditionDays,
    conditionDaysPerPatientMonth: perMonth(conditionDays, patientMonths),
    alertsTold: told.length,
    alertsDue: due,
    acknowledgedInTime,
    shareAcknowledgedInTime: share(acknowledgedInTime, due),
    medianHoursToAcknowledge: hours === null ? null : round(hours, 2),
    resolvedWithoutStaffAction,
    shareResolvedWithoutStaffAction: share(resolvedWithoutStaffAction, told.length),
    wentStale,
    shareWentStale: share(wentStale, told.length),
  };
}
