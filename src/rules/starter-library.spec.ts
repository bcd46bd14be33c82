import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildDays, MetricColumns } from '../../test/fixtures/rules/build-days';
import { PatientSeries } from './facts/patient-series';
import { RuleEvaluator } from './engine/rule-evaluator';
import { loadRuleDirectory } from './loader/load-rule-directory';
import { OutcomeResult } from './rule-definition';
import { validateRule } from './validation/validate-rule';

const RULES_DIR = join(__dirname, '../../rules');
const FIXTURES_DIR = join(__dirname, '../../test/fixtures/rules');

/** A fixture: columns of daily values from `start`, and the outcome expected on given dates. */
interface RuleFixture {
  description: string;
  start: string;
  sync: { lastSyncAt: string | null; lastDeviceSyncAt: string | null };
  metrics: MetricColumns;
  expect: Record<string, OutcomeResult>;
}

function seriesOf(fixture: RuleFixture): PatientSeries {
  const instant = (value: string | null) => (value === null ? null : new Date(value));
  return new PatientSeries(buildDays(fixture.start, fixture.metrics), {
    lastSyncAt: instant(fixture.sync.lastSyncAt),
    lastDeviceSyncAt: instant(fixture.sync.lastDeviceSyncAt),
  });
}

const loaded = loadRuleDirectory(RULES_DIR);

describe('starter rule library', () => {
  it('loads every rule in rules/ without errors', () => {
    expect(loaded.errors).toEqual([]);
    expect(loaded.rules.map((rule) => rule.id).sort()).toEqual(
      readdirSync(RULES_DIR)
        .map((file) => file.replace(/\.json$/, ''))
        .sort(),
    );
  });

  it('has the seven rules of the clinical contract, physiology inhibited by the monitoring gap', () => {
    expect(loaded.rules.map((rule) => [rule.id, rule.inhibitedBy, rule.recipients])).toEqual([
      ['activity-drop', ['monitoring-gap'], ['provider']],
      ['heart-failure-weight-gain', ['monitoring-gap'], ['provider']],
      ['hrv-drop', ['monitoring-gap'], ['provider']],
      ['low-oxygen-saturation', ['monitoring-gap'], ['provider']],
      ['monitoring-gap', [], ['provider']],
      ['resting-hr-rise', ['monitoring-gap'], ['provider']],
      ['sleep-deficit', ['monitoring-gap'], ['provider']],
    ]);
  });

  describe.each(loaded.rules.map((rule) => [rule.id, rule] as const))('%s', (id, rule) => {
    const evaluator = new RuleEvaluator(rule);

    it('gives every param a label, unit, range and help, and its value lies in the range', () => {
      expect(Object.keys(rule.paramDetails ?? {}).sort()).toEqual(Object.keys(rule.params).sort());
      for (const [name, detail] of Object.entries(rule.paramDetails ?? {})) {
        expect(detail).toEqual({
          label: expect.any(String),
          unit: expect.any(String),
          min: expect.any(Number),
          max: expect.any(Number),
          step: expect.any(Number),
          help: expect.any(String),
        });
        expect(rule.params[name]).toBeGreaterThanOrEqual(detail.min!);
        expect(rule.params[name]).toBeLessThanOrEqual(detail.max!);
      }
    });

    it('answers a param typed as text with one error, at the param', () => {
      for (const name of Object.keys(rule.params)) {
        const typo = { ...rule, params: { ...rule.params, [name]: String(rule.params[name]) } };
        expect(validateRule(typo).errors).toEqual([
          { path: `$.params.${name}`, message: expect.stringMatching(/^must be a number/) },
        ]);
      }
    });

    it.each(['fires', 'quiet', 'insufficient'])('%s fixture', async (kind) => {
      const fixture = JSON.parse(
        readFileSync(join(FIXTURES_DIR, id, `${kind}.json`), 'utf8'),
      ) as RuleFixture;
      const series = seriesOf(fixture);
      const outcomes: Record<string, OutcomeResult> = {};
      for (const date of Object.keys(fixture.expect)) {
        const evaluation = await evaluator.evaluate(series, {
          date,
          asOf: new Date(`${date}T23:59:59Z`),
        });
        outcomes[date] = evaluation.result;
      }
      expect(outcomes).toEqual(fixture.expect);
    });
  });
});
