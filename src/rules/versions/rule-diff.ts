import { childPath } from '../validation/rule-error';

/** One changed value between two versions of a rule; absent on one side is undefined. */
export interface RuleChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What changed from one rule version to the next, as JSON paths with the old
 * and new values: objects key by key, lists item by item, anything else whole.
 */
export function diffRules(before: unknown, after: unknown, path = '$'): RuleChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((key) => diffRules(before[key], after[key], childPath(path, key)));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    return Array.from({ length: Math.max(before.length, after.length) }, (_, i) =>
      diffRules(before[i], after[i], childPath(path, i)),
    ).flat();
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [
    {
      path,
      ...(before === undefined ? {} : { before }),
      ...(after === undefined ? {} : { after }),
    },
  ];
}
