import { FACTS, FactName, ParamSpec } from './fact-catalog';

/** `{ "param": "deltaBpm" }`: a value read from the rule's params. */
export interface ParamReference {
  param: string;
}

export function isParamReference(value: unknown): value is ParamReference {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as Record<string, unknown>).param === 'string'
  );
}

/** A literal, or the named rule param; undefined if the param is not defined. */
export function resolveValue(value: unknown, ruleParams: Record<string, number>): unknown {
  if (!isParamReference(value)) return value;
  return Object.hasOwn(ruleParams, value.param) ? ruleParams[value.param] : undefined;
}

function complete(
  specs: Record<string, ParamSpec>,
  given: Record<string, unknown>,
  ruleParams: Record<string, number>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const value = Object.hasOwn(given, key) ? given[key] : undefined;
    if (spec.kind === 'span') {
      if (typeof value === 'object' && value !== null && spec.span) {
        out[key] = complete(spec.span, value as Record<string, unknown>, ruleParams);
      }
      continue;
    }
    const resolved = value === undefined ? spec.default : resolveValue(value, ruleParams);
    if (resolved !== undefined) out[key] = resolved;
  }
  return out;
}

/**
 * A fact's params with `{param}` references resolved and defaults filled in, so
 * the fact functions never guess. Done once per rule and set of params, not per patient.
 */
export function completeFactParams(
  fact: FactName,
  given: Record<string, unknown> | undefined,
  ruleParams: Record<string, number>,
): Record<string, unknown> {
  return complete(FACTS[fact].params, given ?? {}, ruleParams);
}
