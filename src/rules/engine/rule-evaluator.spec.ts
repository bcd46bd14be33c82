import { buildDays } from '../../../test/fixtures/rules/build-days';
import { PatientSeries } from '../facts/patient-series';
import { ConditionNode, RuleDefinition } from '../rule-definition';
import { validateRule } from '../validation/validate-rule';
import { mergeParams, RuleEvaluator } from './rule-evaluator';

// Mar 1..5: steps known, sleep missing on the last two days.
const series = new PatientSeries(
  buildDays('2026-03-01', {
    steps: [1000, 2000, 3000, 4000, 5000],
    sleepAsleepMinutes: [400, 410, 420, null, null],
  }),
  { lastSyncAt: new Date('2026-03-05T06:00:00Z'), lastDeviceSyncAt: null },
);
const MAR_5 = { date: '2026-03-05', asOf: new Date('2026-03-05T22:00:00Z') };

const STEPS_HIGH: ConditionNode = {
  name: 'steps',
  fact: 'window',
  params: { metric: 'steps', days: 1 },
  operator: 'greaterThan',
  value: { param: 'stepLimit' },
};
const STEPS_LOW: ConditionNode = { ...STEPS_HIGH, name: 'stepsAgain', operator: 'lessThan' };
const SLEEP_KNOWN_NOT: ConditionNode = {
  name: 'sleep',
  fact: 'window',
  params: { metric: 'sleepAsleepMinutes', days: 1 },
  operator: 'lessThan',
  value: 420,
};

function rule(
  conditions: RuleDefinition['conditions'],
  message = 'Steps {{steps}}, sleep {{sleep}}.',
): RuleDefinition {
  const candidate = {
    id: 'test-rule',
    title: 'Test rule',
    description: 'For tests.',
    severity: 'info',
    params: { stepLimit: 4000 },
    conditions,
    forDays: 1,
    resolveAfterDays: 1,
    repeatAfterDays: 0,
    recipients: ['provider'],
    deliver: { channels: ['message'], reminderDueInDays: 0, priority: 'low' },
    inhibitedBy: [],
    message,
  };
  const { rule: valid, errors } = validateRule(candidate);
  if (!valid) throw new Error(JSON.stringify(errors));
  return valid;
}

async function resultOf(conditions: RuleDefinition['conditions']) {
  return (await new RuleEvaluator(rule(conditions, 'Test.')).evaluate(series, MAR_5)).result;
}

describe('RuleEvaluator', () => {
  it('reports the decisive values and renders the message', async () => {
    const evaluation = await new RuleEvaluator(
      rule({ any: [STEPS_HIGH, SLEEP_KNOWN_NOT] }),
    ).evaluate(series, MAR_5);
    expect(evaluation).toEqual({
      result: 'true',
      facts: { steps: 5000, sleep: null },
      message: 'Steps 5000, sleep no data.',
    });
  });

  it.each([
    ['any: true or unknown', { any: [STEPS_HIGH, SLEEP_KNOWN_NOT] }, 'true'],
    ['any: false or unknown', { any: [STEPS_LOW, SLEEP_KNOWN_NOT] }, 'insufficient_data'],
    ['all: false and unknown', { all: [STEPS_LOW, SLEEP_KNOWN_NOT] }, 'false'],
    ['all: true and unknown', { all: [STEPS_HIGH, SLEEP_KNOWN_NOT] }, 'insufficient_data'],
    ['not unknown', { not: SLEEP_KNOWN_NOT }, 'insufficient_data'],
    ['not false', { not: STEPS_LOW }, 'true'],
    ['nested', { all: [STEPS_HIGH, { not: { any: [STEPS_LOW] } }] }, 'true'],
  ] as const)('treats missing data as unknown: %s', async (_case, conditions, expected) => {
    expect(await resultOf(conditions as RuleDefinition['conditions'])).toBe(expected);
  });

  it('gives every run its result when one kept evaluator runs several at once', async () => {
    // Evaluators are shared across concurrent evaluations (rules in force are kept per process):
    // runs start a microtask apart, so some start while another is finishing.
    const evaluator = new RuleEvaluator(rule({ all: [STEPS_HIGH] }, 'Steps {{steps}}.'));
    const later = async (ticks: number) => {
      for (let i = 0; i < ticks; i++) await Promise.resolve();
      return evaluator.evaluate(series, MAR_5);
    };
    const runs = await Promise.all(Array.from({ length: 40 }, (_, ticks) => later(ticks)));
    expect(runs.map((run) => run.result)).toEqual(runs.map(() => 'true'));
  });

  it('judges an earlier date on the data up to that date', async () => {
    const evaluator = new RuleEvaluator(rule({ all: [STEPS_HIGH] }, 'Steps {{steps}}.'));
    const mar3 = await evaluator.evaluate(series, {
      date: '2026-03-03',
      asOf: new Date('2026-03-03T22:00:00Z'),
    });
    expect([mar3.result, mar3.facts]).toEqual(['false', { steps: 3000 }]);
  });

  it('applies program then patient overrides of params, reusing the evaluator', async () => {
    const evaluator = new RuleEvaluator(rule({ all: [STEPS_HIGH] }, 'Limit {{params.stepLimit}}.'));
    const program = { stepLimit: 6000 };
    expect((await evaluator.evaluate(series, MAR_5, program)).result).toBe('false');
    const patient = await evaluator.evaluate(series, MAR_5, program, { stepLimit: 4500 });
    expect([patient.result, patient.message]).toEqual(['true', 'Limit 4500.']);
    expect((await evaluator.evaluate(series, MAR_5)).result).toBe('true');
  });

  it('keys an unnamed condition by its JSON path', async () => {
    const unnamed = { fact: 'daysSinceDeviceSync', operator: 'greaterThan', value: 2 };
    const evaluation = await new RuleEvaluator(rule({ all: [STEPS_HIGH, unnamed] }, 'x')).evaluate(
      series,
      MAR_5,
    );
    expect(evaluation.facts).toEqual({ steps: 5000, '$.conditions.all[1]': null });
  });

  it('supports the between operator with params', async () => {
    const within = (low: number, high: unknown) =>
      resultOf({ all: [{ ...STEPS_HIGH, operator: 'between', value: [low, high] }] });
    expect(await within(4000, { param: 'stepLimit' })).toBe('false');
    expect(await within(5000, 5000)).toBe('true');
  });

  it('computes reported values for the message without testing them', async () => {
    const withReport: RuleDefinition = {
      ...rule({ all: [STEPS_HIGH] }, 'Steps {{steps}}.'),
      report: { days: { fact: 'coverage', params: { metric: 'steps', days: 7 } } },
      message: 'Steps {{steps}} over {{days}} days.',
    };
    expect(validateRule(withReport).errors).toEqual([]);
    expect((await new RuleEvaluator(withReport).evaluate(series, MAR_5)).message).toBe(
      'Steps 5000 over 5 days.',
    );
  });
});

describe('mergeParams', () => {
  it('lets later overrides win and ignores names the rule does not define', () => {
    expect(mergeParams({ a: 1, b: 2, c: 3 }, { a: 10, z: 9 }, { a: 20, b: 30 })).toEqual({
      a: 20,
      b: 30,
      c: 3,
    });
  });
});
