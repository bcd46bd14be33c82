import type { AlertNoticeKind } from '../alerts/lifecycle';
import type { Severity } from '../rules/rule-definition';
import { openEmrDateTime } from '../time';

/**
 * The words Vigil writes into OpenEMR and into escalation emails, as pure
 * functions of their inputs (time and time zone included), so the dispatcher
 * and its retries render byte-identical text.
 */

/** `dated_reminders.dr_message_text` is varchar(160). */
export const REMINDER_MAX_CHARACTERS = 160;
/**
 * A message must stay readable in OpenEMR's Message Center: the rules and
 * their deciding values only; the evidence lives on the patient's page in Vigil.
 */
export const MESSAGE_MAX_CHARACTERS = 1000;
/** So one wordy rule can't crowd the others out of a message. */
const ALERT_LINE_MAX_CHARACTERS = 200;
/** Keeps room for the reminder's own words next to the marker. */
const MARKER_MAX_CHARACTERS = 40;
const ELLIPSIS = '...';

/** A decisive value, e.g. resting heart rate 72 bpm, 9 above a 28-day baseline, for 2 days. */
export interface Finding {
  /** Plain words: "resting heart rate". */
  label: string;
  value: number;
  /** "bpm", "%", "kg", "steps", "minutes". */
  unit: string;
  /** The patient's own baseline and the length of the window it was taken over. */
  baseline?: { value: number; days: number };
  /** How many consecutive days the rule has held. */
  days?: number;
}

export interface MessageAlert {
  title: string;
  severity: Severity;
  kind: Exclude<AlertNoticeKind, 'resolve'>;
  /** The decisive values: the rule's rendered message, or findings to describe. */
  summary: string | readonly Finding[];
}

/** A rule named in a resolved follow-up or a reminder. */
export interface AlertHeadline {
  title: string;
  severity: Severity;
}

/** Everything around the alert list: who, when, which patient, which delivery. */
export interface MessageEnvelope {
  sentAt: Date;
  /** IANA zone of the clinic, e.g. America/New_York. */
  timeZone: string;
  senderUsername: string;
  recipientUsername: string;
  pid: number;
  /** `patient_data.pubpid`; OpenEMR allows it to be empty. */
  chartNumber: string | null;
  publicBaseUrl: string;
  deliveryId: string;
}

export interface EmailText {
  subject: string;
  text: string;
}

/** The stable token a retry looks for before writing the same row again. */
export function deliveryMarker(deliveryId: string): string {
  return `[vigil:${deliveryId}]`;
}

/** `YYYY-MM-DD HH:MM` on the clinic's wall clock. */
export function formatClinicTime(at: Date, timeZone: string): string {
  return openEmrDateTime(at, timeZone).slice(0, 16);
}

const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

function quantity(value: number, unit: string): string {
  return unit === '%' ? `${NUMBER.format(value)}%` : `${NUMBER.format(value)} ${unit}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export function describeFinding(finding: Finding): string {
  const words = [`${finding.label} ${quantity(finding.value, finding.unit)}`];
  if (finding.baseline !== undefined) {
    const delta = finding.value - finding.baseline.value;
    const window = `this patient's ${finding.baseline.days}-day baseline`;
    words.push(
      NUMBER.format(Math.abs(delta)) === '0'
        ? `at ${window}`
        : `${NUMBER.format(Math.abs(delta))} ${delta > 0 ? 'above' : 'below'} ${window}`,
    );
  }
  if (finding.days !== undefined) {
    words.push(`for ${plural(finding.days, 'day')}`);
  }
  return words.join(', ');
}

/** Keeps each rule on its own line of the message, whatever its text holds. */
function oneLine(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

function chart(envelope: { pid: number; chartNumber: string | null }): string {
  const number = envelope.chartNumber?.trim() ?? '';
  return number === '' ? `pid ${envelope.pid} (no chart number)` : `chart ${number}`;
}

function prefix(envelope: MessageEnvelope): string {
  const when = formatClinicTime(envelope.sentAt, envelope.timeZone);
  return `${when} (${envelope.senderUsername} to ${envelope.recipientUsername}) `;
}

function footer(envelope: MessageEnvelope): string[] {
  const base = envelope.publicBaseUrl.replace(/\/+$/, '');
  return [`Patient page: ${base}/patients/${envelope.pid}`, deliveryMarker(envelope.deliveryId)];
}

function characterCount(text: string): number {
  return Array.from(text).length;
}

function moreOnPage(count: number): string {
  return `and ${count} more on the patient's page`;
}

/**
 * Keeps the first lines that fit `room` characters (newlines included),
 * saying how many more there are on the patient's page.
 */
function withinBudget(lines: readonly string[], room: number): string[] {
  const fits = (shown: number): boolean => {
    const kept = lines.slice(0, shown);
    if (shown < lines.length) {
      kept.push(moreOnPage(lines.length - shown));
    }
    return kept.reduce((total, line) => total + characterCount(line) + 1, 0) <= room;
  };
  let shown = lines.length;
  while (shown > 0 && !fits(shown)) {
    shown -= 1;
  }
  if (!fits(shown)) {
    throw new RangeError('OpenEMR message envelope leaves no room for its alerts');
  }
  return shown < lines.length
    ? [...lines.slice(0, shown), moreOnPage(lines.length - shown)]
    : [...lines];
}

function alertLine(alert: MessageAlert, position: number): string {
  const status =
    alert.kind === 'fire'
      ? 'new'
      : alert.kind === 'stale'
        ? 'stale: no data to judge it for days, no longer tracked until data returns'
        : 'still present, not yet acknowledged';
  const summary = oneLine(
    typeof alert.summary === 'string'
      ? alert.summary
      : alert.summary.map(describeFinding).join('; '),
  ).replace(/\.$/u, '');
  const heading = `${position}. ${oneLine(alert.title)} (${alert.severity}, ${status})`;
  return truncateCleanly(
    summary === '' ? `${heading}.` : `${heading}: ${summary}.`,
    ALERT_LINE_MAX_CHARACTERS,
  );
}

/**
 * The `pnotes.body` of one grouped alert message: one line per rule with its
 * deciding value, at most {@link MESSAGE_MAX_CHARACTERS} characters.
 */
export function renderAlertMessage(
  envelope: MessageEnvelope,
  alerts: readonly MessageAlert[],
): string {
  const heading = `${prefix(envelope)}Vigil: ${plural(alerts.length, 'wearable alert')} for clinician review, ${chart(envelope)}.`;
  const closing = footer(envelope);
  const room =
    MESSAGE_MAX_CHARACTERS -
    [heading, ...closing].reduce((n, line) => n + characterCount(line) + 1, 0);
  const lines = withinBudget(
    alerts.map((alert, i) => alertLine(alert, i + 1)),
    room,
  );
  return [heading, ...lines, ...closing].join('\n');
}

/** The `pnotes.body` of the short follow-up sent when alerts resolve. */
export function renderResolvedMessage(
  envelope: MessageEnvelope,
  alerts: readonly AlertHeadline[],
): string {
  const heading = `${prefix(envelope)}Vigil: resolved, ${chart(envelope)}. No longer present:`;
  const closing = footer(envelope);
  const room =
    MESSAGE_MAX_CHARACTERS -
    [heading, ...closing].reduce((n, line) => n + characterCount(line) + 1, 0);
  const lines = withinBudget(
    alerts.map((alert) =>
      truncateCleanly(`${oneLine(alert.title)} (${alert.severity}).`, ALERT_LINE_MAX_CHARACTERS),
    ),
    room,
  );
  return [heading, ...lines, ...closing].join('\n');
}

/** Cuts at a word boundary and marks the cut, counting characters as MySQL does (code points). */
function truncateCleanly(text: string, max: number): string {
  const characters = Array.from(text);
  if (characters.length <= max) {
    return text;
  }
  const kept = characters.slice(0, max - ELLIPSIS.length).join('');
  const lastSpace = kept.lastIndexOf(' ');
  const atWord = lastSpace > kept.length / 2 ? kept.slice(0, lastSpace) : kept;
  return atWord.replace(/[\s,;:.(-]+$/u, '') + ELLIPSIS;
}

/**
 * `dated_reminders.dr_message_text`: at most 160 characters with the delivery
 * marker intact at the end. Whole rules are listed while they fit, then
 * "+N more"; a single rule too long to fit is cut at a word.
 */
export function renderReminderText(input: {
  pid: number;
  chartNumber: string | null;
  alerts: readonly AlertHeadline[];
  deliveryId: string;
}): string {
  const marker = deliveryMarker(input.deliveryId);
  if (Array.from(marker).length > MARKER_MAX_CHARACTERS) {
    throw new RangeError(`delivery id too long for a reminder: ${input.deliveryId}`);
  }
  const room = REMINDER_MAX_CHARACTERS - Array.from(marker).length - 1;
  const listed = input.alerts.map((alert) => `${alert.title} (${alert.severity})`);
  const text = (shown: number): string => {
    const more = shown < listed.length ? `; +${listed.length - shown} more` : '';
    const rules = listed.slice(0, shown).join('; ');
    return `Vigil, ${chart(input)}: ${rules}${more}.`.replace(/\s+/gu, ' ');
  };
  let shown = listed.length;
  while (shown > 1 && Array.from(text(shown)).length > room) {
    shown -= 1;
  }
  return `${truncateCleanly(text(shown), room)} ${marker}`;
}

const SEVERITY_ORDER: readonly Severity[] = ['urgent', 'warning', 'info'];

function countBySeverity(alerts: readonly { severity: Severity }[]): string {
  return SEVERITY_ORDER.map(
    (severity) => `${alerts.filter((alert) => alert.severity === severity).length} ${severity}`,
  ).join(', ');
}

function signInLines(signInUrl: string, at: Date, timeZone: string): string[] {
  return [
    `Sign in to Vigil to review them: ${signInUrl}`,
    '',
    `As of ${formatClinicTime(at, timeZone)} (${timeZone}). This email deliberately carries no patient details.`,
  ];
}

/**
 * Email to the escalation addresses when urgent alerts stay unacknowledged.
 * Only counts and severities: email leaves the clinic's systems.
 */
export function renderEscalationEmail(input: {
  alerts: readonly { severity: Severity }[];
  afterHours: number;
  signInUrl: string;
  at: Date;
  timeZone: string;
}): EmailText {
  const count = plural(input.alerts.length, 'alert');
  const hours = plural(input.afterHours, 'hour');
  return {
    subject: `Vigil: ${count} unacknowledged for over ${hours}`,
    text: [
      `${count} raised by Vigil ${input.alerts.length === 1 ? 'has' : 'have'} not been acknowledged for over ${hours} (${countBySeverity(input.alerts)}).`,
      '',
      ...signInLines(input.signInUrl, input.at, input.timeZone),
    ].join('\n'),
  };
}

/** The daily digest per escalation address: how many alerts are open, how many unacknowledged. */
export function renderDigestEmail(input: {
  alerts: readonly { severity: Severity; acknowledged: boolean }[];
  signInUrl: string;
  at: Date;
  timeZone: string;
}): EmailText {
  const open = plural(input.alerts.length, 'open alert');
  const waiting = input.alerts.filter((alert) => !alert.acknowledged);
  return {
    subject: `Vigil daily summary: ${open}`,
    text: [
      `${open} (${countBySeverity(input.alerts)}).`,
      `Not yet acknowledged: ${waiting.length} (${countBySeverity(waiting)}).`,
      '',
      ...signInLines(input.signInUrl, input.at, input.timeZone),
    ].join('\n'),
  };
}
