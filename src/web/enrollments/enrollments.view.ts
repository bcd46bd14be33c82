import type { InvitationSummary, IssuedInvitation } from '../../consent/invitations';
import { columnHeads, patientLink, programField } from '../fragments';
import type { PatientIdentity } from '../../patients/patient-identities';
import type { FieldProblem } from '../../http/problem.filter';
import { ENROLLMENT_FILTERS } from '../../patients/enrollment.entity';
import type { EnrollmentView } from '../../patients/enrollments';
import { html, SafeHtml } from '../html';
import type { ConnectionChange } from '../../patients/connection-changes';
import { blindReasonWords, type BlindRule } from '../../ingest/blind-rules';
import { PAGE_STYLE, problemBox, refusalBox, statusBox } from '../inbox/inbox.view';
import { ageInWords, clinicTime } from '../inbox/time-words';
import {
  enrollmentActions,
  invitationState,
  inviteLabel,
  reinviteIsRisky,
  shownStatus,
  STATUS_WORDS,
} from './enrollment-status';
import type { EnrollmentDone, EnrollmentsQuery } from './enrollments-input';

export interface EnrollmentRow {
  view: EnrollmentView;
  patient: PatientIdentity;
  invitation: InvitationSummary | undefined;
  /** The latest change of Google account, of time zone and of device, each if there was one. */
  changes: ConnectionChange[];
  /** Enabled rules that cannot fire for this connected patient (not granted, or no data). */
  blindRules: BlindRule[];
}

export interface EnrollmentsContext {
  timeZone: string;
  now: Date;
  csrfToken: string;
  /** The viewer's role: only the actions it may take are offered. */
  role: string;
}

export interface EnrollmentsPage {
  rows: EnrollmentRow[];
  query: EnrollmentsQuery | null;
  /** Raw values for refilling the forms. */
  filter: string | undefined;
  enrollForm?: Record<string, string>;
  programs: string[];
  problems?: { title: string; list: FieldProblem[] };
  refusal?: string;
}

const DONE_WORDS: Record<EnrollmentDone, string> = {
  enrolled: 'is enrolled. Invite them next, so they can connect their Fitbit.',
  paused: 'is paused: no syncing and no rule evaluation until resumed.',
  resumed: 'is active again and will sync shortly.',
  disconnected:
    'is disconnected: the grant was revoked at Google and the tokens erased. Invite again to restart.',
  ended: 'is no longer monitored.',
};

function doneNotice(query: EnrollmentsQuery | null): SafeHtml | '' {
  if (!query?.done || !query.pid) return '';
  return statusBox(`Patient ${query.pid} ${DONE_WORDS[query.done]}`);
}

const field = (form: Record<string, string> | undefined, name: string): string =>
  form?.[name] ?? '';

export function renderEnrollments(page: EnrollmentsPage, context: EnrollmentsContext): SafeHtml {
  const caption = page.filter
    ? `Enrollments with status "${page.filter.replace('_', ' ')}"${page.filter === 'paused' ? ' (disconnected ones included)' : ''}`
    : 'Enrollments, by patient';
  return html`${PAGE_STYLE} ${page.refusal ? refusalBox(page.refusal) : doneNotice(page.query)}
    ${page.problems ? problemBox(page.problems.title, page.problems.list) : ''}
    <section aria-labelledby="enroll-heading" class="no-print">
      <h2 id="enroll-heading">Enroll a patient</h2>
      <form method="post" action="/enrollments" class="filters">
        <input type="hidden" name="_csrf" value="${context.csrfToken}" />
        <p>
          <label for="enroll-pid">OpenEMR patient id (pid)</label>
          <input
            id="enroll-pid"
            name="pid"
            inputmode="numeric"
            pattern="[0-9]+"
            required
            size="8"
            value="${field(page.enrollForm, 'pid')}"
          />
        </p>
        ${programField({
          id: 'enroll-program',
          label: 'Program (optional)',
          listId: 'enroll-programs',
          value: field(page.enrollForm, 'program'),
          size: 16,
          programs: page.programs,
        })}
        <p>
          <label for="enroll-interval">Minutes between syncs (optional, 15-1440)</label>
          <input
            id="enroll-interval"
            name="syncIntervalMinutes"
            type="number"
            min="15"
            max="1440"
            placeholder="360"
            value="${field(page.enrollForm, 'syncIntervalMinutes')}"
          />
        </p>
        <p><button type="submit">Enroll</button></p>
      </form>
    </section>
    <h2>Patients</h2>
    <form
      method="get"
      action="/enrollments"
      class="filters no-print"
      aria-label="Filter enrollments"
    >
      <p>
        <label for="filter-status">Status</label>
        <select id="filter-status" name="status">
          <option value="">Any</option>
          ${ENROLLMENT_FILTERS.map(
            (status) =>
              html`<option
                value="${status}"
                ${status === page.filter ? new SafeHtml('selected') : ''}
              >
                ${status.replace('_', ' ')}
              </option>`,
          )}
        </select>
      </p>
      <p><button type="submit">Filter</button></p>
    </form>
    <div class="table-scroll">
      <table>
        <caption>
          ${caption}: ${page.rows.length}
        </caption>
        ${columnHeads(['Patient', 'Status', 'Program', 'Granted data', 'Last sync', 'Invitation', 'Actions'], ['Actions'])}
        <tbody>
          ${
            page.rows.length === 0
              ? html`<tr>
                  <td colspan="7">Nobody is enrolled${page.filter ? ' with this status' : ''}.</td>
                </tr>`
              : page.rows.map((row) => enrollmentRow(row, context))
          }
        </tbody>
      </table>
    </div>`;
}

function enrollmentRow(row: EnrollmentRow, context: EnrollmentsContext): SafeHtml {
  const { view } = row;
  const status = shownStatus(view);
  const tz = context.timeZone;
  const connection = view.connection;
  return html`<tr id="patient-${view.pid}">
    <th scope="row">${patientLink(row.patient)}</th>
    <td>
      <strong>${status.replace('_', ' ')}</strong><br /><span class="muted"
        >${STATUS_WORDS[status]}${view.endedAt ? `, ${clinicTime(view.endedAt, tz)}` : ''}</span
      >${row.changes.map(
        (change) =>
          html`<br /><span class="warning connection-change"
              >${change.words}, ${clinicTime(change.at, tz)}</span
            >`,
      )}${row.blindRules.map(
        (rule) =>
          html`<br /><span class="warning blind-rule"
              >Cannot fire: ${rule.title}, reads ${blindReasonWords(rule)}</span
            >`,
      )}
    </td>
    <td>${view.program ?? html`<span class="muted">none</span>`}</td>
    <td>
      ${
        connection && connection.grantedData.length > 0
          ? connection.grantedData.join(', ')
          : html`<span class="muted">nothing yet</span>`
      }
    </td>
    <td>
      ${
        connection?.lastSyncAt
          ? html`<time datetime="${connection.lastSyncAt.toISOString()}"
                >${clinicTime(connection.lastSyncAt, tz)}</time
              >
              <span class="muted">(${ageInWords(connection.lastSyncAt, context.now)} ago)</span>`
          : html`<span class="muted">never</span>`
      }
      ${
        connection?.lastDeviceSyncAt
          ? html`<br /><span class="muted"
                >device synced ${clinicTime(connection.lastDeviceSyncAt, tz)}</span
              >`
          : ''
      }
    </td>
    <td>${invitationText(row.invitation, context)}</td>
    <td class="no-print">${actionForms(row, context)}</td>
  </tr>`;
}

function invitationText(
  invitation: InvitationSummary | undefined,
  context: EnrollmentsContext,
): SafeHtml {
  if (!invitation) return html`<span class="muted">none yet</span>`;
  const tz = context.timeZone;
  switch (invitationState(invitation, context.now)) {
    case 'open':
      return html`open until ${clinicTime(invitation.expiresAt, tz)}`;
    case 'used':
      return html`used ${clinicTime(invitation.usedAt!, tz)}`;
    case 'replaced':
      return html`<span class="muted">withdrawn ${clinicTime(invitation.revokedAt!, tz)}</span>`;
    case 'expired':
      return html`<span class="warning">expired ${clinicTime(invitation.expiresAt, tz)}</span>`;
  }
}

function actionForms(row: EnrollmentRow, context: EnrollmentsContext): SafeHtml {
  const pid = row.view.pid;
  const csrf = html`<input type="hidden" name="_csrf" value="${context.csrfToken}" />`;
  const button = (action: string, label: string, secondary = true): SafeHtml =>
    html`<form method="post" action="/enrollments/${pid}/${action}">
      ${csrf}
      <button type="submit" ${secondary ? new SafeHtml('class="secondary"') : ''}>
        ${label}<span class="visually-hidden">: patient ${pid}</span>
      </button>
    </form>`;
  const confirmed = (action: string, label: string, warning: string): SafeHtml =>
    html`<details>
      <summary>${label}…<span class="visually-hidden"> patient ${pid}</span></summary>
      <p class="muted">${warning}</p>
      ${button(action, label)}
    </details>`;
  const forms = enrollmentActions(row.view, context.role).map((action) => {
    switch (action) {
      case 'invite':
        return reinviteIsRisky(row.view)
          ? confirmed(
              'invitation',
              'Re-invite',
              'The patient is connected and syncing. A new link replaces any open one; the connection stays until the patient uses the new link. If they then sign in with another Google account, its data (and its time zone) replace this one from that day on, and the current grant is revoked.',
            )
          : button('invitation', inviteLabel(row.invitation), false);
      case 'pause':
        return button('pause', 'Pause');
      case 'resume':
        return button('resume', 'Resume');
      case 'disconnect':
        return confirmed(
          'disconnect',
          'Disconnect',
          'Revokes the grant at Google and erases the tokens; syncing stops until the patient consents again.',
        );
      case 'end':
        return confirmed(
          'end',
          'End monitoring',
          'Disconnects, withdraws open invitations and stops monitoring this patient.',
        );
      case 'enroll':
        return html`<form method="post" action="/enrollments">
          ${csrf}<input type="hidden" name="pid" value="${pid}" />
          ${
            row.view.program
              ? html`<input type="hidden" name="program" value="${row.view.program}" />`
              : ''
          }
          <button type="submit" class="secondary">
            Enroll again<span class="visually-hidden">: patient ${pid}</span>
          </button>
        </form>`;
    }
  });
  return html`<div class="actions">${forms}</div>`;
}

export interface InvitationPage {
  pid: number;
  patient: PatientIdentity;
  invitation: IssuedInvitation;
  qrCode: SafeHtml;
  clinic: string;
}

/** The page staff print or show: the link and its QR code, shown once (only a hash is kept). */
export function renderInvitation(page: InvitationPage, context: EnrollmentsContext): SafeHtml {
  const { invitation } = page;
  const delivered = [
    invitation.delivered.portal ? 'the patient portal' : null,
    invitation.delivered.email ? 'email' : null,
  ].filter((x): x is string => x !== null);
  return html`${PAGE_STYLE}
    <p class="box no-print" role="status">
      A new invitation was created for ${patientLink(page.patient)}; any earlier link no longer
      works.
      ${
        delivered.length > 0
          ? `It was also sent by ${delivered.join(' and ')}.`
          : 'It was not sent anywhere: print this page or give the patient the link.'
      }
      This page is the only time the link is shown; use your browser's Print command to print it.
    </p>
    <section aria-labelledby="invitation-heading">
      <h2 id="invitation-heading">${page.clinic} invites you to share your Fitbit data</h2>
      <p>
        Scan the code with your phone's camera, or type the link into a browser. It works once and
        until ${clinicTime(invitation.expiresAt, context.timeZone)}.
      </p>
      <figure>
        ${page.qrCode}
        <figcaption class="visually-hidden">QR code of the link below</figcaption>
      </figure>
      <p>Link:</p>
      <p
        class="box"
        style="font-family:ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere"
      >
        <span id="invitation-link">${invitation.url}</span>
      </p>
    </section>
    <p class="no-print"><a href="/enrollments#patient-${page.pid}">Back to enrollments</a></p>`;
}
