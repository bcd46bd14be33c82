import { Operator } from 'json-rules-engine';

/** json-rules-engine's own operators that make sense on a number. */
export const BUILT_IN_OPERATORS = [
  'equal',
  'notEqual',
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
] as const;

/**
 * `between`: the fact lies in [low, high], both ends included. json-rules-engine
 * would need an `all` of two conditions, which reports the fact twice.
 */
export const between = new Operator<number, [number, number]>(
  'between',
  (fact, [low, high]) => fact >= low && fact <= high,
  (fact) => typeof fact === 'number',
);

export const CUSTOM_OPERATORS = [between];

export const OPERATOR_NAMES: readonly string[] = [
  ...BUILT_IN_OPERATORS,
  ...CUSTOM_OPERATORS.map((operator) => operator.name),
];

/** Operators whose value is a [low, high] pair rather than one number. */
export const RANGE_OPERATORS: readonly string[] = ['between'];
