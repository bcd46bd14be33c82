import { childPath, looksNumeric, numberAsTextMessage, type RuleError } from './rule-error';

const DETAIL_FIELDS = ['label', 'unit', 'min', 'max', 'step', 'help'];

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function text(
  detail: Json,
  key: string,
  path: string,
  max: number,
  required: boolean,
): RuleError[] {
  const value = detail[key];
  if (value === undefined)
    return required ? [{ path: childPath(path, key), message: 'is required' }] : [];
  return typeof value === 'string' && value.trim().length > 0 && value.length <= max
    ? []
    : [{ path: childPath(path, key), message: `must be text of 1 to ${max} characters` }];
}

function number(detail: Json, key: string, path: string): RuleError[] {
  const value = detail[key];
  if (value === undefined || (typeof value === 'number' && Number.isFinite(value))) return [];
  return [
    {
      path: childPath(path, key),
      message: looksNumeric(value) ? numberAsTextMessage(value) : 'must be a number',
    },
  ];
}

/** "1 to 30 bpm", "at least 1 day", for messages. */
export function rangeWords(detail: { min?: number; max?: number; unit?: string }): string {
  const unit = detail.unit ? ` ${detail.unit}` : '';
  if (detail.min !== undefined && detail.max !== undefined)
    return `${detail.min} to ${detail.max}${unit}`;
  if (detail.min !== undefined) return `at least ${detail.min}${unit}`;
  return `at most ${String(detail.max)}${unit}`;
}

/**
 * Checks `paramDetails`: each entry describes a param the rule defines, with a
 * label and help, an optional unit, range and step; and each param's value
 * lies in its range. `refused` params were already reported where defined.
 */
export function checkParamDetails(
  value: unknown,
  params: Record<string, number>,
  refused: ReadonlySet<string>,
): RuleError[] {
  if (value === undefined) return [];
  if (!isObject(value))
    return [{ path: '$.paramDetails', message: 'must be an object: one entry per param' }];
  const errors: RuleError[] = [];
  for (const [name, detail] of Object.entries(value)) {
    const path = childPath('$.paramDetails', name);
    if (!Object.hasOwn(params, name)) {
      if (!refused.has(name))
        errors.push({
          path,
          message: `describes no param; "params" has ${Object.keys(params).join(', ') || 'none'}`,
        });
      continue;
    }
    if (!isObject(detail)) {
      errors.push({ path, message: 'must be { "label", "unit", "min", "max", "step", "help" }' });
      continue;
    }
    for (const key of Object.keys(detail))
      if (!DETAIL_FIELDS.includes(key))
        errors.push({
          path: childPath(path, key),
          message: `is not a param detail; use ${DETAIL_FIELDS.join(', ')}`,
        });
    const own = [
      ...text(detail, 'label', path, 80, true),
      ...text(detail, 'unit', path, 20, false),
      ...text(detail, 'help', path, 500, true),
      ...number(detail, 'min', path),
      ...number(detail, 'max', path),
      ...number(detail, 'step', path),
    ];
    errors.push(...own);
    if (own.length > 0) continue;
    const { min, max, step } = detail as { min?: number; max?: number; step?: number };
    if (step !== undefined && step <= 0)
      errors.push({ path: `${path}.step`, message: 'must be above 0' });
    if (min !== undefined && max !== undefined && min > max) {
      errors.push({ path: `${path}.min`, message: `(${min}) is above max (${max})` });
      continue;
    }
    const given = params[name];
    if ((min !== undefined && given < min) || (max !== undefined && given > max))
      errors.push({
        path: childPath('$.params', name),
        message: `is ${given}, outside the allowed ${rangeWords(detail as { unit?: string })}`,
      });
  }
  return errors;
}
