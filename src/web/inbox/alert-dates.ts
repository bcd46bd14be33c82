import type { AlertState } from '../../alerts/lifecycle';
import { daysBetween, openEmrDate, type LocalDate } from '../../time';
import { html, type SafeHtml } from '../html';
import { ageInWords, clinicTime } from './time-words';

/**
 * An alert's two kinds of "when", kept apart in words: the patient's days its
 * readings are from (the day the condition began, the day it had held long
 * enough to fire), and the moment Vigil first told staff. Readings that reach
 * Vigil late (the first backfill, a watch synced after a week in a drawer) fire
 * on days long past; staff read "fired on" as when they were told, so the page
 * never gives a data day alone as the alert's date.
 */
export interface AlertDates {
  state: AlertState;
  episodeStart: LocalDate;
  firedOn: LocalDate | null;
  /** When Vigil first told staff (the first notice was queued to OpenEMR); null until then. */
  firstNotifiedAt: Date | null;
  patientTimeZone: string;
}

/** "Condition began 2026-09-01, fired 2026-09-03 (the patient's days the readings are from, America/Chicago)". */
export function dataDaysWords(alert: AlertDates): SafeHtml {
  return html`condition began
    ${alert.episodeStart}${alert.firedOn === null ? ', not fired yet' : `, fired ${alert.firedOn}`}
    <span class="muted"
      >(the patient’s days the readings are from, ${alert.patientTimeZone})</span
    >`;
}

/** When Vigil first told staff (its first notice), and, when the readings came late, by how much. */
export function firstToldWords(alert: AlertDates, timeZone: string, now: Date): SafeHtml {
  const told = alert.firstNotifiedAt;
  if (told === null) return html`not yet${notYetReason(alert.state)}`;
  const late =
    alert.firedOn === null
      ? 0
      : daysBetween(alert.firedOn, openEmrDate(told, alert.patientTimeZone));
  return html`<time datetime="${told.toISOString()}">${clinicTime(told, timeZone)}</time>
    <span class="muted">(${ageInWords(told, now)} ago)</span>${
      late >= 2
        ? html`<br /><span class="late-data"
              >${late} days after the day it fired on: the readings reached Vigil late</span
            >`
        : ''
    }`;
}

function notYetReason(state: AlertState): string {
  if (state === 'pending') return ': the condition has not held long enough to fire';
  if (state === 'inhibited') return ': a related alert is firing';
  return '';
}
