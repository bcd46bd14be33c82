import type { RuleQualityReport } from '../../rule-quality/rule-quality.service';
import { isoDateInput } from '../fragments';
import { html, SafeHtml } from '../html';

const STYLE = new SafeHtml(`<style>
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(15rem,1fr));gap:1rem;margin:1rem 0}
.figures section{background:var(--box);border-radius:.5rem;padding:.75rem 1rem}
.figures h2{font-size:1rem;margin:0 0 .25rem}
.figure{font-size:1.8rem;font-weight:700;margin:.25rem 0}
.period{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end}
</style>`);

const duration = (hours: number | null): string =>
  hours === null ? 'none yet' : hours < 1 ? `${Math.round(hours * 60)} min` : `${hours} h`;

const percent = (share: number | null): string =>
  share === null ? 'none yet' : `${Math.round(share * 100)}%`;

const rate = (value: number | null): string => (value === null ? 'no data' : String(value));

const plural = (count: number, one: string, many = `${one}s`): string =>
  `${count} ${count === 1 ? one : many}`;

function figure(id: string, title: string, value: string, words: SafeHtml | string): SafeHtml {
  return html`<section aria-labelledby="${id}-title">
    <h2 id="${id}-title">${title}</h2>
    <p class="figure" id="${id}">${value}</p>
    <p class="muted">${words}</p>
  </section>`;
}

/**
 * A published alert rate to hold a rule's against, said in the clinic's words
 * beside the figure, with the study named in a footnote. Only where a study
 * measured the same kind of alert: other rules show no comparison.
 */
const PUBLISHED_RATES: Record<string, { words: string; source: string }> = {
  'resting-hr-rise': {
    words:
      'For comparison, a published study of smartwatch alerts on a rising resting heart rate saw about 1.15 alert days per person over the whole study (not per month) outside infections.',
    source:
      'The NightSignal algorithm: Alavi A. et al., “Real-time alerting system for COVID-19 and other stress events using wearable data”, Nature Medicine 28, 175-184 (2022); 3,318 participants.',
  },
};

/** The rule-quality page: the period form, then each measure with what it counts. */
export function ruleQualityBody(report: RuleQualityReport): SafeHtml {
  const r = report;
  const early = r.outcomesKeptFrom === null || r.outcomesKeptFrom > r.from;
  const published = PUBLISHED_RATES[r.rule.id];
  return html`${STYLE}
    <p>
      <a href="/rules/${r.rule.id}">${r.rule.title}</a> (${r.rule.severity}, version
      ${r.rule.version}): how it behaved with your patients and staff from ${r.from} to ${r.to},
      from Vigil's own alert history. A rule that alerts often, is rarely acknowledged in time and
      mostly clears by itself may be crying wolf.
    </p>
    <form class="period" method="get" action="/rules/${r.rule.id}/quality">
      <label for="quality-from">From</label>
      ${isoDateInput({ id: 'quality-from', name: 'from', value: r.from, required: true })}
      <label for="quality-to">To</label>
      ${isoDateInput({ id: 'quality-to', name: 'to', value: r.to, required: true })}
      <button type="submit">Show period</button>
    </form>
    ${
      early
        ? html`<p class="box" role="note">
            ${
              r.outcomesKeptFrom === null
                ? 'No outcomes of this rule are kept yet: condition and alert days read 0.'
                : html`Outcomes are kept from ${r.outcomesKeptFrom} (OUTCOME_RETENTION_DAYS); days
                  before it count no condition or alert days.`
            }
          </p>`
        : ''
    }
    <div class="figures">
      ${figure(
        'alert-days',
        'Alert days per patient-month',
        rate(r.alertDaysPerPatientMonth),
        html`${plural(r.alertDays, 'alert day')} over ${r.patientMonths} patient-months
        (${plural(r.patients, 'patient')}): days an alert was raised and the rule had data.
        ${
          published
            ? html`<span id="published-rate"
                >${published.words}<sup><a href="#source-1" aria-label="Source 1">1</a></sup></span
              >`
            : ''
        }`,
      )}
      ${figure(
        'condition-days',
        'Condition days per patient-month',
        rate(r.conditionDaysPerPatientMonth),
        html`${plural(r.conditionDays, 'day')} on which the rule's conditions held, alert or not.`,
      )}
      ${figure(
        'acknowledged-in-time',
        `Acknowledged within ${r.acknowledgeWithinHours} h`,
        percent(r.shareAcknowledgedInTime),
        html`${r.acknowledgedInTime} of ${plural(r.alertsDue, 'alert')} whose time has come
        (${plural(r.alertsTold, 'alert')} told to staff in the period). Median time to acknowledge:
        ${duration(r.medianHoursToAcknowledge)}. Snoozing or resolving counts as acknowledging.`,
      )}
      ${figure(
        'resolved-alone',
        'Resolved without staff action',
        percent(r.shareResolvedWithoutStaffAction),
        html`${r.resolvedWithoutStaffAction} of ${plural(r.alertsTold, 'alert')} told cleared by
        themselves before anyone acknowledged, snoozed or resolved them.`,
      )}
      ${figure(
        'stale',
        'Went stale',
        percent(r.shareWentStale),
        html`${r.wentStale} of ${plural(r.alertsTold, 'alert')} told lost their data while open (the
        patient stopped syncing, or the stream the rule reads stopped).`,
      )}
    </div>
    <p class="muted">
      The same figures as JSON:
      <a href="/api/v1/rules/${r.rule.id}/quality?from=${r.from}&amp;to=${r.to}"
        >/api/v1/rules/${r.rule.id}/quality</a
      >. Alert days and patient-months are counted as in the backtest (docs/rules.md).
    </p>
    ${
      published
        ? html`<ol class="muted sources" aria-label="Sources">
            <li id="source-1">${published.source}</li>
          </ol>`
        : ''
    }`;
}
