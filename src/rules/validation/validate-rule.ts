import { DeliveryChannel, RuleDefinition } from '../rule-definition';
import { isParamReference, resolveValue } from '../facts/complete-fact-params';
import {
  AGGREGATES,
  COMPARISONS,
  FACT_NAMES,
  FACTS,
  FactName,
  isFactName,
  METRIC_NAMES,
  ParamSpec,
} from '../facts/fact-catalog';
import { placeholders, TEXT_PLACEHOLDERS } from '../engine/message-template';
import { OPERATOR_NAMES, RANGE_OPERATORS } from '../engine/operators';
import { checkRuleFields, RULE_ID_PATTERN } from './rule-fields';
import { checkParamDetails } from './param-details';
import { childPath, looksNumeric, numberAsTextMessage, RuleError } from './rule-error';

export const MAX_RULE_BYTES = 64 * 1024;
export const MAX_CONDITION_DEPTH = 8;
export const DEFAULT_RETENTION_DAYS = 400;
/** Far beyond any sensible rule; stops hostile input before it costs a deep walk. */
const MAX_JSON_DEPTH = 64;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export const REQUIRED_FIELDS = [
  'id',
  'title',
  'description',
  'severity',
  'params',
  'conditions',
  'forDays',
  'resolveAfterDays',
  'repeatAfterDays',
  'recipients',
  'deliver',
  'inhibitedBy',
  'message',
] as const;
const RULE_FIELDS: readonly string[] = [
  ...REQUIRED_FIELDS,
  'paramDetails',
  'staleAfterDays',
  'acknowledgeWithinHours',
  'report',
];
const LEAF_FIELDS = ['fact', 'operator', 'value', 'params', 'name'];
const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*$/;
const PARAM_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9]*$/;
const RECIPIENT_PATTERN = /^(provider|(user|group):[A-Za-z0-9._@-]{1,64})$/;
const CHANNELS: readonly DeliveryChannel[] = ['message', 'reminder'];
const PRIORITIES = ['high', 'medium', 'low'];

export interface RuleValidationOptions {
  /** Days of daily aggregates kept; no window may reach further back. */
  retentionDays?: number;
  /** OpenEMR usernames and ACL groups, when OpenEMR is configured. */
  directory?: { users: ReadonlySet<string>; groups: ReadonlySet<string> };
}

export type RuleValidation =
  { rule: RuleDefinition; errors: [] } | { rule: null; errors: RuleError[] };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the text ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

/** A span of days relative to the evaluation date, as a condition reads it. */
interface DaySpan {
  metric: string;
  role: 'recent' | 'baseline';
  /** Offsets back from the evaluation date: the newest and oldest day read. */
  newest: number;
  oldest: number;
  path: string;
}

class RuleChecker {
  readonly errors: RuleError[] = [];
  private readonly names = new Set<string>();
  private readonly spans: DaySpan[] = [];
  private readonly retentionDays: number;
  /** Values that read a param already refused at its definition: unknown, and not an error again. */
  private unresolved = 0;

  constructor(
    private readonly params: Record<string, number>,
    private readonly options: RuleValidationOptions,
    /** Params the rule defines with a value already refused (one mistake, one error). */
    private readonly refusedParams: ReadonlySet<string> = new Set(),
  ) {
    this.retentionDays = options.retentionDays ?? DEFAULT_RETENTION_DAYS;
  }

  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  /** Names the message template may use: named conditions, reported facts, params. */
  knownNames(): Set<string> {
    return new Set([
      ...this.names,
      ...TEXT_PLACEHOLDERS,
      ...[...Object.keys(this.params), ...this.refusedParams].map((name) => `params.${name}`),
    ]);
  }

  condition(node: unknown, path: string, depth: number): void {
    if (!isObject(node)) {
      this.error(path, `must be a condition object, not ${typeName(node)}`);
      return;
    }
    const groups = ['all', 'any', 'not'].filter((key) => Object.hasOwn(node, key));
    if (groups.length === 0 && depth === 1) {
      this.error(path, 'must start with "all", "any" or "not"');
      return;
    }
    if (groups.length === 0) {
      this.leaf(node, path);
      return;
    }
    if (depth > MAX_CONDITION_DEPTH) {
      this.error(
        path,
        `nests conditions ${depth} levels deep; at most ${MAX_CONDITION_DEPTH} are allowed`,
      );
      return;
    }
    const [group] = groups;
    for (const key of Object.keys(node).filter((key) => key !== group)) {
      this.error(childPath(path, key), `is not allowed beside "${group}"`);
    }
    const children = node[group];
    if (group === 'not') {
      this.condition(children, `${path}.not`, depth + 1);
    } else if (!Array.isArray(children) || children.length === 0) {
      this.error(`${path}.${group}`, 'must be a list of at least one condition');
    } else {
      children.forEach((child, i) => this.condition(child, `${path}.${group}[${i}]`, depth + 1));
    }
  }

  private leaf(node: Json, path: string): void {
    for (const key of Object.keys(node)) {
      if (key === 'path') {
        this.error(childPath(path, key), 'is not supported: every Vigil fact is a single number');
      } else if (!LEAF_FIELDS.includes(key)) {
        this.error(childPath(path, key), `is not a condition field; use ${LEAF_FIELDS.join(', ')}`);
      }
    }
    this.name(node.name, `${path}.name`);
    const fact = this.factName(node.fact, `${path}.fact`);
    this.operatorAndValue(node, path);
    if (fact) this.factParams(fact, node.params, `${path}.params`, true);
  }

  private name(name: unknown, path: string): void {
    if (name === undefined) return;
    if (typeof name !== 'string' || !NAME_PATTERN.test(name) || name.startsWith('params.')) {
      this.error(
        path,
        'must be a name like "recent" or "baseline.median" (letters and digits, parts joined by dots, not starting with "params.")',
      );
    } else if (this.names.has(name)) {
      this.error(path, `"${name}" already names another value of this rule`);
    } else {
      this.names.add(name);
    }
  }

  factName(fact: unknown, path: string): FactName | null {
    if (fact === undefined) {
      this.error(path, 'is required');
    } else if (typeof fact !== 'string' || !isFactName(fact)) {
      this.error(path, `unknown fact ${JSON.stringify(fact)}; use one of ${FACT_NAMES.join(', ')}`);
    } else {
      return fact;
    }
    return null;
  }

  private operatorAndValue(node: Json, path: string): void {
    const operator = node.operator;
    if (operator === undefined) {
      this.error(`${path}.operator`, 'is required');
    } else if (typeof operator !== 'string' || !OPERATOR_NAMES.includes(operator)) {
      this.error(
        `${path}.operator`,
        `unknown operator ${JSON.stringify(operator)}; use one of ${OPERATOR_NAMES.join(', ')}`,
      );
    }
    const valuePath = `${path}.value`;
    if (!Object.hasOwn(node, 'value')) {
      this.error(valuePath, 'is required');
    } else if (typeof operator === 'string' && RANGE_OPERATORS.includes(operator)) {
      const range = node.value;
      if (!Array.isArray(range) || range.length !== 2) {
        this.error(valuePath, `must be a list of two numbers [low, high] for "${operator}"`);
        return;
      }
      const [low, high] = range.map((item, i) => this.number(item, `${valuePath}[${i}]`));
      if (low !== null && high !== null && low > high) {
        this.error(valuePath, `low (${low}) is above high (${high})`);
      }
    } else {
      this.number(node.value, valuePath);
    }
  }

  /** A number, or a reference to a defined param; returns the value it stands for. */
  private number(value: unknown, path: string): number | null {
    if (isParamReference(value)) {
      if (this.refusedParams.has(value.param)) {
        this.unresolved++;
        return null;
      }
      const resolved = resolveValue(value, this.params);
      if (typeof resolved !== 'number') {
        this.error(
          `${path}.param`,
          `refers to the param "${value.param}", which "params" does not define`,
        );
        return null;
      }
      return resolved;
    }
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (looksNumeric(value)) {
      this.error(path, numberAsTextMessage(value));
    } else if (isObject(value) && Object.hasOwn(value, 'param')) {
      this.error(path, 'must be { "param": "<name>" } with nothing else in it');
    } else {
      this.error(path, `must be a number or { "param": "<name>" }, not ${typeName(value)}`);
    }
    return null;
  }

  /** Checks a fact's params, then, when each is sound, the rules between them (`tested`: in a condition, not a report). */
  factParams(fact: FactName, given: unknown, path: string, tested: boolean): void {
    if (given !== undefined && !isObject(given)) {
      this.error(path, `must be an object of params, not ${typeName(given)}`);
      return;
    }
    const before = this.errors.length;
    const unresolvedBefore = this.unresolved;
    const values = this.paramGroup(FACTS[fact].params, given ?? {}, path, fact);
    // Rules between params need every value; a refused param leaves one unknown.
    if (this.errors.length === before && this.unresolved === unresolvedBefore)
      this.factRules(fact, values, path, tested);
  }

  private paramGroup(
    specs: Record<string, ParamSpec>,
    given: Json,
    path: string,
    owner: string,
  ): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const key of Object.keys(given)) {
      if (!Object.hasOwn(specs, key)) {
        const known = Object.keys(specs);
        this.error(
          childPath(path, key),
          known.length === 0
            ? `is not a param: ${owner} takes none`
            : `is not a param of ${owner}; it takes ${known.join(', ')}`,
        );
      }
    }
    for (const [key, spec] of Object.entries(specs)) {
      const keyPath = childPath(path, key);
      const value = Object.hasOwn(given, key) ? given[key] : undefined;
      if (value === undefined) {
        if (spec.required) this.error(keyPath, `is required (${spec.help})`);
        if (spec.default !== undefined) values[key] = spec.default;
        continue;
      }
      values[key] = this.paramValue(spec, value, keyPath, key);
    }
    return values;
  }

  private paramValue(spec: ParamSpec, value: unknown, path: string, key: string): unknown {
    switch (spec.kind) {
      case 'metric':
        return this.oneOf(value, METRIC_NAMES, path, 'metric');
      case 'aggregate':
        return this.oneOf(value, AGGREGATES, path, 'aggregate');
      case 'comparison':
        return this.oneOf(value, COMPARISONS, path, 'comparison');
      case 'span':
        if (!isObject(value)) {
          this.error(
            path,
            `must be an object with days, endOffsetDays, aggregate, minDays, not ${typeName(value)}`,
          );
          return undefined;
        }
        return this.paramGroup(spec.span ?? {}, value, path, `"${key}"`);
      case 'number':
        return this.number(value, path);
      case 'days':
      case 'offset':
      case 'minDays': {
        const days = this.number(value, path);
        if (days === null) return null;
        const least = spec.kind === 'offset' ? 0 : 1;
        if (!Number.isInteger(days) || days < least) {
          this.error(path, `must be a whole number of days, ${least} or more (is ${days})`);
        } else if (days > this.retentionDays) {
          this.error(
            path,
            `is ${days} days, longer than the ${this.retentionDays} days of data kept`,
          );
        }
        return days;
      }
    }
  }

  private oneOf(value: unknown, allowed: readonly string[], path: string, what: string): unknown {
    if (typeof value !== 'string' || !allowed.includes(value)) {
      this.error(
        path,
        `unknown ${what} ${JSON.stringify(value)}; use one of ${allowed.join(', ')}`,
      );
    }
    return value;
  }

  /** Rules between params: reach, minimum days, and baselines that must end before the recent days. */
  private factRules(
    fact: FactName,
    p: Record<string, unknown>,
    path: string,
    tested: boolean,
  ): void {
    const metric = String(p.metric);
    const span = (
      group: Record<string, unknown>,
      groupPath: string,
      role: DaySpan['role'],
      days = Number(group.days),
    ): DaySpan | null => {
      const newest = Number(group.endOffsetDays);
      const oldest = newest + days - 1;
      if (oldest >= this.retentionDays) {
        this.error(
          groupPath,
          `reaches back to day -${oldest}, beyond the ${this.retentionDays} days of data kept`,
        );
        return null;
      }
      if (group.minDays !== undefined && Number(group.minDays) > days) {
        this.error(
          `${groupPath}.minDays`,
          `asks for ${String(group.minDays)} days with data, but the span has only ${days} days`,
        );
      }
      return { metric, role, newest, oldest, path: groupPath };
    };
    const overlap = (recent: DaySpan | null, baseline: DaySpan | null, fix: string): void => {
      if (recent && baseline && baseline.newest <= recent.oldest) {
        this.error(
          fix,
          `the baseline (days -${baseline.oldest} to -${baseline.newest}) overlaps the recent days (-${recent.oldest} to -${recent.newest}); set endOffsetDays to at least ${recent.oldest + 1}`,
        );
      }
    };
    const remember = (found: DaySpan | null): void => {
      if (found && tested) this.spans.push(found);
    };
    switch (fact) {
      case 'window':
      case 'coverage':
        remember(span(p, path, 'recent'));
        return;
      case 'baseline':
        remember(span(p, path, 'baseline'));
        return;
      case 'delta':
      case 'percentChange':
      case 'zscore': {
        const recent = span(p.recent as Record<string, unknown>, `${path}.recent`, 'recent');
        const baseline = span(
          p.baseline as Record<string, unknown>,
          `${path}.baseline`,
          'baseline',
        );
        overlap(recent, baseline, `${path}.baseline.endOffsetDays`);
        return;
      }
      case 'streak': {
        const hasValue = p.value !== undefined;
        const hasBaseline = p.baseline !== undefined;
        if (hasValue === hasBaseline) {
          this.error(
            path,
            'a streak needs exactly one threshold: "value", or "baseline" (with "offset" or "factor")',
          );
          return;
        }
        const counted = span(p, path, 'recent', Number(p.maxDays));
        if (hasBaseline) {
          const baseline = span(
            p.baseline as Record<string, unknown>,
            `${path}.baseline`,
            'baseline',
          );
          overlap(counted, baseline, `${path}.baseline.endOffsetDays`);
        }
        return;
      }
      case 'daysSinceSync':
      case 'daysSinceDeviceSync':
      case 'daysWithData':
      case 'streamsStopped':
        return;
    }
  }

  /** A baseline fact must not read days that a recent window of the same metric also reads. */
  crossSpans(): void {
    for (const baseline of this.spans.filter((span) => span.role === 'baseline')) {
      for (const recent of this.spans.filter(
        (span) => span.role === 'recent' && span.metric === baseline.metric,
      )) {
        if (baseline.newest <= recent.oldest && recent.newest <= baseline.oldest) {
          this.error(
            `${baseline.path}.endOffsetDays`,
            `the baseline (days -${baseline.oldest} to -${baseline.newest}) overlaps the recent window at ${recent.path} (days -${recent.oldest} to -${recent.newest})`,
          );
        }
      }
    }
  }

  recipients(value: unknown): void {
    if (!Array.isArray(value) || value.length === 0) {
      this.error('$.recipients', 'must be a list of at least one recipient, e.g. ["provider"]');
      return;
    }
    const seen = new Set<string>();
    value.forEach((recipient, i) => {
      const path = `$.recipients[${i}]`;
      if (typeof recipient !== 'string' || !RECIPIENT_PATTERN.test(recipient)) {
        this.error(
          path,
          `must be "provider", "user:<OpenEMR username>" or "group:<OpenEMR ACL group>", not ${typeName(recipient)}`,
        );
        return;
      }
      if (seen.has(recipient)) this.error(path, `"${recipient}" is listed twice`);
      seen.add(recipient);
      const directory = this.options.directory;
      const [kind, name] = recipient.split(':');
      if (directory && kind === 'user' && !directory.users.has(name)) {
        this.error(path, `OpenEMR has no active user "${name}"`);
      }
      if (directory && kind === 'group' && !directory.groups.has(name)) {
        this.error(path, `OpenEMR has no ACL group "${name}"`);
      }
    });
  }

  deliver(value: unknown): void {
    if (!isObject(value)) {
      this.error(
        '$.deliver',
        `must be an object with channels, reminderDueInDays and priority, not ${typeName(value)}`,
      );
      return;
    }
    for (const key of Object.keys(value)) {
      if (!['channels', 'reminderDueInDays', 'priority'].includes(key)) {
        this.error(
          childPath('$.deliver', key),
          'is not a delivery field; use channels, reminderDueInDays, priority',
        );
      }
    }
    const channels = value.channels;
    if (!Array.isArray(channels) || channels.length === 0) {
      this.error(
        '$.deliver.channels',
        'must be a list: ["message"], ["reminder"] or ["message", "reminder"]',
      );
    } else {
      channels.forEach((channel, i) => {
        if (!CHANNELS.some((known) => known === channel)) {
          this.error(
            `$.deliver.channels[${i}]`,
            `must be "message" or "reminder", not ${typeName(channel)}`,
          );
        } else if (channels.indexOf(channel) !== i) {
          this.error(`$.deliver.channels[${i}]`, `"${String(channel)}" is listed twice`);
        }
      });
    }
    const due = value.reminderDueInDays;
    if (looksNumeric(due)) {
      this.error('$.deliver.reminderDueInDays', numberAsTextMessage(due));
    } else if (typeof due !== 'number' || !Number.isInteger(due) || due < 0 || due > 365) {
      this.error('$.deliver.reminderDueInDays', 'must be a whole number of days from 0 to 365');
    }
    if (typeof value.priority !== 'string' || !PRIORITIES.includes(value.priority)) {
      this.error('$.deliver.priority', `must be one of ${PRIORITIES.join(', ')}`);
    }
  }

  inhibitedBy(value: unknown, ownId: unknown): void {
    if (!Array.isArray(value)) {
      this.error('$.inhibitedBy', 'must be a list of rule ids (may be empty)');
      return;
    }
    value.forEach((id, i) => {
      if (typeof id !== 'string' || !RULE_ID_PATTERN.test(id)) {
        this.error(`$.inhibitedBy[${i}]`, `must be a rule id, not ${typeName(id)}`);
      } else if (id === ownId) {
        this.error(`$.inhibitedBy[${i}]`, 'a rule cannot inhibit itself');
      }
    });
  }

  report(value: unknown): void {
    if (value === undefined) return;
    if (!isObject(value)) {
      this.error('$.report', `must be an object of named facts, not ${typeName(value)}`);
      return;
    }
    for (const [name, reported] of Object.entries(value)) {
      const path = childPath('$.report', name);
      this.name(name, path);
      if (!isObject(reported)) {
        this.error(path, `must be { "fact": ..., "params": {...} }, not ${typeName(reported)}`);
        continue;
      }
      for (const key of Object.keys(reported)) {
        if (key !== 'fact' && key !== 'params')
          this.error(childPath(path, key), 'is not allowed; use fact and params');
      }
      const fact = this.factName(reported.fact, `${path}.fact`);
      if (fact) this.factParams(fact, reported.params, `${path}.params`, false);
    }
  }
}

/** Forbidden keys and runaway nesting, found in document order before anything reads the value. */
function checkShape(root: unknown): RuleError[] {
  const errors: RuleError[] = [];
  const stack: { key: string | number | null; value: unknown; path: string; depth: number }[] = [
    { key: null, value: root, path: '$', depth: 0 },
  ];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { key, value, path, depth } = item;
    if (typeof key === 'string' && FORBIDDEN_KEYS.has(key)) {
      errors.push({ path, message: `"${key}" is not allowed as a key` });
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_JSON_DEPTH) {
      return [...errors, { path, message: `is nested more than ${MAX_JSON_DEPTH} levels deep` }];
    }
    const children: [string | number, unknown][] = Array.isArray(value)
      ? value.map((child, i) => [i, child])
      : Object.keys(value).map((name) => [name, (value as Json)[name]]);
    for (const [childKey, child] of children.reverse()) {
      stack.push({
        key: childKey,
        value: child,
        path: childPath(path, childKey),
        depth: depth + 1,
      });
    }
  }
  return errors;
}

/** The params given as numbers, and the names of those given with a refused value. */
function checkParams(
  value: unknown,
  errors: RuleError[],
): { params: Record<string, number>; refused: Set<string> } {
  const params: Record<string, number> = {};
  const refused = new Set<string>();
  if (!isObject(value)) {
    errors.push({
      path: '$.params',
      message: `must be an object of named numbers (may be empty), not ${typeName(value)}`,
    });
    return { params, refused };
  }
  for (const [name, number] of Object.entries(value)) {
    const path = childPath('$.params', name);
    if (!PARAM_NAME_PATTERN.test(name)) {
      errors.push({
        path,
        message: 'a param name must be letters and digits, starting with a letter',
      });
      refused.add(name);
    } else if (looksNumeric(number)) {
      errors.push({ path, message: numberAsTextMessage(number) });
      refused.add(name);
    } else if (typeof number !== 'number' || !Number.isFinite(number)) {
      errors.push({ path, message: `must be a number, not ${typeName(number)}` });
      refused.add(name);
    } else {
      params[name] = number;
    }
  }
  return { params, refused };
}

/**
 * Validates a parsed rule. Errors carry a JSON path and plain words; a rule comes
 * back only when there are none, as a copy that shares nothing with the input.
 */
export function validateRule(value: unknown, options: RuleValidationOptions = {}): RuleValidation {
  const shapeErrors = checkShape(value);
  if (shapeErrors.length > 0) return { rule: null, errors: shapeErrors };
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
  if (bytes > MAX_RULE_BYTES) {
    return {
      rule: null,
      errors: [
        {
          path: '$',
          message: `is ${Math.ceil(bytes / 1024)} KB; a rule may be at most ${MAX_RULE_BYTES / 1024} KB`,
        },
      ],
    };
  }
  if (!isObject(value)) {
    return {
      rule: null,
      errors: [{ path: '$', message: `must be a rule object, not ${typeName(value)}` }],
    };
  }
  const errors: RuleError[] = [];
  for (const key of Object.keys(value)) {
    if (!RULE_FIELDS.includes(key))
      errors.push({
        path: childPath('$', key),
        message: `is not a rule field; use ${RULE_FIELDS.join(', ')}`,
      });
  }
  for (const key of REQUIRED_FIELDS) {
    if (!Object.hasOwn(value, key)) errors.push({ path: `$.${key}`, message: 'is required' });
  }
  errors.push(...checkRuleFields(value));
  const { params, refused } = Object.hasOwn(value, 'params')
    ? checkParams(value.params, errors)
    : { params: {}, refused: new Set<string>() };
  errors.push(...checkParamDetails(value.paramDetails, params, refused));
  const checker = new RuleChecker(params, options, refused);
  if (Object.hasOwn(value, 'conditions')) checker.condition(value.conditions, '$.conditions', 1);
  checker.crossSpans();
  checker.report(value.report);
  if (Object.hasOwn(value, 'recipients')) checker.recipients(value.recipients);
  if (Object.hasOwn(value, 'deliver')) checker.deliver(value.deliver);
  if (Object.hasOwn(value, 'inhibitedBy')) checker.inhibitedBy(value.inhibitedBy, value.id);
  if (typeof value.message === 'string') {
    const known = checker.knownNames();
    for (const name of placeholders(value.message)) {
      if (!known.has(name)) {
        checker.error('$.message', `{{${name}}} names no condition, reported fact or params entry`);
      }
    }
  }
  errors.push(...checker.errors);
  if (errors.length > 0) return { rule: null, errors };
  return { rule: structuredClone(value) as unknown as RuleDefinition, errors: [] };
}

/** Validates a rule file's text: its size first, then its JSON, then the rule. */
export function validateRuleText(
  text: string,
  options: RuleValidationOptions = {},
): RuleValidation {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_RULE_BYTES) {
    return {
      rule: null,
      errors: [
        {
          path: '$',
          message: `is ${Math.ceil(bytes / 1024)} KB; a rule file may be at most ${MAX_RULE_BYTES / 1024} KB`,
        },
      ],
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      rule: null,
      errors: [{ path: '$', message: `is not valid JSON: ${(error as Error).message}` }],
    };
  }
  return validateRule(value, options);
}

/**
 * Validates program or patient overrides of a rule's params: each must be a
 * param the rule defines, a number, and keep every window of the rule sound.
 */
export function validateParamOverrides(
  rule: RuleDefinition,
  overrides: unknown,
  options: RuleValidationOptions = {},
): RuleError[] {
  if (!isObject(overrides)) {
    return [
      { path: '$', message: `must be an object of named numbers, not ${typeName(overrides)}` },
    ];
  }
  const errors: RuleError[] = [];
  const { params: checked } = checkParams(overrides, errors);
  for (const name of Object.keys(checked)) {
    if (!Object.hasOwn(rule.params, name)) {
      errors.push({
        path: childPath('$', name),
        message: `is not a param of rule "${rule.id}"; it has ${Object.keys(rule.params).join(', ') || 'none'}`,
      });
    }
  }
  if (errors.length > 0)
    return errors.map((error) => ({ ...error, path: error.path.replace(/^\$\.params/, '$') }));
  const merged = validateRule({ ...rule, params: { ...rule.params, ...checked } }, options);
  // An overridden value out of its range is the override's own mistake: name it where it was given.
  const given = new Set(Object.keys(checked).map((name) => childPath('$.params', name)));
  return merged.errors.map((error) =>
    given.has(error.path)
      ? { path: `$${error.path.slice('$.params'.length)}`, message: error.message }
      : { path: error.path, message: `${error.message} (with these overrides)` },
  );
}
