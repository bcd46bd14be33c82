import { html, SafeHtml } from '../html';
import { changeCells, columnHeads } from '../fragments';
import type { MetricChart } from './chart-series';
import type { AlertHistoryEntry, PatientTrendsView } from './patient-trends';
import { blindReasonWords } from '../../ingest/blind-rules';
import { zonedTimestamp } from '../../time';

export const RANGES = [30, 90, 180] as const;
export type RangeDays = (typeof RANGES)[number];

const STYLE = new SafeHtml(`<style>
.facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(15rem,1fr));gap:.25rem 1.5rem;margin:0}
.facts div{display:flex;gap:.5rem}.facts dt{font-weight:600}.facts dd{margin:0}
.ranges{display:flex;gap:1rem;list-style:none;padding:0}.ranges a[aria-current]{font-weight:700}
.chart{border:1px solid var(--line);border-radius:.5rem;padding:.5rem 1rem;margin:1rem 0}
.chart .canvas{position:relative;height:16rem}
.chart table{font-size:.9rem}
.legend{font-size:.9rem}
</style>`);

/** A staff-side instant (syncs, state changes) on the clinic's clock, zone named. */
const when = (instant: Date | null, timeZone: string): string =>
  instant === null ? 'never' : zonedTimestamp(instant, timeZone);

/** "resting heart rate" -> "Resting heart rate", for headings and descriptions. */
const capitalised = (label: string): string => label.charAt(0).toUpperCase() + label.slice(1);

const number = (value: number | null, unit: string): string =>
  value === null ? 'no data' : `${Number(value.toFixed(2))} ${unit}`;

/** JSON for a `<script type="application/json">` block: never closes the element early. */
export function jsonBlock(id: string, data: unknown): SafeHtml {
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return new SafeHtml(`<script type="application/json" id="${id}">${json}</script>`);
}

/** What a screen reader hears for the canvas; the table below holds every value. */
export function chartDescription(chart: MetricChart): string {
  const lastIndex = chart.values.findLastIndex((v) => v !== null);
  const latest =
    lastIndex < 0
      ? 'no data in this range'
      : `latest ${number(chart.values[lastIndex], chart.unit)} on ${chart.dates[lastIndex]}`;
  const episodes = chart.episodes.length;
  const thresholds = chart.thresholds.map((t) => `${t.label} (${t.value} ${chart.unit})`);
  return [
    `${capitalised(chart.label)} from ${chart.dates[0]} to ${chart.dates[chart.dates.length - 1]}`,
    `${chart.daysWithData} of ${chart.dates.length} days with data`,
    latest,
    episodes === 0
      ? 'no alert episodes'
      : `${episodes} alert episode${episodes > 1 ? 's' : ''} shaded`,
    ...(thresholds.length > 0 ? [`thresholds: ${thresholds.join('; ')}`] : []),
    `${partialWords(chart)} still being measured (partial)`,
    ...chart.breaks.map((b) => `break on ${b.date}: ${b.words}`),
  ].join('; ');
}

/** "2026-12-06" or "2026-12-04 to 2026-12-06": the days not complete yet. */
function partialWords(chart: MetricChart): string {
  const last = chart.dates[chart.dates.length - 1];
  return chart.partialFrom === last ? last : `${chart.partialFrom} to ${last}`;
}

function chartSection(chart: MetricChart): SafeHtml {
  const id = `chart-${chart.metric}`;
  const inEpisode = (date: string) =>
    chart.episodes
      .filter((e) => e.from <= date && date <= e.to)
      .map((e) => e.title)
      .join(', ');
  const dayCell = (date: string): string =>
    [
      date,
      date >= chart.partialFrom ? ' (partial)' : '',
      chart.breaks.some((b) => b.date === date) ? ' (after a break)' : '',
    ].join('');
  if (chart.daysWithData === 0) {
    // An empty canvas says less than one line does.
    return html`<section class="chart" aria-labelledby="${id}-title">
      <h3 id="${id}-title">
        ${capitalised(chart.label)} <span class="muted">(${chart.unit})</span>
      </h3>
      <p>No data in this range.</p>
    </section>`;
  }
  return html`<section class="chart" aria-labelledby="${id}-title">
    <h3 id="${id}-title">${capitalised(chart.label)} <span class="muted">(${chart.unit})</span></h3>
    <p class="muted legend">
      ${chart.daysWithData} of ${chart.dates.length} days with data; gaps are days without data.
      Band: personal baseline (mean ± 1 SD of the 28 days ending 7 days before each day).
      ${chart.thresholds.map((t) => html`Dashed line: ${t.label}. `)}
      ${chart.episodes.length > 0 ? 'Shaded: alert episodes.' : ''} Hollow point:
      ${partialWords(chart)}, still being measured (partial), left out of the band.
      ${chart.breaks.map((b) => html`Break on ${b.date}: ${b.words}. `)}
    </p>
    <div class="canvas">
      <canvas
        id="${id}"
        data-metric="${chart.metric}"
        role="img"
        aria-label="${chartDescription(chart)}"
      ></canvas>
    </div>
    <details>
      <summary>${capitalised(chart.label)}: values as a table</summary>
      <table>
        <caption class="visually-hidden">
          ${chart.label} by day
        </caption>
        ${columnHeads(['Date', 'Value', 'Baseline band', 'Alert episode'])}
        <tbody>
          ${chart.dates.map((date, i) => {
            const lower = chart.baseline.lower[i];
            const upper = chart.baseline.upper[i];
            return html`<tr>
              <td>${dayCell(date)}</td>
              <td>${number(chart.values[i], chart.unit)}</td>
              <td>
                ${lower === null || upper === null ? 'not enough data' : `${lower} – ${upper}`}
              </td>
              <td>${inEpisode(date)}</td>
            </tr>`;
          })}
        </tbody>
      </table>
    </details>
  </section>`;
}

function alertSection(alert: AlertHistoryEntry, clinicTimeZone: string): SafeHtml {
  return html`<section class="box" aria-labelledby="alert-${alert.id}">
    <h3 id="alert-${alert.id}">
      ${alert.ruleTitle}
      <span
        class="${alert.severity === 'urgent' ? 'urgent' : alert.severity === 'warning' ? 'warning' : 'muted'}"
        >${alert.severity}</span
      >
      · ${alert.state}
    </h3>
    <p>
      Data days (the patient’s days the readings are from): condition began ${alert.episodeStart};
      fired ${alert.firedOn ?? 'not yet'}; resolved ${alert.resolvedOn ?? 'not yet'}. First notice
      to staff:
      ${
        alert.firstNotifiedAt === null
          ? 'not yet'
          : html`<time datetime="${alert.firstNotifiedAt.toISOString()}"
              >${when(alert.firstNotifiedAt, clinicTimeZone)}</time
            >`
      }.
    </p>
    <p>${alert.message}</p>
    <table>
      <caption class="visually-hidden">
        State changes of ${alert.ruleTitle}
      </caption>
      ${columnHeads(['Time (clinic)', 'Patient’s day', 'Change', 'Cause', 'By', 'Note'])}
      <tbody>
        ${alert.transitions.map(
          (t) =>
            html`<tr>
              <td>${when(t.at, clinicTimeZone)}</td>
              <td>${t.date}</td>
              <td>${t.from ?? 'new'} → ${t.to}</td>
              ${changeCells(t)}
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

/** Rules that watch nothing for this patient, and why: staff must not count on them. */
function blindRulesPart(view: PatientTrendsView): SafeHtml | '' {
  if (view.blindRules.length === 0) return '';
  return html`<div class="warning" id="blind-rules">
    <strong>Rules that cannot fire for this patient:</strong>
    <ul>
      ${view.blindRules.map(
        (rule) =>
          html`<li>
            <a href="/rules/${rule.ruleId}">${rule.title}</a>: reads ${blindReasonWords(rule)}
          </li>`,
      )}
    </ul>
  </div>`;
}

/** Another Google account, zone or device: the days before and after are not comparable. */
function changesPart(view: PatientTrendsView): SafeHtml | '' {
  if (view.changes.length === 0) return '';
  return html`<div id="connection-changes">
    <strong>Connection changes</strong> (the charts break on these days):
    <ul>
      ${view.changes.map(
        (change) =>
          html`<li>
            ${when(change.at, view.clinicTimeZone)} (the patient’s day ${change.date}):
            ${change.words}
          </li>`,
      )}
    </ul>
  </div>`;
}

/** The patient page body: status, charts (drawn by /assets/patient-charts.js), alert history. */
export function patientPageBody(view: PatientTrendsView, days: RangeDays): SafeHtml {
  const { enrollment, device } = view;
  const connection = enrollment.connection;
  const at = (instant: Date | null) => when(instant, view.clinicTimeZone);
  return html`${STYLE}
    <nav aria-label="Range">
      <ul class="ranges">
        ${RANGES.map(
          (range) =>
            html`<li>
              <a
                href="/patients/${view.pid}?days=${range}"
                ${range === days ? new SafeHtml('aria-current="page"') : ''}
                >Last ${range} days</a
              >
            </li>`,
        )}
      </ul>
    </nav>
    <section class="box" aria-labelledby="status-title">
      <h2 id="status-title">Monitoring</h2>
      <dl class="facts">
        <div>
          <dt>Status</dt>
          <dd>${enrollment.status.replace('_', ' ')}</dd>
        </div>
        <div>
          <dt>Program</dt>
          <dd>${enrollment.program ?? 'none'}</dd>
        </div>
        <div>
          <dt>Time zone</dt>
          <dd>
            ${enrollment.timeZone ?? `${view.patientTimeZone} (the clinic’s: not read from Google yet)`}
          </dd>
        </div>
        <div>
          <dt>Connection</dt>
          <dd>
            ${
              connection === null
                ? 'never connected'
                : connection.connected
                  ? `connected since ${at(connection.connectedAt)}`
                  : connection.disconnectedAt === null
                    ? 'no working grant: invite the patient again'
                    : `disconnected ${at(connection.disconnectedAt)}`
            }
          </dd>
        </div>
        <div>
          <dt>Last sync</dt>
          <dd>${at(connection?.lastSyncAt ?? null)}</dd>
        </div>
        <div>
          <dt>Last device sync</dt>
          <dd>${at(connection?.lastDeviceSyncAt ?? null)}</dd>
        </div>
        <div>
          <dt>Device</dt>
          <dd>
            ${device?.deviceType ?? 'unknown'}${
              device?.batteryPercent == null ? '' : `, battery ${device.batteryPercent}%`
            }
          </dd>
        </div>
        <div>
          <dt>Complete through</dt>
          <dd>${device?.completeThrough ?? 'not yet'}</dd>
        </div>
        <div>
          <dt>Coverage</dt>
          <dd>
            worn ${view.coverage.daysWorn} of ${view.coverage.days} days; data on
            ${view.coverage.daysWithData}
          </dd>
        </div>
        ${
          device?.statusReason
            ? html`<div>
                <dt>Last problem</dt>
                <dd class="warning">${device.statusReason}</dd>
              </div>`
            : ''
        }
      </dl>
      <p>
        <strong>Granted data:</strong>
        ${
          connection === null || connection.grantedData.length === 0
            ? 'none'
            : connection.grantedData.join(', ')
        }
      </p>
      ${blindRulesPart(view)} ${changesPart(view)}
      <p>
        <strong>Rules in effect:</strong>
        ${
          view.rules.length === 0
            ? 'none'
            : view.rules.map(
                (rule, i) =>
                  html`${i > 0 ? ', ' : ''}<a href="/rules/${rule.id}">${rule.title}</a>`,
              )
        }
      </p>
    </section>
    <h2>Daily values, ${view.from} to ${view.to}</h2>
    <p class="muted">
      Days are the patient’s, in ${view.patientTimeZone}; times of syncs and staff actions are the
      clinic’s, in ${view.clinicTimeZone}.
    </p>
    ${view.charts.map(chartSection)}
    <h2>Alert history</h2>
    ${
      view.alerts.length === 0
        ? html`<p>No alerts for this patient.</p>`
        : view.alerts.map((alert) => alertSection(alert, view.clinicTimeZone))
    }
    ${jsonBlock('patient-charts-data', {
      charts: view.charts,
      patientTimeZone: view.patientTimeZone,
    })}`;
}
