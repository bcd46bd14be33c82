import { ALERT_STATES } from '../../alerts/alerts.dto';
import {
  actorWords,
  changeCells,
  columnHeads,
  isoDateInput,
  patientLink,
  programField,
} from '../fragments';
import { identityWords, type PatientIdentity } from '../../patients/patient-identities';
import type { Acknowledgement, AlertState } from '../../alerts/lifecycle';
import { snoozeEndsAt } from '../../alerts/staff-actions';
import { zonedTimestamp, type LocalDate } from '../../time';
import type { DeliveryStatus } from '../../delivery/delivery-status';
import type { FieldProblem } from '../../http/problem.filter';
import { SEVERITIES, type Severity } from '../../rules/rule-definition';
import { html, SafeHtml } from '../html';
import { ALL_STATES, type ActionDone, type InboxQuery } from './inbox-input';
import { ageInWords, clinicTime } from './time-words';
import { dataDaysWords, firstToldWords } from './alert-dates';

/** One alert as the pages show it. */
export interface InboxAlert {
  id: string;
  pid: number;
  /** Name, date of birth and chart number from OpenEMR. */
  patient: PatientIdentity;
  ruleId: string;
  ruleTitle: string;
  ruleVersion: number;
  severity: Severity;
  state: AlertState;
  /** When staff were first due to be told, or when the episode was recorded if not yet. */
  since: Date;
  /** The patient's day the condition began (the data day, not when anyone heard of it). */
  episodeStart: LocalDate;
  /** The patient's day the condition had held long enough to fire (a data day). */
  firedOn: LocalDate | null;
  /** When Vigil first told staff (the first notice queued to OpenEMR); null until then. */
  firstNotifiedAt: Date | null;
  snoozedUntil: LocalDate | null;
  /** The patient's zone (the clinic's until known): their days, and so a snooze, end there. */
  patientTimeZone: string;
  acknowledgement: Acknowledgement | null;
  /** The latest state change: who snoozed or acknowledged it, and when. */
  lastChange: { actor: string; at: Date } | null;
  /** The rule's message with its deciding values. */
  message: string;
  deliveries: DeliveryStatus[];
}

export interface AlertTransitionView {
  at: Date;
  from: AlertState | null;
  to: AlertState;
  cause: string;
  actor: string;
  note: string | null;
}

/** What every rendering needs: the clinic's clock and the viewer's form token. */
export interface PageContext {
  timeZone: string;
  now: Date;
  /** The clinic's date today: a snooze ends today or later. */
  today: LocalDate;
  csrfToken: string;
}

const SEVERITY_WORDS: Record<Severity, string> = {
  urgent: 'Urgent',
  warning: 'Warning',
  info: 'Info',
};

const STATE_WORDS: Record<AlertState, string> = {
  firing: 'Firing',
  acknowledged: 'Acknowledged',
  snoozed: 'Snoozed',
  inhibited: 'Held back',
  stale: 'Stale: no data to judge',
  pending: 'Watching, not fired yet',
  resolved: 'Resolved',
};

const DELIVERY_KINDS: Record<DeliveryStatus['kind'], string> = {
  routing: 'Waiting to be routed',
  message: 'Message',
  reminder: 'Reminder',
  resolved: 'Resolved message',
  email: 'Email',
};

const DONE_WORDS: Record<ActionDone, string> = {
  acknowledged: 'acknowledged',
  snoozed: 'snoozed',
  resolved: 'resolved',
};

const severityClass = (severity: Severity): string =>
  severity === 'urgent' ? 'urgent' : severity === 'warning' ? 'warning' : 'muted';

/** Which staff actions the alert's state allows (the service refuses the others). */
export function availableActions(
  alert: Pick<InboxAlert, 'state' | 'firedOn'>,
): Array<'acknowledge' | 'snooze' | 'resolve'> {
  if (alert.state === 'resolved') return [];
  const actions: Array<'acknowledge' | 'snooze' | 'resolve'> = [];
  if (alert.firedOn !== null && alert.state !== 'acknowledged') actions.push('acknowledge');
  actions.push('snooze', 'resolve');
  return actions;
}

/**
 * When a snooze ends, exactly: "until 2026-12-09 00:00 America/Chicago
 * (through the patient's day 2026-12-08)".
 */
export function snoozeEndWords(until: LocalDate, patientTimeZone: string): string {
  const end = zonedTimestamp(snoozeEndsAt(until, patientTimeZone), patientTimeZone);
  return `until ${end} (through the patient’s day ${until})`;
}

function stateText(alert: InboxAlert, timeZone: string): SafeHtml {
  const by = (actor: string, at: Date) =>
    html` by ${actorWords(actor)},
      <time datetime="${at.toISOString()}">${clinicTime(at, timeZone)}</time>`;
  const change = alert.lastChange;
  const detail =
    alert.state === 'snoozed' && alert.snoozedUntil
      ? html` <span class="snooze-end"
            >${snoozeEndWords(alert.snoozedUntil, alert.patientTimeZone)}</span
          >${change ? by(change.actor, change.at) : ''}`
      : alert.state === 'acknowledged' && alert.acknowledgement
        ? by(`staff:${alert.acknowledgement.by}`, new Date(alert.acknowledgement.at))
        : alert.state === 'inhibited'
          ? html` <span class="muted">(a related alert is firing)</span>`
          : '';
  return html`<strong>${STATE_WORDS[alert.state]}</strong>${detail}`;
}

function deliveryText(delivery: DeliveryStatus, timeZone: string): SafeHtml {
  const at = clinicTime(delivery.at, timeZone);
  const to = delivery.recipient ? html` to ${delivery.recipient}` : '';
  const what = html`${DELIVERY_KINDS[delivery.kind]}${to}`;
  switch (delivery.progress) {
    case 'delivered':
      return html`${what}: <span class="ok">delivered</span> ${at}${
          delivery.acknowledgedAt
            ? html`, done in OpenEMR ${clinicTime(delivery.acknowledgedAt, timeZone)}`
            : ''
        }`;
    case 'pending':
      return html`${what}: pending since ${at}`;
    case 'retrying':
      return html`${what}: <span class="warning">retrying</span> (${delivery.attempts}
        ${delivery.attempts === 1 ? 'attempt' : 'attempts'}
        failed${delivery.lastError ? html`: ${delivery.lastError}` : ''}), next try ${at}`;
    case 'rerouted':
      return html`${what}: rerouted${delivery.lastError ? html` (${delivery.lastError})` : ''}`;
    case 'withheld':
      return html`Notice of ${at}: ${delivery.lastError ?? 'not sent'}`;
    case 'failed':
      return html`${what}: <span class="warning">not delivered, gave up</span> after
        ${delivery.attempts} attempts${delivery.lastError ? html`: ${delivery.lastError}` : ''}`;
  }
}

export function deliveryList(deliveries: readonly DeliveryStatus[], timeZone: string): SafeHtml {
  if (deliveries.length === 0) return html`<span class="muted">Nothing sent to OpenEMR</span>`;
  return html`<ul class="plain">
    ${deliveries.map((d) => html`<li>${deliveryText(d, timeZone)}</li>`)}
  </ul>`;
}

export function problemBox(title: string, problems: readonly FieldProblem[]): SafeHtml {
  return html`<div class="box error" role="alert">
    <p><strong>${title}</strong></p>
    <ul>
      ${problems.map((p) => html`<li>${p.message}</li>`)}
    </ul>
  </div>`;
}

export function statusBox(message: string): SafeHtml {
  return html`<p class="box" role="status">${message}</p>`;
}

/** A refused action: styled and announced as the error it is. */
export function refusalBox(message: string): SafeHtml {
  return html`<p class="box error" role="alert"><strong>Refused:</strong> ${message}</p>`;
}

/** What an action changed, naming the rule and the patient (a done=...&alert=... redirect). */
export interface DoneNotice {
  done: ActionDone;
  alertId: string;
  /** Null when the alert is gone. */
  alert: Pick<InboxAlert, 'ruleTitle' | 'patient' | 'snoozedUntil' | 'patientTimeZone'> | null;
}

export function doneNotice(notice: DoneNotice | null): SafeHtml | '' {
  if (notice === null) return '';
  const { alert } = notice;
  if (alert === null) return statusBox(`Alert ${notice.alertId} ${DONE_WORDS[notice.done]}.`);
  const capitalised = DONE_WORDS[notice.done].replace(/^./, (c) => c.toUpperCase());
  const until =
    notice.done === 'snoozed' && alert.snoozedUntil
      ? `, ${snoozeEndWords(alert.snoozedUntil, alert.patientTimeZone)}`
      : '';
  return statusBox(
    `${capitalised} “${alert.ruleTitle}” for ${identityWords(alert.patient)}${until}.`,
  );
}

const NOTE_FOR: Record<string, string> = {
  acknowledge: 'the acknowledgement',
  snooze: 'the snooze',
  resolve: 'the resolution',
};

/** The acknowledge, snooze and resolve forms of one alert, each with its note. */
export function actionForms(alert: InboxAlert, context: PageContext, back: string): SafeHtml {
  const actions = availableActions(alert);
  if (actions.length === 0) return html`<span class="muted">No actions: resolved</span>`;
  const hidden = html`<input type="hidden" name="_csrf" value="${context.csrfToken}" /><input
      type="hidden"
      name="back"
      value="${back}"
    />`;
  const id = alert.id;
  const note = (action: string): SafeHtml =>
    html`<label for="${action}-note-${id}"
        >Note<span class="visually-hidden"> with ${NOTE_FOR[action]}</span></label
      >
      <input id="${action}-note-${id}" name="note" maxlength="500" autocomplete="off" />`;
  return html`<div class="actions">
    ${
      actions.includes('acknowledge')
        ? html`<form method="post" action="/alerts/${id}/acknowledge">
            ${hidden} ${note('acknowledge')}
            <button type="submit">Acknowledge</button>
          </form>`
        : ''
    }
    <form method="post" action="/alerts/${id}/snooze">
      ${hidden}
      <label for="snooze-until-${id}">Snooze through the patient’s day</label>
      ${isoDateInput({
        id: `snooze-until-${id}`,
        name: 'until',
        value: alert.snoozedUntil ?? context.today,
        required: true,
        describedBy: `snooze-help-${id}`,
      })}
      <span id="snooze-help-${id}" class="muted"
        >(included; it can fire again from 00:00 the next day, ${alert.patientTimeZone})</span
      >
      ${note('snooze')}
      <button type="submit" class="secondary">Snooze</button>
    </form>
    <form method="post" action="/alerts/${id}/resolve">
      ${hidden} ${note('resolve')}
      <button type="submit" class="secondary">Resolve</button>
    </form>
  </div>`;
}

/** Styles these pages add to the staff layout (inline styles are allowed; scripts are not). */
export const PAGE_STYLE = new SafeHtml(`<style>
.table-scroll{overflow-x:auto;position:relative}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end}
.filters p{margin:0;display:flex;flex-direction:column}
ul.plain{list-style:none;margin:0;padding:0}ul.plain li{margin:.15rem 0}
.actions{display:flex;flex-direction:column;gap:.75rem;min-width:14rem}
.actions form{display:flex;flex-wrap:wrap;gap:.35rem;align-items:center}
details>summary{cursor:pointer;color:var(--accent)}
.box.error{border-left:.4rem solid var(--urgent)}
.counts{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;list-style:none;padding:0;margin:.5rem 0}
.counts a{font-weight:600}
.patient{display:inline-flex;flex-direction:column}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dl.facts dt{font-weight:600}dl.facts dd{margin:0}
@media (max-width:60rem){th,td{padding:.3rem}}
@media print{header,.no-print,.skip{display:none!important}main{max-width:none}}
</style>`);

function filterOptions<T extends string>(
  values: readonly T[],
  words: Record<T, string>,
  selected: string | undefined,
  anyLabel: string,
): SafeHtml {
  return html`<option value="">${anyLabel}</option>
    ${values.map(
      (value) =>
        html`<option value="${value}" ${value === selected ? new SafeHtml('selected') : ''}>
          ${words[value]}
        </option>`,
    )}`;
}

export interface InboxPage {
  /** The raw filter values, to fill the form (also when they were invalid). */
  form: Record<string, string>;
  query: InboxQuery | null;
  problems: FieldProblem[];
  alerts: InboxAlert[];
  truncated: boolean;
  programs: string[];
  /** Where action forms come back to. */
  back: string;
  /** What the last action did, naming the rule and the patient. */
  notice?: DoneNotice | null;
  /** A refusal to show instead of the done notice (the page re-rendered after a failed action). */
  refusal?: string;
}

/** The inbox's sections: what needs a human now, what someone has, and (all states) the rest. */
export type InboxSection = 'needs-action' | 'handled' | 'not-open';

/**
 * Firing and not acknowledged needs a person. Acknowledged, snoozed, held back
 * (and any later "someone has it" state, such as stale) are handled; pending
 * and resolved alerts are not open.
 */
export function sectionOf(state: AlertState): InboxSection {
  if (state === 'firing') return 'needs-action';
  if (state === 'pending' || state === 'resolved') return 'not-open';
  return 'handled';
}

const SECTIONS: Record<InboxSection, { title: string; about: string }> = {
  'needs-action': {
    title: 'Needs action',
    about: 'Fired and not acknowledged: most severe first, then the longest waiting.',
  },
  handled: {
    title: 'Handled',
    about: 'Acknowledged, snoozed or held back: who took it and until when.',
  },
  'not-open': {
    title: 'Not open',
    about: 'Watching (not fired yet) or resolved.',
  },
};

const STATE_FILTER_WORDS: Record<string, string> = { ...STATE_WORDS, [ALL_STATES]: 'All states' };

function alertTable(
  section: InboxSection,
  alerts: readonly InboxAlert[],
  context: PageContext,
  back: string,
): SafeHtml {
  const { title, about } = SECTIONS[section];
  return html`<section class="inbox-section" id="${section}" aria-labelledby="${section}-title">
    <h2 id="${section}-title">${title} <span class="count">(${alerts.length})</span></h2>
    <div class="table-scroll">
      <table>
        <caption class="muted">
          ${about}
        </caption>
        ${columnHeads(['Patient', 'Alert', 'Severity', 'State', 'When', 'Values', 'OpenEMR delivery', 'Actions'], ['Actions'])}
        <tbody>
          ${
            alerts.length === 0
              ? html`<tr>
                  <td colspan="8">None.</td>
                </tr>`
              : alerts.map((alert) => inboxRow(alert, context, back))
          }
        </tbody>
      </table>
    </div>
  </section>`;
}

export function renderInbox(page: InboxPage, context: PageContext): SafeHtml {
  const form = page.form;
  const chosen = page.query?.state;
  // One state asked for: one section. Else the open sections, and with "All states" the rest too.
  const sections: InboxSection[] =
    chosen && chosen !== ALL_STATES
      ? [sectionOf(chosen)]
      : chosen === ALL_STATES
        ? ['needs-action', 'handled', 'not-open']
        : ['needs-action', 'handled'];
  const inSection = (section: InboxSection) =>
    page.alerts.filter((alert) => sectionOf(alert.state) === section);
  return html`${PAGE_STYLE}
    ${page.refusal ? refusalBox(page.refusal) : doneNotice(page.notice ?? null)}
    ${page.problems.length > 0 ? problemBox('The filters are not valid:', page.problems) : ''}
    <form method="get" action="/alerts" class="filters no-print" aria-label="Filter alerts">
      <p>
        <label for="filter-state">State</label>
        <select id="filter-state" name="state">
          ${filterOptions([...ALERT_STATES, ALL_STATES], STATE_FILTER_WORDS, form.state, 'All open')}
        </select>
      </p>
      <p>
        <label for="filter-severity">Severity</label>
        <select id="filter-severity" name="severity">
          ${filterOptions([...SEVERITIES].reverse(), SEVERITY_WORDS, form.severity, 'Any')}
        </select>
      </p>
      ${programField({
        id: 'filter-program',
        label: 'Program',
        listId: 'programs',
        value: form.program ?? '',
        size: 14,
        programs: page.programs,
      })}
      <p>
        <label for="filter-recipient">Sent to (OpenEMR user)</label>
        <input id="filter-recipient" name="recipient" value="${form.recipient ?? ''}" size="14" />
      </p>
      <p>
        <label for="filter-pid">Patient (pid)</label>
        <input
          id="filter-pid"
          name="pid"
          inputmode="numeric"
          pattern="[0-9]*"
          value="${form.pid ?? ''}"
          size="8"
        />
      </p>
      <p><button type="submit">Filter</button></p>
      <p><a href="/alerts">Clear filters</a></p>
    </form>
    <ul class="counts" aria-label="Alerts by section">
      ${sections.map(
        (section) =>
          html`<li>
            <a href="#${section}">${SECTIONS[section].title}</a>: ${inSection(section).length}
          </li>`,
      )}
      ${page.truncated ? html`<li class="warning">Only the first ${page.alerts.length} are shown; narrow the filters.</li>` : ''}
    </ul>
    ${sections.map((section) => alertTable(section, inSection(section), context, page.back))}`;
}

/** Since when the alert waits (its first notice, else its opening), and the data day it is about. */
function whenCell(alert: InboxAlert, context: PageContext): SafeHtml {
  const age = html`<time datetime="${alert.since.toISOString()}"
    >${ageInWords(alert.since, context.now)}</time
  >`;
  const dataDay =
    alert.firedOn === null
      ? `data from ${alert.episodeStart}`
      : `fired on the data of ${alert.firedOn}`;
  return html`${alert.firstNotifiedAt === null ? 'no notice yet, opened' : 'first notice'} ${age}
    ago<br /><span class="muted">${clinicTime(alert.since, context.timeZone)}</span><br /><span
      class="muted"
      >${dataDay}</span
    >`;
}

function inboxRow(alert: InboxAlert, context: PageContext, back: string): SafeHtml {
  return html`<tr id="alert-${alert.id}">
    <td>${patientLink(alert.patient)}</td>
    <th scope="row"><a href="/alerts/${alert.id}">${alert.ruleTitle}</a></th>
    <td class="${severityClass(alert.severity)}">${SEVERITY_WORDS[alert.severity]}</td>
    <td>${stateText(alert, context.timeZone)}</td>
    <td>${whenCell(alert, context)}</td>
    <td>${alert.message}</td>
    <td>${deliveryList(alert.deliveries, context.timeZone)}</td>
    <td class="no-print">
      ${
        availableActions(alert).length === 0
          ? html`<span class="muted">None</span>`
          : html`<details>
              <summary>
                Act<span class="visually-hidden">
                  on ${alert.ruleTitle}, ${alert.patient.name ?? `patient ${alert.pid}`}</span
                >
              </summary>
              ${actionForms(alert, context, back)}
            </details>`
      }
    </td>
  </tr>`;
}

export interface AlertPage {
  alert: InboxAlert;
  history: AlertTransitionView[];
  query: Pick<InboxQuery, 'done' | 'alert'> | null;
  refusal?: string;
  problems?: FieldProblem[];
}

export function renderAlertPage(page: AlertPage, context: PageContext): SafeHtml {
  const { alert } = page;
  const tz = context.timeZone;
  return html`${PAGE_STYLE}
    ${
      page.refusal
        ? refusalBox(page.refusal)
        : page.query?.done && page.query.alert === alert.id
          ? doneNotice({ done: page.query.done, alertId: alert.id, alert })
          : ''
    }
    ${
      page.problems && page.problems.length > 0
        ? problemBox('The form is not valid:', page.problems)
        : ''
    }
    <p class="no-print"><a href="/alerts">Back to the inbox</a></p>
    <dl class="facts">
      <dt>Patient</dt>
      <dd>${patientLink(alert.patient)}</dd>
      <dt>Rule</dt>
      <dd>
        ${alert.ruleTitle}
        <span class="muted">(${alert.ruleId}, version ${alert.ruleVersion})</span>
      </dd>
      <dt>Severity</dt>
      <dd class="${severityClass(alert.severity)}">${SEVERITY_WORDS[alert.severity]}</dd>
      <dt>State</dt>
      <dd>${stateText(alert, tz)}</dd>
      <dt>Data days</dt>
      <dd>${dataDaysWords(alert)}</dd>
      <dt>First notice to staff</dt>
      <dd>${firstToldWords(alert, tz, context.now)}</dd>
      <dt>Waiting</dt>
      <dd>
        ${ageInWords(alert.since, context.now)}
        <span class="muted">(since ${clinicTime(alert.since, tz)})</span>
      </dd>
      <dt>Values</dt>
      <dd>${alert.message}</dd>
      ${
        alert.acknowledgement?.note
          ? html`<dt>Acknowledgement note</dt>
              <dd>${alert.acknowledgement.note}</dd>`
          : ''
      }
    </dl>
    <h2>Act on this alert</h2>
    ${actionForms(alert, context, `/alerts/${alert.id}`)}
    <h2>OpenEMR delivery</h2>
    ${deliveryList(alert.deliveries, tz)}
    <div class="table-scroll">
      <table>
        <caption>
          <h2>History</h2>
        </caption>
        ${columnHeads(['Time', 'Change', 'Cause', 'By', 'Note'])}
        <tbody>
          ${page.history.map(
            (t) =>
              html`<tr>
                <th scope="row">
                  <time datetime="${t.at.toISOString()}">${clinicTime(t.at, tz)}</time>
                </th>
                <td>${t.from ? `${STATE_WORDS[t.from]} → ` : 'Opened: '}${STATE_WORDS[t.to]}</td>
                ${changeCells(t)}
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}
