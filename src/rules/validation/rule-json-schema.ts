import { SEVERITIES } from '../rule-definition';
import { AGGREGATES, COMPARISONS, FACTS, METRIC_NAMES, ParamSpec } from '../facts/fact-catalog';
import { OPERATOR_NAMES, RANGE_OPERATORS } from '../engine/operators';
import { MAX_CONDITION_DEPTH, REQUIRED_FIELDS } from './validate-rule';

type Schema = Record<string, unknown>;

const PARAM_REFERENCE: Schema = {
  type: 'object',
  properties: { param: { type: 'string' } },
  required: ['param'],
  additionalProperties: false,
};
const NUMBER_OR_PARAM: Schema = { oneOf: [{ type: 'number' }, PARAM_REFERENCE] };

function paramSchema(spec: ParamSpec): Schema {
  const described = {
    description: spec.help,
    ...(spec.default === undefined ? {} : { default: spec.default }),
  };
  switch (spec.kind) {
    case 'metric':
      return { ...described, enum: METRIC_NAMES };
    case 'aggregate':
      return { ...described, enum: [...AGGREGATES] };
    case 'comparison':
      return { ...described, enum: [...COMPARISONS] };
    case 'span':
      return { ...described, ...paramsSchema(spec.span ?? {}) };
    case 'number':
      return { ...described, ...NUMBER_OR_PARAM };
    case 'days':
    case 'minDays':
    case 'offset':
      return {
        ...described,
        oneOf: [{ type: 'integer', minimum: spec.kind === 'offset' ? 0 : 1 }, PARAM_REFERENCE],
      };
  }
}

function paramsSchema(specs: Record<string, ParamSpec>): Schema {
  return {
    type: 'object',
    properties: Object.fromEntries(
      Object.entries(specs).map(([key, spec]) => [key, paramSchema(spec)]),
    ),
    required: Object.entries(specs)
      .filter(([, spec]) => spec.required)
      .map(([key]) => key),
    additionalProperties: false,
  };
}

const FACT_REFERENCES = Object.entries(FACTS).map(([fact, spec]) => ({
  description: spec.help,
  properties: { fact: { const: fact }, params: paramsSchema(spec.params) },
}));

const RANGE = {
  type: 'array',
  prefixItems: [NUMBER_OR_PARAM, NUMBER_OR_PARAM],
  items: false,
  minItems: 2,
};
const VALUE_NAME = { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9]*(\\.[A-Za-z0-9]+)*$' };

/**
 * The rule format as JSON Schema (draft 2020-12), for editors and API clients.
 * Some rules need the whole rule to check (params referenced but not defined,
 * overlapping windows, data retention): `validateRule` is the authority.
 */
export const RULE_JSON_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://vigil.invalid/api/v1/rules/schema',
  title: 'Vigil rule',
  description: `A clinician-authored rule over a patient's daily aggregates. Conditions nest at most ${MAX_CONDITION_DEPTH} levels; a rule is at most 64 KB.`,
  type: 'object',
  required: [...REQUIRED_FIELDS],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 64 },
    title: { type: 'string', minLength: 1, maxLength: 120 },
    description: { type: 'string', minLength: 1, maxLength: 4000 },
    severity: { enum: [...SEVERITIES] },
    params: {
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9]*$' },
      additionalProperties: { type: 'number' },
    },
    paramDetails: {
      type: 'object',
      description: "Each param's label, unit, range and help, for the editor's form",
      propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9]*$' },
      additionalProperties: {
        type: 'object',
        required: ['label', 'help'],
        additionalProperties: false,
        properties: {
          label: { type: 'string', minLength: 1, maxLength: 80 },
          unit: { type: 'string', minLength: 1, maxLength: 20 },
          min: { type: 'number' },
          max: { type: 'number' },
          step: { type: 'number', exclusiveMinimum: 0 },
          help: { type: 'string', minLength: 1, maxLength: 500 },
        },
      },
    },
    conditions: { $ref: '#/$defs/group' },
    forDays: { type: 'integer', minimum: 1, maximum: 365 },
    resolveAfterDays: { type: 'integer', minimum: 1, maximum: 365 },
    repeatAfterDays: { type: 'integer', minimum: 0, maximum: 365 },
    staleAfterDays: { type: 'integer', minimum: 1, maximum: 365 },
    acknowledgeWithinHours: { type: 'integer', minimum: 1, maximum: 720 },
    recipients: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', pattern: '^(provider|(user|group):[A-Za-z0-9._@-]{1,64})$' },
    },
    deliver: {
      type: 'object',
      required: ['channels', 'reminderDueInDays', 'priority'],
      additionalProperties: false,
      properties: {
        channels: {
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          items: { enum: ['message', 'reminder'] },
        },
        reminderDueInDays: { type: 'integer', minimum: 0, maximum: 365 },
        priority: { enum: ['high', 'medium', 'low'] },
      },
    },
    inhibitedBy: { type: 'array', items: { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' } },
    message: { type: 'string', minLength: 1, maxLength: 1000 },
    report: {
      type: 'object',
      propertyNames: VALUE_NAME,
      additionalProperties: { $ref: '#/$defs/factReference' },
    },
  },
  $defs: {
    group: {
      oneOf: [
        {
          type: 'object',
          required: ['all'],
          additionalProperties: false,
          properties: { all: { type: 'array', minItems: 1, items: { $ref: '#/$defs/node' } } },
        },
        {
          type: 'object',
          required: ['any'],
          additionalProperties: false,
          properties: { any: { type: 'array', minItems: 1, items: { $ref: '#/$defs/node' } } },
        },
        {
          type: 'object',
          required: ['not'],
          additionalProperties: false,
          properties: { not: { $ref: '#/$defs/node' } },
        },
      ],
    },
    node: { oneOf: [{ $ref: '#/$defs/group' }, { $ref: '#/$defs/condition' }] },
    factReference: {
      type: 'object',
      required: ['fact'],
      properties: { fact: { type: 'string' }, params: { type: 'object' } },
      additionalProperties: false,
      oneOf: FACT_REFERENCES,
    },
    condition: {
      type: 'object',
      required: ['fact', 'operator', 'value'],
      additionalProperties: false,
      properties: {
        fact: { type: 'string' },
        params: { type: 'object' },
        operator: { enum: OPERATOR_NAMES },
        value: true,
        name: VALUE_NAME,
      },
      oneOf: FACT_REFERENCES,
      if: { properties: { operator: { enum: RANGE_OPERATORS } } },
      then: { properties: { value: RANGE } },
      else: { properties: { value: NUMBER_OR_PARAM } },
    },
  },
} as const;
