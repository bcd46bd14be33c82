import { join } from 'node:path';
import { loadRuleDirectory } from '../rules/loader/load-rule-directory';
import { GOOGLE_HEALTH_SCOPE_PREFIX } from '../wearables/google-health/data-types';
import { fakeEnvironment } from '../../test/support/fakes';
import type { DailyAggregates } from '../aggregates/daily-aggregates.repository';
import type { MetricName } from '../aggregates/daily-aggregate';
import type { Environment } from '../config/environment';
import type { Enrollment } from '../patients/enrollment.entity';
import type { Enrollments } from '../patients/enrollments';
import type { RulesInForce } from '../rules/rules-in-force';
import { BlindRules, blindRules, grantedDataTypes } from './blind-rules';
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

describe('BlindRules.forPatients', () => {
  const zones = ['America/New_York', 'Pacific/Kiritimati', 'UTC'];
  const scopes = [`${GOOGLE_HEALTH_SCOPE_PREFIX}activity_and_fitness.readonly`];
  const withData: MetricName[] = ['steps', 'wearMinutes'];

  function setUp(pids: number[]) {
    const calls = { enrollments: 0, aggregates: 0, windows: new Set<string>() };
    const enrollments = {
      findWithScopes: async (asked: readonly number[]) => {
        calls.enrollments++;
        return asked.map((pid) => ({
          enrollment: { id: pid, pid, program: 'default', timeZone: zones[pid % 3] } as Enrollment,
          scopes: pid % 2 === 0 ? scopes : [],
        }));
      },
    };
    const aggregates = {
      metricsWithDataOf: async (windows: readonly { pid: number; from: string; to: string }[]) => {
        calls.aggregates++;
        for (const w of windows) calls.windows.add(`${w.from} ${w.to}`);
        return new Map(windows.map((w) => [w.pid, new Set(w.pid % 4 === 0 ? withData : [])]));
      },
    };
    const rulesInForce = {
      current: async () => ({
        rules: loadRuleDirectory(join(__dirname, '../../rules')).rules.map((definition) => ({
          rule: { id: definition.id, origin: 'file' },
          definition,
        })),
        settings: [],
      }),
    };
    const blind = new BlindRules(
      rulesInForce as unknown as RulesInForce,
      enrollments as unknown as Enrollments,
      aggregates as unknown as DailyAggregates,
      fakeEnvironment() as Environment,
    );
    return { blind, calls, pids };
  }

  it('reads a page of patients in one enrollment read and one aggregate read, whatever its length', async () => {
    const now = new Date('2026-11-20T11:30:00Z');
    const pids = Array.from({ length: 60 }, (_, i) => i + 1);
    const { blind, calls } = setUp(pids);
    const page = await blind.forPatients(pids, now);
    expect(calls).toMatchObject({ enrollments: 1, aggregates: 1 });
    expect(calls.windows.size).toBeLessThanOrEqual(zones.length);
    // The same answer as asking patient by patient.
    for (const pid of pids) expect(page.get(pid)).toEqual(await blind.forPatient(pid, now));
    expect(page.get(4)!.map((r) => r.ruleId)).not.toContain('activity-drop');
    expect(page.get(1)!.map((r) => r.ruleId)).toContain('activity-drop');
  });
});
