import { html, SafeHtml } from './html';
import type { PatientIdentity } from '../patients/patient-identities';

/**
 * A table's column headings. Columns named in `screenOnly` (the action forms)
 * are left out of a printout.
 */
export function columnHeads(
  columns: readonly string[],
  screenOnly: readonly string[] = [],
): SafeHtml {
  return html`<thead>
    <tr>
      ${columns.map((column) =>
        screenOnly.includes(column)
          ? html`<th scope="col" class="no-print">${column}</th>`
          : html`<th scope="col">${column}</th>`,
      )}
    </tr>
  </thead>`;
}

/** Who changed an alert, in words: `staff:user:kim` is Vigil's user kim, `staff:kim` OpenEMR's. */
export function actorWords(actor: string): string {
  if (actor === 'evaluation') return 'Vigil (rule evaluation)';
  const who = actor.replace(/^staff:/, '');
  if (who.startsWith('user:')) return who.slice(5);
  if (who.startsWith('token:')) return `API token ${who.slice(6)}`;
  return `${who} (in OpenEMR)`;
}

/** The why, who and note cells of one alert state change, as every history table shows them. */
export function changeCells(change: {
  cause: string;
  actor: string;
  note: string | null;
}): SafeHtml {
  return html`<td>${change.cause.replace(/_/g, ' ')}</td>
    <td>${actorWords(change.actor)}</td>
    <td>${change.note ?? ''}</td>`;
}

/** A program field with the programs in use offered as choices (any other name may be typed). */
export function programField(field: {
  id: string;
  label: string;
  listId: string;
  value: string;
  size: number;
  programs: readonly string[];
}): SafeHtml {
  return html`<p>
    <label for="${field.id}">${field.label}</label>
    <input
      id="${field.id}"
      name="program"
      list="${field.listId}"
      size="${field.size}"
      value="${field.value}"
    />
    <datalist id="${field.listId}">
      ${field.programs.map((p) => html`<option value="${p}"></option>`)}
    </datalist>
  </p>`;
}

/**
 * The patient as staff must see them to know who it is: name, date of birth,
 * chart number and pid, linked to the patient page. A name that could not be
 * read says so (never a blank), styled as a warning.
 */
export function patientLink(patient: PatientIdentity): SafeHtml {
  const details = [
    patient.dateOfBirth ? `born ${patient.dateOfBirth}` : null,
    patient.chartNumber ? `chart ${patient.chartNumber}` : null,
    `pid ${patient.pid}`,
  ].filter((part) => part !== null);
  return html`<span class="patient"
    ><a href="/patients/${patient.pid}"
      ><strong>${patient.name ?? `Patient ${patient.pid}`}</strong></a
    >${patient.name === null ? html` <span class="warning name-problem">(${patient.problem})</span>` : ''}
    <span class="muted">${details.join(' · ')}</span></span
  >`;
}

/**
 * A date field that reads and writes ISO dates: a text input with the
 * YYYY-MM-DD pattern (a native date picker shows mm/dd/yyyy in a US browser,
 * beside text that says YYYY-MM-DD). The server validates the value again.
 */
export function isoDateInput(field: {
  id: string;
  name: string;
  value: string;
  required?: boolean;
  /** Extra ids for aria-describedby (the format hint is always included). */
  describedBy?: string;
}): SafeHtml {
  const hint = `${field.id}-format`;
  return html`<input
      id="${field.id}"
      name="${field.name}"
      type="text"
      inputmode="numeric"
      pattern="\\d{4}-\\d{2}-\\d{2}"
      placeholder="YYYY-MM-DD"
      maxlength="10"
      size="11"
      autocomplete="off"
      value="${field.value}"
      aria-describedby="${[hint, field.describedBy].filter(Boolean).join(' ')}"
      ${field.required ? new SafeHtml('required') : ''}
    /><span id="${hint}" class="muted date-format"> YYYY-MM-DD</span>`;
}
