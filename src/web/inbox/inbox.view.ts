import { ALERT_STATES } from '../../alerts/alerts.dto';
import { actorWords, changeCells, columnHeads, programField } from '../fragments';
import type { Acknowledgement, AlertState } from '../../alerts/lifecycle';
import type { LocalDate } from '../../time';
import type { DeliveryStatus } from '../../delivery/delivery-status';
import type { FieldProblem } from '../../http/problem.filter';
import { SEVERITIES, type Severity } from '../../rules/rule-definition';
import { html, SafeHtml } from '../html';
import type { ActionDone, InboxQuery } from './inbox-input';
import { ageInWords, clinicTime } from './time-words';

/** One alert as the pages show it. */
export interface InboxAlert {
  id: string;
  pid: number;
  chartNumber: string | null;
  ruleId: string;
  ruleTitle: string;
  ruleVersion: number;
  severity: Severity;
  state: AlertState;
  /** When staff were first due to be told, or when the episode was recorded if not yet. */
  since: Date;
  episodeStart: LocalDate;
  firedOn: LocalDate | null;
  snoozedUntil: LocalDate | null;
  acknowledgement: Acknowledgement | null;
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

function stateText(alert: InboxAlert, timeZone: string): SafeHtml {
  const detail =
    alert.state === 'snoozed' && alert.snoozedUntil
      ? html` until ${alert.snoozedUntil}`
      : alert.state === 'acknowledged' && alert.acknowledgement
        ? html` by ${actorWords(`staff:${alert.acknowledgement.by}`)},
          ${clinicTime(new Date(alert.acknowledgement.at), timeZone)}`
        : alert.state === 'inhibited'
          ? html` <span class="muted">(a related alert is firing)</span>`
          : '';
  return html`${STATE_WORDS[alert.state]}${detail}`;
}

export function patientLink(pid: number, chartNumber: string | null): SafeHtml {
  return html`<a href="/patients/${pid}"
    >Patient ${pid}${chartNumber ? html`<span class="muted">, chart ${chartNumber}</span>` : ''}</a
  >`;
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
  return html`<div class="box" role="alert">
    <p><strong>${title}</strong></p>
    <ul>
      ${problems.map((p) => html`<li>${p.message}</li>`)}
    </ul>
  </div>`;
}

export function statusBox(message: string): SafeHtml {
  return html`<p class="box" role="status">${message}</p>`;
}

export function refusalBox(message: string): SafeHtml {
  return html`<p class="box" role="alert">${message}</p>`;
}

/** A done=...&alert=... redirect turned into words. */
export function doneNotice(query: Pick<InboxQuery, 'done' | 'alert'>): SafeHtml | '' {
  if (!query.done || !query.alert) return '';
  return statusBox(`Alert ${query.alert} ${DONE_WORDS[query.done]}.`);
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
      <label for="snooze-until-${id}">Snooze until</label>
      <input
        id="snooze-until-${id}"
        name="until"
        type="date"
        min="${context.today}"
        value="${alert.snoozedUntil ?? ''}"
        required
      />
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
.table-scroll{overflow-x:auto}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end}
.filters p{margin:0;display:flex;flex-direction:column}
ul.plain{list-style:none;margin:0;padding:0}ul.plain li{margin:.15rem 0}
.actions{display:flex;flex-direction:column;gap:.75rem;min-width:14rem}
.actions form{display:flex;flex-wrap:wrap;gap:.35rem;align-items:center}
details>summary{cursor:pointer;color:var(--accent)}
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
  /** A refusal to show instead of the done notice (the page re-rendered after a failed action). */
  refusal?: string;
}

export function renderInbox(page: InboxPage, context: PageContext): SafeHtml {
  const form = page.form;
  const open = !form.state;
  const caption = open
    ? 'Open alerts, most severe first, then the longest waiting'
    : `Alerts in state "${STATE_WORDS[form.state as AlertState] ?? form.state}", most severe first, then the longest waiting`;
  return html`${PAGE_STYLE}
    ${page.refusal ? refusalBox(page.refusal) : page.query ? doneNotice(page.query) : ''}
    ${page.problems.length > 0 ? problemBox('The filters are not valid:', page.problems) : ''}
    <form method="get" action="/alerts" class="filters no-print" aria-label="Filter alerts">
      <p>
        <label for="filter-state">State</label>
        <select id="filter-state" name="state">
          ${filterOptions(ALERT_STATES, STATE_WORDS, form.state, 'All open')}
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
    <div class="table-scroll">
      <table>
        <caption>
          ${caption}:
          ${page.alerts.length}${page.truncated ? ' shown (the first ones; narrow the filters)' : ''}
        </caption>
        ${columnHeads(['Patient', 'Alert', 'Severity', 'State', 'Since', 'Values', 'OpenEMR delivery', 'Actions'], ['Actions'])}
        <tbody>
          ${
            page.alerts.length === 0
              ? html`<tr>
                  <td colspan="8">No alerts match.</td>
                </tr>`
              : page.alerts.map((alert) => inboxRow(alert, context, page.back))
          }
        </tbody>
      </table>
    </div>`;
}

function inboxRow(alert: InboxAlert, context: PageContext, back: string): SafeHtml {
  return html`<tr id="alert-${alert.id}">
    <td>${patientLink(alert.pid, alert.chartNumber)}</td>
    <th scope="row"><a href="/alerts/${alert.id}">${alert.ruleTitle}</a></th>
    <td class="${severityClass(alert.severity)}">${SEVERITY_WORDS[alert.severity]}</td>
    <td>${stateText(alert, context.timeZone)}</td>
    <td>
      <time datetime="${alert.since.toISOString()}">${ageInWords(alert.since, context.now)}</time
      ><br /><span class="muted">${clinicTime(alert.since, context.timeZone)}</span>
    </td>
    <td>${alert.message}</td>
    <td>${deliveryList(alert.deliveries, context.timeZone)}</td>
    <td class="no-print">
      ${
        availableActions(alert).length === 0
          ? html`<span class="muted">None</span>`
          : html`<details>
              <summary>
                Act<span class="visually-hidden"> on ${alert.ruleTitle}, patient ${alert.pid}</span>
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
    ${page.refusal ? refusalBox(page.refusal) : page.query ? doneNotice(page.query) : ''}
    ${
      page.problems && page.problems.length > 0
        ? problemBox('The form is not valid:', page.problems)
        : ''
    }
    <p class="no-print"><a href="/alerts">Back to the inbox</a></p>
    <dl class="facts">
      <dt>Patient</dt>
      <dd>${patientLink(alert.pid, alert.chartNumber)}</dd>
      <dt>Rule</dt>
      <dd>
        ${alert.ruleTitle}
        <span class="muted">(${alert.ruleId}, version ${alert.ruleVersion})</span>
      </dd>
      <dt>Severity</dt>
      <dd class="${severityClass(alert.severity)}">${SEVERITY_WORDS[alert.severity]}</dd>
      <dt>State</dt>
      <dd>${stateText(alert, tz)}</dd>
      <dt>Episode</dt>
      <dd>
        began
        ${alert.episodeStart}${alert.firedOn ? `, fired on ${alert.firedOn}` : ', not fired yet'}
      </dd>
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
