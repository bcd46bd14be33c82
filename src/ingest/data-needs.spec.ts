import { join } from 'node:path';
import { CHART_METRICS, dayWithoutData, METRIC_NAMES } from '../aggregates/daily-aggregate';
import { loadRuleDirectory } from '../rules/loader/load-rule-directory';
import type { RuleDefinition } from '../rules/rule-definition';
import { METRIC_SOURCES } from '../aggregates/metric-sources';
import { DATA_TYPE_IDS } from '../wearables/google-health/data-types';
import {
  dataNeeds,
  dataTypesFor,
  keepUnread,
  METRIC_DATA_TYPES,
  ruleMetrics,
  RuleSwitch,
  typesRereadWith,
} from './data-needs';

const starter = loadRuleDirectory(join(__dirname, '../../rules')).rules;
const rule = (id: string): RuleDefinition => {
  const found = starter.find((r) => r.id === id);
  if (!found) throw new Error(`no starter rule ${id}`);
  return found;
};
const CHARTS = [
  'daily-resting-heart-rate',
  'daily-heart-rate-variability',
  'daily-oxygen-saturation',
  'sleep',
  'steps',
  'heart-rate',
  'weight',
];

/** A rule reading a metric no chart shows: respiratory rate. */
const breathing: RuleDefinition = {
  ...rule('sleep-deficit'),
  id: 'fast-breathing',
  conditions: {
    all: [
      {
        fact: 'window',
        params: { metric: 'respiratoryRate', days: 3 },
        operator: 'greaterThan',
        value: 20,
      },
    ],
  },
  report: {
    tempChange: {
      fact: 'delta',
      params: {
        metric: 'skinTempDeviation',
        recent: { days: 1 },
        baseline: { days: 7, endOffsetDays: 1 },
      },
    },
  },
};

const on = (definition: RuleDefinition, programs: [string, boolean | null][] = []): RuleSwitch => ({
  definition,
  enabledByDefault: true,
  programs: new Map(programs),
});

describe('METRIC_DATA_TYPES', () => {
  it('comes from one declaration per metric (METRIC_SOURCES), its own type first', () => {
    expect(Object.keys(METRIC_SOURCES).sort()).toEqual([...METRIC_NAMES].sort());
    for (const metric of METRIC_NAMES) {
      expect([metric, METRIC_SOURCES[metric]?.from.length > 0]).toEqual([metric, true]);
      expect(METRIC_DATA_TYPES[metric][0]).toBe(METRIC_SOURCES[metric].from[0]);
    }
  });

  it('maps every metric to data types the API has', () => {
    expect(Object.keys(METRIC_DATA_TYPES).sort()).toEqual([...METRIC_NAMES].sort());
    for (const types of Object.values(METRIC_DATA_TYPES)) {
      expect(types.length).toBeGreaterThan(0);
      for (const type of types) expect(DATA_TYPE_IDS).toContain(type);
    }
  });

  it('reads heart rate for steps (a worn day without steps is 0) and three types for the resting estimate', () => {
    expect(dataTypesFor(['steps'])).toEqual(['heart-rate', 'steps']);
    expect(dataTypesFor(['restingHrEstimate'])).toEqual(['heart-rate', 'steps', 'sleep']);
    expect(dataTypesFor(['spo2Lower', 'spo2Average'])).toEqual(['daily-oxygen-saturation']);
  });
});

describe('ruleMetrics', () => {
  it('finds the metric of each tested and reported fact, and none for the sync-age facts', () => {
    expect(ruleMetrics(rule('low-oxygen-saturation'))).toEqual(['spo2Average']);
    expect(ruleMetrics(rule('sleep-deficit'))).toEqual(['sleepAsleepMinutes']);
    // The monitoring gap watches every stream.
    expect(ruleMetrics(rule('monitoring-gap')).sort()).toEqual([
      'sleepTotalMinutes',
      'steps',
      'wearMinutes',
      'weightKg',
    ]);
    expect(ruleMetrics(breathing).sort()).toEqual(['respiratoryRate', 'skinTempDeviation']);
  });
});

describe('dataNeeds', () => {
  it('is the charts plus every rule a program runs', () => {
    expect(dataNeeds([]).forProgram(null).sort()).toEqual([...CHARTS].sort());
    expect(
      dataNeeds(starter.map((r) => on(r)))
        .forProgram(null)
        .sort(),
    ).toEqual([...CHARTS].sort());
    expect(dataNeeds([on(breathing)]).forProgram('copd')).toEqual(
      expect.arrayContaining(['daily-respiratory-rate', 'daily-sleep-temperature-derivations']),
    );
  });

  it('leaves out the types only a disabled rule reads, per program', () => {
    const needs = dataNeeds([
      on(breathing, [
        ['heart-failure', false],
        ['copd', null],
      ]),
    ]);
    expect(needs.forProgram('heart-failure')).not.toContain('daily-respiratory-rate');
    expect(needs.forProgram('copd')).toContain('daily-respiratory-rate');
    expect(needs.forProgram(null)).toContain('daily-respiratory-rate');
  });

  it('reads an API rule (off by default) only for the programs that switched it on', () => {
    const apiRule: RuleSwitch = { ...on(breathing, [['copd', true]]), enabledByDefault: false };
    const needs = dataNeeds([apiRule]);
    expect(needs.forProgram('copd')).toContain('daily-respiratory-rate');
    expect(needs.forProgram('heart-failure')).not.toContain('daily-respiratory-rate');
    expect(needs.forProgram(null)).not.toContain('daily-respiratory-rate');
  });

  it('asks for the device list on every sync only for programs running a rule that reads the device sync', () => {
    const gap = rule('monitoring-gap');
    expect(dataNeeds(starter.map((r) => on(r))).deviceSyncForProgram(null)).toBe(true);
    // Without the monitoring gap, no starter rule reads the device's last sync.
    const others = starter.filter((r) => r.id !== gap.id).map((r) => on(r));
    expect(dataNeeds(others).deviceSyncForProgram(null)).toBe(false);
    const needs = dataNeeds([...others, on(gap, [['heart-failure', false]])]);
    expect(needs.deviceSyncForProgram('heart-failure')).toBe(false);
    expect(needs.deviceSyncForProgram('copd')).toBe(true);
  });

  it('never needs a type the charts and rules do not read', () => {
    expect(dataNeeds(starter.map((r) => on(r))).forProgram(null)).not.toContain('active-minutes');
    expect(CHART_METRICS.length).toBeGreaterThan(0);
  });
});

describe('a webhook re-read of some types', () => {
  it('reads the named types and every type a column computed from them needs', () => {
    expect(typesRereadWith(['weight'])).toEqual(['weight']);
    expect(typesRereadWith(['daily-oxygen-saturation'])).toEqual(['daily-oxygen-saturation']);
    // Steps feed the resting estimate, which needs heart rate and sleep too.
    expect(typesRereadWith(['steps'])).toEqual(['heart-rate', 'steps', 'sleep']);
    expect(typesRereadWith(['heart-rate'])).toEqual([
      'heart-rate',
      'steps',
      'active-minutes',
      'sleep',
    ]);
    expect(typesRereadWith(['blood-glucose'])).toEqual([...DATA_TYPE_IDS]);
  });

  it('takes only the columns whose every type was read, and keeps the rest as stored', () => {
    const stored = {
      ...dayWithoutData('2026-11-20'),
      hrMean: 71,
      wearMinutes: 900,
      steps: 4000,
      weightKg: 80,
      coverage: { heartRateSamples: 900, stepMinutes: 700, dataTypes: ['heart-rate', 'steps'] },
    };
    const fresh = {
      ...dayWithoutData('2026-11-20'),
      weightKg: 79.5,
      coverage: { heartRateSamples: 0, stepMinutes: 0, dataTypes: ['weight'] },
    };
    expect(keepUnread(stored, fresh, new Set(['weight']))).toEqual({
      ...stored,
      weightKg: 79.5,
      coverage: { ...stored.coverage, dataTypes: ['heart-rate', 'steps', 'weight'] },
    });
    // Steps alone cannot rewrite the steps column: it needs heart rate too.
    const steps = keepUnread(
      stored,
      {
        ...fresh,
        steps: 10,
        coverage: { ...fresh.coverage, stepMinutes: 5, dataTypes: ['steps'] },
      },
      new Set(['steps']),
    );
    expect(steps).toMatchObject({ steps: 4000, weightKg: 80 });
    expect(steps.coverage).toEqual({
      heartRateSamples: 900,
      stepMinutes: 5,
      dataTypes: ['heart-rate', 'steps'],
    });
    expect(keepUnread(undefined, fresh, new Set(['weight']))).toBe(fresh);
  });
});
