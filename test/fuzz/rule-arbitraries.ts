import fc from 'fast-check';
import { hostileJson } from './fuzz-support';

/** A valid rule (the shape of the starter library), the seed the mutations start from. */
export const validRule = (): Record<string, unknown> => ({
  id: 'fuzz-low-steps',
  title: 'Low steps',
  description: 'Seven-day mean steps under a threshold; no published performance.',
  severity: 'info',
  params: { threshold: 3000 },
  conditions: {
    all: [
      {
        name: 'steps',
        fact: 'window',
        params: { metric: 'steps', days: 7, minDays: 5 },
        operator: 'lessThan',
        value: { param: 'threshold' },
      },
    ],
  },
  forDays: 1,
  resolveAfterDays: 2,
  repeatAfterDays: 0,
  recipients: ['provider'],
  deliver: { channels: ['message'], reminderDueInDays: 1, priority: 'low' },
  inhibitedBy: [],
  message: 'steps {{steps}}',
});

const word = fc.oneof(
  fc.constantFrom(
    'window',
    'baseline',
    'streak',
    'coverage',
    'steps',
    'restingHr',
    'spo2Average',
    'mean',
    'lessThan',
    'greaterThan',
    'between',
    'equal',
    'regex',
    'contains',
    'in',
    'notIn',
    'all',
    'any',
    'not',
    'param',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
  ),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);
const scalar = fc.oneof(
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.double(),
  fc.integer().map(String), // numbers as strings
  fc.double({ noNaN: true }).map(String),
  word,
  fc.constantFrom(null, true, false),
);

/** Condition trees in the engine's own shape, with unknown names and wrong types mixed in. */
const condition: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    tie('leaf'),
    fc.record({ all: fc.array(tie('node'), { maxLength: 4 }) }),
    fc.record({ any: fc.array(tie('node'), { maxLength: 4 }) }),
    fc.record({ not: tie('node') }),
    hostileJson,
  ),
  leaf: fc.record(
    {
      name: word,
      fact: word,
      operator: word,
      value: fc.oneof(scalar, fc.record({ param: word }), fc.array(scalar, { maxLength: 3 })),
      params: fc.dictionary(word, scalar, { maxKeys: 4 }),
    },
    { requiredKeys: [] },
  ),
})).node;

export const ruleTrees: fc.Arbitrary<unknown> = fc
  .record({
    conditions: condition,
    params: fc.dictionary(word, scalar, { maxKeys: 3 }),
    severity: fc.oneof(fc.constantFrom('info', 'warning', 'urgent'), word),
    forDays: scalar,
    recipients: fc.array(word, { maxLength: 3 }),
    message: fc.string({ unit: 'grapheme', maxLength: 30 }),
  })
  .map((parts) => ({ ...validRule(), ...parts }));

/** Every path into the reference rule, so mutations reach each field and leaf. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [
    prefix,
    ...keys.flatMap((k) => paths((value as Record<string, unknown>)[k], [...prefix, k])),
  ];
}
const RULE_PATHS = paths(validRule()).filter((p) => p.length > 0);

export const mutateRule: fc.Arbitrary<unknown> = fc
  .tuple(fc.constantFrom(...RULE_PATHS), fc.oneof(scalar, hostileJson, condition))
  .map(([path, replacement]) => {
    const rule = validRule();
    let parent = rule as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    parent[path[path.length - 1]] = replacement;
    return rule;
  });
