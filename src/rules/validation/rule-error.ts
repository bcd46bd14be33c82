/** One problem in a rule: where (a JSON path such as `$.conditions.all[1].params.days`) and what, in plain words. */
export interface RuleError {
  path: string;
  message: string;
}

/** `$.a.b`, `$.a[2]`, or `$["odd key"]` for keys that are not plain names. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)
    ? `${parent}.${key}`
    : `${parent}[${JSON.stringify(key)}]`;
}

/** The clearer message for a number typed in quotes, which JSON editors make easy to do. */
export function numberAsTextMessage(value: string): string {
  return `must be a number, not the text "${value}"; write it without quotes`;
}

export function looksNumeric(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value));
}
