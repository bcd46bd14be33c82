import { join } from 'node:path';
import { loadRuleDirectory } from '../rules/loader/load-rule-directory';
import { GOOGLE_HEALTH_SCOPE_PREFIX } from '../wearables/google-health/data-types';
import { blindRules, grantedDataTypes } from './blind-rules';
import { ruleMetrics } from './data-needs';

const starter = loadRuleDirectory(join(__dirname, '../../rules')).rules.map((rule) => ({
  id: rule.id,
  title: rule.title,
  metrics: ruleMetrics(rule),
}));

describe('blindRules', () => {
  it('names the rules whose data was not granted or never arrived, as in the study export', () => {
    // Heart rate and steps granted and arriving; sleep granted but silent; no measurements scope for weight.
    const granted = grantedDataTypes([
      `${GOOGLE_HEALTH_SCOPE_PREFIX}activity_and_fitness.readonly`,
      `${GOOGLE_HEALTH_SCOPE_PREFIX}sleep.readonly`,
    ]);
    const blind = blindRules(starter, granted, new Set(['steps', 'wearMinutes']));
    expect(blind.map((rule) => [rule.ruleId, rule.missing])).toEqual([
      ['heart-failure-weight-gain', [{ dataType: 'weight', reason: 'not_granted' }]],
      ['hrv-drop', [{ dataType: 'daily-heart-rate-variability', reason: 'not_granted' }]],
      ['low-oxygen-saturation', [{ dataType: 'daily-oxygen-saturation', reason: 'not_granted' }]],
      ['resting-hr-rise', [{ dataType: 'daily-resting-heart-rate', reason: 'not_granted' }]],
      ['sleep-deficit', [{ dataType: 'sleep', reason: 'no_data' }]],
    ]);
  });

  it('calls no rule blind that sees one of its streams, nor one reading sync age only', () => {
    const everything = grantedDataTypes([
      `${GOOGLE_HEALTH_SCOPE_PREFIX}activity_and_fitness.readonly`,
      `${GOOGLE_HEALTH_SCOPE_PREFIX}health_metrics_and_measurements.readonly`,
      `${GOOGLE_HEALTH_SCOPE_PREFIX}sleep.readonly`,
    ]);
    expect(
      blindRules(starter, everything, new Set(['weightKg'])).map((r) => r.ruleId),
    ).not.toContain('monitoring-gap');
    expect(
      blindRules([{ id: 'sync-only', title: 'Sync', metrics: [] }], new Set(), new Set()),
    ).toEqual([]);
  });
});
