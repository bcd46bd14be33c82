import { RuleDefinition } from '../rule-definition';
import {
  MAX_RULE_BYTES,
  validateParamOverrides,
  validateRule,
  validateRuleText,
} from './validate-rule';

function validRule(): Record<string, unknown> {
  return {
    id: 'resting-hr-rise',
    title: 'Resting heart rate rise',
    description: 'Resting heart rate above baseline.',
    severity: 'warning',
    params: { deltaBpm: 4, recentDays: 3 },
    conditions: {
      all: [
        {
          name: 'rise',
          fact: 'delta',
          params: {
            metric: 'restingHrProvider',
            recent: { days: { param: 'recentDays' } },
            baseline: { days: 28, endOffsetDays: 7 },
          },
          operator: 'greaterThanInclusive',
          value: { param: 'deltaBpm' },
        },
        { fact: 'daysSinceSync', operator: 'lessThan', value: 3 },
      ],
    },
    forDays: 2,
    resolveAfterDays: 3,
    repeatAfterDays: 0,
    recipients: ['provider', 'user:dr.smith', 'group:clin'],
    deliver: { channels: ['message', 'reminder'], reminderDueInDays: 1, priority: 'high' },
    inhibitedBy: ['monitoring-gap'],
    message: 'Resting HR rose {{rise}} bpm (limit {{params.deltaBpm}}).',
  };
}

/** The valid rule with one change, as JSON text so any value (even __proto__) can be planted. */
function errorsOf(change: (rule: Record<string, unknown>) => void, retentionDays?: number) {
  const rule = validRule();
  change(rule);
  return validateRule(JSON.parse(JSON.stringify(rule)), { retentionDays }).errors;
}

function leaf(rule: Record<string, unknown>, index = 0): Record<string, unknown> {
  return (rule.conditions as { all: Record<string, unknown>[] }).all[index];
}

function factParams(rule: Record<string, unknown>): Record<string, Record<string, unknown>> {
  return leaf(rule).params as Record<string, Record<string, unknown>>;
}

describe('validateRule', () => {
  it('accepts a valid rule and returns a copy', () => {
    const input = validRule();
    const result = validateRule(input);
    expect(result.errors).toEqual([]);
    expect(result.rule).toEqual(input);
    expect(result.rule).not.toBe(input);
  });

  it('reports missing fields and wrong types', () => {
    expect(
      errorsOf((rule) => {
        delete rule.title;
        rule.severity = 'critical';
        rule.forDays = 1.5;
        rule.description = 7;
      }),
    ).toEqual([
      { path: '$.title', message: 'is required' },
      { path: '$.description', message: 'must be text' },
      { path: '$.severity', message: 'must be one of info, warning, urgent' },
      { path: '$.forDays', message: 'must be a whole number of days' },
    ]);
  });

  it('rejects a field that is not part of the format', () => {
    expect(errorsOf((rule) => (rule.priority = 1))).toEqual([
      { path: '$.priority', message: expect.stringContaining('is not a rule field') },
    ]);
  });

  it('requires a slug id', () => {
    expect(errorsOf((rule) => (rule.id = 'Resting HR'))).toEqual([
      { path: '$.id', message: expect.stringContaining('must be a slug') },
    ]);
  });

  it('explains numbers written as text', () => {
    expect(
      errorsOf((rule) => {
        rule.forDays = '2';
        rule.params = { deltaBpm: '4', recentDays: 3 };
        leaf(rule, 1).value = '3';
      }),
    ).toEqual([
      { path: '$.forDays', message: 'must be a number, not the text "2"; write it without quotes' },
      {
        path: '$.params.deltaBpm',
        message: 'must be a number, not the text "4"; write it without quotes',
      },
      {
        path: '$.conditions.all[1].value',
        message: 'must be a number, not the text "3"; write it without quotes',
      },
    ]);
  });

  it('rejects unknown facts, metrics, aggregates and operators', () => {
    expect(
      errorsOf((rule) => {
        leaf(rule, 1).fact = 'heartRate';
        leaf(rule).operator = 'greaterThanOrEqual';
        factParams(rule).metric = 'restingHeartRate' as unknown as Record<string, unknown>;
        factParams(rule).recent.aggregate = 'average';
      }),
    ).toEqual([
      {
        path: '$.conditions.all[0].operator',
        message: expect.stringMatching(
          /^unknown operator "greaterThanOrEqual"; use one of equal, .*between$/,
        ),
      },
      {
        path: '$.conditions.all[0].params.metric',
        message: expect.stringMatching(
          /^unknown metric "restingHeartRate"; use one of restingHrProvider, /,
        ),
      },
      {
        path: '$.conditions.all[0].params.recent.aggregate',
        message: expect.stringMatching(/^unknown aggregate "average"/),
      },
      {
        path: '$.conditions.all[1].fact',
        message: expect.stringMatching(/^unknown fact "heartRate"; use one of window, baseline, /),
      },
    ]);
  });

  it('rejects unknown and missing fact params', () => {
    expect(
      errorsOf((rule) => {
        factParams(rule).recent.length = 3 as unknown as Record<string, unknown>;
        delete factParams(rule).baseline.endOffsetDays;
      }),
    ).toEqual([
      {
        path: '$.conditions.all[0].params.recent.length',
        message: 'is not a param of "recent"; it takes days, endOffsetDays, aggregate, minDays',
      },
      {
        path: '$.conditions.all[0].params.baseline.endOffsetDays',
        message: expect.stringMatching(/^is required/),
      },
    ]);
  });

  it('rejects a param reference to a param that is not defined', () => {
    expect(errorsOf((rule) => (factParams(rule).recent.days = { param: 'recentDayz' }))).toEqual([
      {
        path: '$.conditions.all[0].params.recent.days.param',
        message: 'refers to the param "recentDayz", which "params" does not define',
      },
    ]);
  });

  it('gives one error for one mistyped param, not one more for each place that reads it', () => {
    // deltaBpm is read by the condition's value and by the message; recentDays by a span.
    expect(errorsOf((rule) => ((rule.params as Record<string, unknown>).deltaBpm = '4'))).toEqual([
      {
        path: '$.params.deltaBpm',
        message: 'must be a number, not the text "4"; write it without quotes',
      },
    ]);
    expect(
      errorsOf((rule) => ((rule.params as Record<string, unknown>).recentDays = true)),
    ).toEqual([{ path: '$.params.recentDays', message: 'must be a number, not boolean true' }]);
  });

  it('rejects a baseline that overlaps the recent days', () => {
    expect(errorsOf((rule) => (factParams(rule).baseline.endOffsetDays = 2))).toEqual([
      {
        path: '$.conditions.all[0].params.baseline.endOffsetDays',
        message:
          'the baseline (days -29 to -2) overlaps the recent days (-2 to -0); set endOffsetDays to at least 3',
      },
    ]);
  });

  it('rejects a baseline fact overlapping a window of the same metric', () => {
    expect(
      errorsOf((rule) => {
        (rule.conditions as { all: unknown[] }).all = [
          {
            fact: 'window',
            params: { metric: 'steps', days: 10 },
            operator: 'greaterThan',
            value: 0,
          },
          {
            fact: 'baseline',
            params: { metric: 'steps', endOffsetDays: 5 },
            operator: 'greaterThan',
            value: 0,
          },
          {
            fact: 'baseline',
            params: { metric: 'hrMean', endOffsetDays: 5 },
            operator: 'greaterThan',
            value: 0,
          },
        ];
        rule.message = 'Steps.';
      }),
    ).toEqual([
      {
        path: '$.conditions.all[1].params.endOffsetDays',
        message:
          'the baseline (days -32 to -5) overlaps the recent window at $.conditions.all[0].params (days -9 to -0)',
      },
    ]);
  });

  it('rejects windows reaching beyond the data kept', () => {
    expect(errorsOf((rule) => (factParams(rule).baseline.days = 120), 100)).toEqual([
      {
        path: '$.conditions.all[0].params.baseline.days',
        message: 'is 120 days, longer than the 100 days of data kept',
      },
    ]);
    expect(errorsOf((rule) => (factParams(rule).baseline.days = 395))).toEqual([
      {
        path: '$.conditions.all[0].params.baseline',
        message: 'reaches back to day -401, beyond the 400 days of data kept',
      },
    ]);
  });

  it('rejects minDays above the days of a span, and a streak without one threshold', () => {
    expect(errorsOf((rule) => (factParams(rule).recent.minDays = 4))).toEqual([
      {
        path: '$.conditions.all[0].params.recent.minDays',
        message: 'asks for 4 days with data, but the span has only 3 days',
      },
    ]);
    expect(
      errorsOf((rule) => {
        (rule.conditions as { all: unknown[] }).all[1] = {
          fact: 'streak',
          params: { metric: 'spo2Average', operator: 'lessThan' },
          operator: 'greaterThan',
          value: 1,
        };
      }),
    ).toEqual([
      {
        path: '$.conditions.all[1].params',
        message: expect.stringMatching(/^a streak needs exactly one threshold/),
      },
    ]);
  });

  it('limits nesting to 8 levels', () => {
    const nest = (levels: number): unknown =>
      levels === 1
        ? { fact: 'daysSinceSync', operator: 'lessThan', value: 3 }
        : { not: nest(levels - 1) };
    const nested = (levels: number) =>
      errorsOf((rule) => {
        rule.conditions = { all: [nest(levels)] };
        rule.message = 'Not synced lately.';
      });
    expect(nested(8)).toEqual([]);
    expect(nested(9)).toEqual([
      {
        path: '$.conditions.all[0].not.not.not.not.not.not.not',
        message: 'nests conditions 9 levels deep; at most 8 are allowed',
      },
    ]);
  });

  it('stops at runaway nesting anywhere in the value', () => {
    const text = `{"id": ${'['.repeat(100)}${']'.repeat(100)}}`;
    expect(validateRuleText(text).errors).toEqual([
      { path: `$.id${'[0]'.repeat(64)}`, message: 'is nested more than 64 levels deep' },
    ]);
  });

  it('requires all, any or not at the top', () => {
    expect(errorsOf((rule) => (rule.conditions = leaf(rule, 1)))).toEqual([
      { path: '$.conditions', message: 'must start with "all", "any" or "not"' },
      expect.objectContaining({ path: '$.message' }),
    ]);
  });

  it('checks recipients, and OpenEMR users and groups when a directory is given', () => {
    expect(
      errorsOf((rule) => (rule.recipients = ['provider', 'dr.smith', 'group:', 'provider'])),
    ).toEqual([
      {
        path: '$.recipients[1]',
        message: expect.stringMatching(/^must be "provider", "user:<OpenEMR username>"/),
      },
      { path: '$.recipients[2]', message: expect.stringMatching(/^must be "provider"/) },
      { path: '$.recipients[3]', message: '"provider" is listed twice' },
    ]);
    const directory = { users: new Set(['admin']), groups: new Set(['clin']) };
    expect(validateRule(validRule(), { directory }).errors).toEqual([
      { path: '$.recipients[1]', message: 'OpenEMR has no active user "dr.smith"' },
    ]);
  });

  it('checks delivery and inhibition', () => {
    expect(
      errorsOf((rule) => {
        rule.deliver = { channels: ['sms'], reminderDueInDays: '1', priority: 'urgent' };
        rule.inhibitedBy = ['resting-hr-rise'];
      }),
    ).toEqual([
      {
        path: '$.deliver.channels[0]',
        message: 'must be "message" or "reminder", not the text "sms"',
      },
      {
        path: '$.deliver.reminderDueInDays',
        message: 'must be a number, not the text "1"; write it without quotes',
      },
      { path: '$.deliver.priority', message: 'must be one of high, medium, low' },
      { path: '$.inhibitedBy[0]', message: 'a rule cannot inhibit itself' },
    ]);
  });

  it('rejects __proto__ and constructor keys before reading anything', () => {
    const text = JSON.stringify(validRule())
      .replace('"deltaBpm":4', '"__proto__":{"polluted":1},"deltaBpm":4')
      .replace('"recentDays":3', '"recentDays":3,"constructor":1');
    expect(validateRuleText(text).errors).toEqual([
      { path: '$.params.__proto__', message: '"__proto__" is not allowed as a key' },
      { path: '$.params.constructor', message: '"constructor" is not allowed as a key' },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects a rule larger than 64 KB and text that is not JSON', () => {
    const big = { ...validRule(), description: 'x'.repeat(MAX_RULE_BYTES) };
    expect(validateRuleText(JSON.stringify(big)).errors).toEqual([
      { path: '$', message: 'is 65 KB; a rule file may be at most 64 KB' },
    ]);
    expect(validateRule(big).errors).toEqual([
      { path: '$', message: 'is 65 KB; a rule may be at most 64 KB' },
    ]);
    expect(validateRuleText('{"id": ').errors).toEqual([
      { path: '$', message: expect.stringMatching(/^is not valid JSON: /) },
    ]);
  });

  it('checks the names used by the message template', () => {
    expect(errorsOf((rule) => (rule.message = 'Rise {{rise}}, baseline {{baseline}}.'))).toEqual([
      {
        path: '$.message',
        message: '{{baseline}} names no condition, reported fact or params entry',
      },
    ]);
    expect(
      errorsOf((rule) => {
        rule.report = {
          baseline: { fact: 'baseline', params: { metric: 'restingHrProvider' } },
          rise: { fact: 'daysSinceSync' },
        };
        rule.message = 'Rise {{rise}}, baseline {{baseline}}.';
      }),
    ).toEqual([
      { path: '$.report.rise', message: '"rise" already names another value of this rule' },
    ]);
  });

  it('rejects a condition path, which Vigil facts do not need', () => {
    expect(errorsOf((rule) => (leaf(rule, 1).path = '$.value'))).toEqual([
      {
        path: '$.conditions.all[1].path',
        message: 'is not supported: every Vigil fact is a single number',
      },
    ]);
  });
});

describe('acknowledgeWithinHours', () => {
  it('takes whole hours from 1 to 720', () => {
    expect(errorsOf((rule) => (rule.acknowledgeWithinHours = 8))).toEqual([]);
    expect(errorsOf((rule) => (rule.acknowledgeWithinHours = 0))).toEqual([
      { path: '$.acknowledgeWithinHours', message: 'must be at least 1 hour' },
    ]);
    expect(errorsOf((rule) => (rule.acknowledgeWithinHours = '8'))).toEqual([
      {
        path: '$.acknowledgeWithinHours',
        message: 'must be a number, not the text "8"; write it without quotes',
      },
    ]);
  });
});

describe('paramDetails', () => {
  const detailed = (details: unknown, params?: Record<string, unknown>) =>
    errorsOf((rule) => {
      rule.paramDetails = details;
      if (params) rule.params = params;
    });
  const deltaBpm = { label: 'Rise above baseline', unit: 'bpm', min: 1, max: 20, help: 'How far.' };

  it('accepts a label, unit, range, step and help per param', () => {
    expect(detailed({ deltaBpm: { ...deltaBpm, step: 1 } })).toEqual([]);
  });

  it("refuses a param value outside its range, at the param, with the range's unit", () => {
    expect(detailed({ deltaBpm }, { deltaBpm: 40, recentDays: 3 })).toEqual([
      { path: '$.params.deltaBpm', message: 'is 40, outside the allowed 1 to 20 bpm' },
    ]);
  });

  it('refuses details of no param, missing words, a text number and an upside-down range', () => {
    expect(
      detailed({
        deltaBpn: deltaBpm,
        recentDays: { label: 'Recent days', min: '1', help: 'Days.' },
        deltaBpm: { unit: 'bpm', min: 9, max: 2, help: 'How far.', colour: 'red' },
      }),
    ).toEqual([
      {
        path: '$.paramDetails.deltaBpn',
        message: 'describes no param; "params" has deltaBpm, recentDays',
      },
      {
        path: '$.paramDetails.recentDays.min',
        message: 'must be a number, not the text "1"; write it without quotes',
      },
      {
        path: '$.paramDetails.deltaBpm.colour',
        message: 'is not a param detail; use label, unit, min, max, step, help',
      },
      { path: '$.paramDetails.deltaBpm.label', message: 'is required' },
    ]);
    expect(detailed({ deltaBpm: { ...deltaBpm, min: 9, max: 2 } })).toEqual([
      { path: '$.paramDetails.deltaBpm.min', message: '(9) is above max (2)' },
    ]);
  });

  it('says nothing more about the details of a param already refused', () => {
    expect(detailed({ deltaBpm }, { deltaBpm: '4', recentDays: 3 })).toEqual([
      {
        path: '$.params.deltaBpm',
        message: 'must be a number, not the text "4"; write it without quotes',
      },
    ]);
  });
});

describe('validateParamOverrides', () => {
  const rule = validRule() as unknown as RuleDefinition;

  it('accepts overrides of defined params that keep the rule sound', () => {
    expect(validateParamOverrides(rule, { deltaBpm: 6 })).toEqual([]);
  });

  it('refuses an override outside the range the rule gives, where the override was given', () => {
    const ranged = {
      ...rule,
      paramDetails: { deltaBpm: { label: 'Rise', unit: 'bpm', min: 1, max: 20, help: 'How far.' } },
    };
    expect(validateParamOverrides(ranged, { deltaBpm: 25 })).toEqual([
      { path: '$.deltaBpm', message: 'is 25, outside the allowed 1 to 20 bpm' },
    ]);
    expect(validateParamOverrides(ranged, { deltaBpm: 20 })).toEqual([]);
  });

  it('rejects unknown params, text and overrides that break a window', () => {
    expect(validateParamOverrides(rule, { heartRate: 6, deltaBpm: '6' })).toEqual([
      {
        path: '$.deltaBpm',
        message: 'must be a number, not the text "6"; write it without quotes',
      },
      {
        path: '$.heartRate',
        message: 'is not a param of rule "resting-hr-rise"; it has deltaBpm, recentDays',
      },
    ]);
    expect(validateParamOverrides(rule, { recentDays: 10 })).toEqual([
      {
        path: '$.conditions.all[0].params.baseline.endOffsetDays',
        message: expect.stringContaining(
          'overlaps the recent days (-9 to -0); set endOffsetDays to at least 10 (with these overrides)',
        ),
      },
    ]);
  });
});
