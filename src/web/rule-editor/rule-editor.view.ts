import type { ParamDetail, RuleDefinition } from '../../rules/rule-definition';
import { rangeWords } from '../../rules/validation/param-details';
import { columnHeads, isoDateInput } from '../fragments';
import type { RuleVersionView, RuleView } from '../../rules/rules.service';
import type { RuleChange } from '../../rules/versions/rule-diff';
import { NUMERIC_METRICS } from '../../aggregates/daily-aggregate';
import { addDays, localDateAt, zonedTimestamp } from '../../time';
import { html, SafeHtml } from '../html';
import { jsonBlock } from '../patient/patient-page.view';

const STYLE = new SafeHtml(`<style>
.editor textarea{min-height:28rem;tab-size:2}
.editor textarea[aria-invalid=true]{border-color:var(--urgent)}
#rule-messages ul{margin:.25rem 0;padding-left:1.25rem}
#rule-messages button{background:none;color:var(--accent);padding:0;text-decoration:underline;font-family:ui-monospace,Menlo,Consolas,monospace}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;margin:.5rem 0}
fieldset{border:1px solid var(--line);border-radius:.5rem;margin:1rem 0;padding:.5rem 1rem}
.row{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end;margin:.5rem 0}
.row label{display:flex;flex-direction:column;gap:.2rem}
.figure{font-size:1.6rem;font-weight:700}
.canvas{position:relative;height:16rem}
.diff td{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9rem;white-space:pre-wrap;word-break:break-word}
.diff .before{color:var(--urgent)}.diff .after{color:var(--ok)}
#param-form{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:1rem}
.param{background:var(--box);border-radius:.5rem;padding:.5rem .75rem}
.param label{font-weight:600;display:block}
.param input{width:8rem}
.param input[aria-invalid=true]{border-color:var(--urgent)}
.param p{margin:.25rem 0}
.folder-warning{border-left:.35rem solid var(--warning)}
button:disabled{opacity:.5;cursor:not-allowed}
.folder-warning h2{margin-top:0;font-size:1.1rem}
#backtest-compare td,#backtest-compare th{text-align:right}
#backtest-compare td:first-child,#backtest-compare th:first-child{text-align:left}
</style>`);

/** Whether programs run the rule: its own settings, else its default. */
function enabledWords(rule: RuleView): SafeHtml {
  const defaults = rule.enabledByDefault ? 'every program' : 'no program unless switched on';
  const set = rule.programs.filter((p) => p.enabled !== null);
  return html`${defaults}${set.map(
    (p) => html`; <strong>${p.program}</strong>: ${p.enabled ? 'on' : 'off'}`,
  )}`;
}

export function rulesListBody(rules: readonly RuleView[], canEdit: boolean): SafeHtml {
  return html`${STYLE}
    ${canEdit ? html`<p><a class="button" href="/rules/new">New rule</a></p>` : ''}
    <table>
      <caption class="visually-hidden">
        Rules in force
      </caption>
      ${columnHeads(['Rule', 'Severity', 'Version', 'Runs for', 'Program settings', 'Source'])}
      <tbody>
        ${rules.map(
          (rule) =>
            html`<tr>
              <td>
                <a href="/rules/${rule.id}">${rule.definition.title}</a><br /><span class="muted"
                  >${rule.id} · <a href="/rules/${rule.id}/quality">quality</a></span
                >
              </td>
              <td>${rule.definition.severity}</td>
              <td>${rule.version}</td>
              <td>${enabledWords(rule)}</td>
              <td>
                ${
                  rule.programs.length === 0
                    ? html`<span class="muted">none</span>`
                    : rule.programs.map(
                        (p) =>
                          html`<div>
                            ${p.program}:
                            ${p.enabled === null ? 'default' : p.enabled ? 'on' : 'off'}
                            ${Object.keys(p.params).length > 0 ? JSON.stringify(p.params) : ''}
                          </div>`,
                      )
                }
              </td>
              <td>${rule.origin === 'file' ? 'rules folder' : 'API / editor'}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

const json = (value: unknown): string =>
  value === undefined ? '' : JSON.stringify(value, null, 1);

/** One version's changes as a table of JSON paths with the old and new values. */
export function diffTable(changes: readonly RuleChange[]): SafeHtml {
  if (changes.length === 0) return html`<p class="muted">No changes to the rule itself.</p>`;
  return html`<table class="diff">
    ${columnHeads(['Where', 'Before', 'After'])}
    <tbody>
      ${changes.map(
        (c) =>
          html`<tr>
            <td>${c.path}</td>
            <td class="before">${c.before === undefined ? '(absent)' : json(c.before)}</td>
            <td class="after">${c.after === undefined ? '(removed)' : json(c.after)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** Each version with who made it and when, on the clinic's clock (zone named). */
function historySection(
  ruleId: string,
  versions: readonly RuleVersionView[],
  clinicTimeZone: string,
): SafeHtml {
  return html`<section aria-labelledby="history-title">
    <h2 id="history-title">Version history</h2>
    ${versions.map(
      (v) =>
        html`<details ${v === versions[0] ? new SafeHtml('open') : ''}>
          <summary>
            ${`Version ${v.version} · ${zonedTimestamp(v.createdAt, clinicTimeZone)} · by ${v.createdBy}`}
            (${v.source === 'file' ? 'rules folder' : 'API / editor'})
          </summary>
          ${v.changes === null ? html`<p>First version.</p>` : diffTable(v.changes)}
          <p>
            <a href="/api/v1/rules/${ruleId}/versions/${v.version}">Version ${v.version} as JSON</a>
          </p>
        </details>`,
    )}
  </section>`;
}

/** "1 to 20 bpm": a param's allowed range in words. */
function rangeText(detail: ParamDetail | undefined): string {
  if (!detail || (detail.min === undefined && detail.max === undefined)) return 'any number';
  return rangeWords(detail);
}

/** Readers see the settings as a table; editors get the form rule-editor.js draws from the draft. */
function settingsSection(definition: RuleDefinition, canEdit: boolean): SafeHtml {
  const names = Object.keys(definition.params);
  const details = definition.paramDetails ?? {};
  return html`<section aria-labelledby="settings-title">
    <h2 id="settings-title">Settings</h2>
    ${
      canEdit
        ? html`<p class="muted" id="settings-help">
              Each setting shows its unit, the range the rule allows and what it does. A change here
              updates the rule JSON below; nothing is saved until you save.
            </p>
            <div id="param-form" data-editable="true"></div>`
        : names.length === 0
          ? html`<p class="muted">This rule has no settings.</p>`
          : html`<table id="param-table">
              ${columnHeads(['Setting', 'Value', 'Allowed', 'What it does'])}
              <tbody>
                ${names.map(
                  (name) =>
                    html`<tr>
                      <th scope="row">
                        ${details[name]?.label ?? name} <span class="muted">(${name})</span>
                      </th>
                      <td>${definition.params[name]} ${details[name]?.unit ?? ''}</td>
                      <td>${rangeText(details[name])}</td>
                      <td>${details[name]?.help ?? ''}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
    }
  </section>`;
}

function editorSection(definition: RuleDefinition, canEdit: boolean, isNew: boolean): SafeHtml {
  return html`${settingsSection(definition, canEdit)}
    <div id="rule-messages" role="status" aria-live="polite"></div>
    ${
      canEdit
        ? html`<div class="actions">
            <button type="button" id="rule-save">
              ${isNew ? 'Create rule' : 'Save as new version'}
            </button>
            <span id="save-status" role="status" aria-live="polite"></span>
          </div>`
        : ''
    }
    <details class="editor" id="rule-json-details" ${isNew ? new SafeHtml('open') : ''}>
      <summary id="editor-title">Rule JSON (advanced)</summary>
      <p id="rule-help" class="muted">
        ${
          canEdit
            ? 'The whole rule: conditions, timing, recipients, message. It is checked as you type; each problem names the place in the JSON (a path such as $.params.deltaBpm) and its line. Select a problem to jump there.'
            : 'You can read rules; clinicians and administrators change them.'
        }
      </p>
      <textarea
        id="rule-json"
        aria-label="Rule JSON"
        name="rule"
        spellcheck="false"
        aria-describedby="rule-help rule-messages"
        ${canEdit ? '' : new SafeHtml('readonly')}
      >
${JSON.stringify(definition, null, 2)}</textarea>
    </details>`;
}

/**
 * The backtest form. It ends yesterday (in the clinic's zone) by default: today
 * is still being measured, and its partial day would read as a collapse.
 */
function backtestSection(clinicTimeZone: string, now = new Date()): SafeHtml {
  const end = addDays(localDateAt(now, clinicTimeZone), -1);
  const start = addDays(end, -89);
  return html`<section aria-labelledby="backtest-title">
    <h2 id="backtest-title">Backtest preview</h2>
    <p class="muted">
      Replays the draft above and the saved rule over the same stored history, side by side; nothing
      is written and nobody is told. It ends yesterday, the last complete day; a range that reaches
      a patient's today draws that day hollow, as still being measured.
    </p>
    <form id="backtest-form">
      <fieldset>
        <legend>Who</legend>
        <div class="row">
          <label
            ><span><input type="radio" name="who" value="pid" checked /> One patient (pid)</span>
            <input name="pid" type="number" min="1" inputmode="numeric" aria-label="Patient pid" />
          </label>
          <label
            ><span><input type="radio" name="who" value="program" /> A program</span>
            <input name="program" type="text" aria-label="Program name" />
          </label>
        </div>
      </fieldset>
      <div class="row">
        <label for="backtest-from">From</label>
        ${isoDateInput({ id: 'backtest-from', name: 'from', value: start, required: true })}
        <label for="backtest-to">To</label>
        ${isoDateInput({ id: 'backtest-to', name: 'to', value: end, required: true })}
        <button type="submit">Run backtest preview</button>
      </div>
    </form>
    <div id="backtest-status" role="status" aria-live="polite"></div>
    ${jsonBlock('metric-labels', NUMERIC_METRICS)}
    <div id="backtest-result" hidden>
      <table id="backtest-compare">
        <caption>
          Saved rule and draft, side by side, over the same patients and days
        </caption>
        <thead>
          <tr>
            <th scope="col">Measure</th>
            <th scope="col" id="compare-saved-head">Saved rule</th>
            <th scope="col" id="compare-draft-head">Draft</th>
          </tr>
        </thead>
        <tbody></tbody>
      </table>
      <p id="backtest-partial" class="muted" hidden></p>
      <div class="canvas">
        <canvas
          id="backtest-chart"
          role="img"
          aria-label="Patients with a would-be alert each day, saved rule and draft"
        ></canvas>
      </div>
      <table id="backtest-episodes">
        <caption>
          Would-be episodes
        </caption>
        ${columnHeads(['Rule', 'Patient', 'First true day', 'Would fire', 'Staff told', 'Resolved', 'Alert days'])}
        <tbody></tbody>
      </table>
    </div>
  </section>`;
}

/** One override form; rule-editor.js posts it and says in the status how saving went. */
function overrideForm(
  target: 'program' | 'patient',
  legend: string,
  appliesTo: SafeHtml,
  rule: RuleDefinition,
  save: string,
): SafeHtml {
  return html`<form id="${target}-form">
    <fieldset>
      <legend>${legend}</legend>
      <div class="row">${appliesTo}</div>
      ${paramInputs(rule)}
      <button type="submit">${save}</button>
      <span id="${target}-status" role="status" aria-live="polite"></span>
    </fieldset>
  </form>`;
}

function paramInputs(rule: RuleDefinition): SafeHtml {
  const names = Object.keys(rule.params);
  if (names.length === 0) return html`<p class="muted">This rule has no params.</p>`;
  return html`<div class="row">
    ${names.map((name) => {
      const detail = rule.paramDetails?.[name];
      return html`<label
        >${detail?.label ?? name}${detail?.unit ? ` (${detail.unit})` : ''}
        <input
          name="param:${name}"
          type="number"
          step="${detail?.step ?? 'any'}"
          ${detail?.min === undefined ? '' : new SafeHtml(`min="${detail.min}"`)}
          ${detail?.max === undefined ? '' : new SafeHtml(`max="${detail.max}"`)}
          placeholder="${rule.params[name]}"
        />
      </label>`;
    })}
  </div>`;
}

function overridesSection(rule: RuleView): SafeHtml {
  const definition = rule.definition;
  return html`<section aria-labelledby="overrides-title">
    <h2 id="overrides-title">Param overrides</h2>
    <p class="muted">
      Empty fields keep the rule's value (shown greyed); a value outside the rule's range is
      refused. A program's values apply to its patients; a patient's own values apply on top.
      Overrides are kept when the rules folder syncs.
    </p>
    ${overrideForm(
      'program',
      'For a program',
      html`<label
          >Program <input name="program" type="text" required pattern="[A-Za-z0-9._-]{1,64}"
        /></label>
        <label
          >Runs
          <select name="enabled">
            <option value="">rule default (${rule.enabledByDefault ? 'on' : 'off'})</option>
            <option value="true">on</option>
            <option value="false">off</option>
          </select>
        </label>`,
      definition,
      'Save program setting',
    )}
    ${overrideForm(
      'patient',
      'For one patient',
      html`<label>Patient (pid) <input name="pid" type="number" min="1" required /></label>`,
      definition,
      'Save patient overrides',
    )}
  </section>`;
}

/**
 * Before a clinician edits a rule the rules folder owns: the folder sync puts
 * the file's version back whenever the file changes, so the edit may not last.
 * rule-editor.js keeps Save disabled until the box is ticked.
 */
function folderWarning(id: string): SafeHtml {
  return html`<div class="box folder-warning" role="note" aria-labelledby="folder-warning-title">
    <h2 id="folder-warning-title">This rule belongs to the rules folder</h2>
    <p>
      It comes from <code>rules/${id}.json</code>. Saving here makes a new version at once, but the
      next time that file changes (a Vigil upgrade, or an edit on the server) the folder sync
      replaces your version with the file's, without asking. To keep a change for good, change the
      file; or set a value for a program or a patient under Param overrides, which folder syncs
      leave alone.
    </p>
    <label
      ><input type="checkbox" id="folder-consent" /> I understand the rules folder can replace this
      edit</label
    >
  </div>`;
}

export function ruleBody(
  rule: RuleView,
  versions: readonly RuleVersionView[],
  canEdit: boolean,
  clinicTimeZone: string,
): SafeHtml {
  return html`${STYLE}
    <div id="rule-editor" data-rule-id="${rule.id}" data-new="false">
      <p>
        ${rule.definition.severity} · version ${rule.version} ·
        ${rule.origin === 'file' ? 'from the rules folder' : 'made in the API or the editor'} · runs
        for ${enabledWords(rule)} · <a href="/rules/${rule.id}/quality">Rule quality</a>
      </p>
      ${rule.origin === 'file' && canEdit ? folderWarning(rule.id) : ''}
      ${jsonBlock('saved-rule', { version: rule.version, definition: rule.definition })}
      ${editorSection(rule.definition, canEdit, false)}
      ${canEdit ? backtestSection(clinicTimeZone) : ''} ${canEdit ? overridesSection(rule) : ''}
      ${historySection(rule.id, versions, clinicTimeZone)}
    </div>`;
}

/** A small valid rule to start from. */
export const NEW_RULE_TEMPLATE: RuleDefinition = {
  id: 'new-rule',
  title: 'New rule',
  description: 'What it catches, the evidence behind it and its published performance.',
  severity: 'info',
  params: { threshold: 3000 },
  paramDetails: {
    threshold: {
      label: 'Mean daily steps under',
      unit: 'steps',
      min: 0,
      max: 30000,
      step: 100,
      help: 'Alert when the 7-day mean of daily steps is under this.',
    },
  },
  conditions: {
    all: [
      {
        name: 'stepsMean',
        fact: 'window',
        params: { metric: 'steps', days: 7, minDays: 5 },
        operator: 'lessThan',
        value: { param: 'threshold' },
      },
    ],
  },
  forDays: 2,
  resolveAfterDays: 2,
  repeatAfterDays: 0,
  recipients: ['provider'],
  deliver: { channels: ['message'], reminderDueInDays: 1, priority: 'low' },
  inhibitedBy: ['monitoring-gap'],
  message: 'Mean steps {{stepsMean}} under {{params.threshold}}. For clinician review.',
};

export function newRuleBody(clinicTimeZone: string): SafeHtml {
  return html`${STYLE}
    <div id="rule-editor" data-rule-id="" data-new="true">
      ${editorSection(NEW_RULE_TEMPLATE, true, true)} ${backtestSection(clinicTimeZone)}
    </div>`;
}
