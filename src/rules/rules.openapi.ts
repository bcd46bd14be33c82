import {
  anyObject,
  flag,
  instant,
  integer,
  list,
  localDate,
  nullable,
  numbersByName,
  oneOf,
  shape,
  text,
} from '../http/openapi';

/** What the rules routes answer, for /docs. */

export const RULE = anyObject('A rule in the format of GET /api/v1/rules/schema (docs/rules.md)');

const PROBLEM_AT = shape({
  path: text('JSON path in the rule, e.g. $.params.deltaBpm'),
  message: text(),
});

export const RULE_VIEW = shape({
  id: text(),
  version: integer('The version in force'),
  origin: oneOf(['file', 'api'], 'From the rules folder, or written through the API or editor'),
  enabledByDefault: flag('Runs for every program unless switched off (folder rules)'),
  updatedAt: instant(),
  programs: list(
    shape({
      program: text(),
      enabled: nullable(flag('null: the rule default')),
      params: numbersByName("The program's param overrides"),
      updatedBy: text(),
      updatedAt: instant(),
    }),
  ),
  definition: RULE,
});

export const RULE_CHECK = shape({
  valid: flag(),
  errors: list(PROBLEM_AT),
  warnings: list(PROBLEM_AT, 'What this installation cannot do; the rule still runs'),
});

const FILE_PROBLEM = shape({ file: text(), path: text(), message: text() });

export const FOLDER_SYNC = shape({
  directory: text(),
  changed: list(shape({ id: text(), version: integer() })),
  unchanged: list(text()),
  errors: list(FILE_PROBLEM, 'Bad files: their rules keep their last good version'),
  warnings: list(FILE_PROBLEM),
});

export const RULE_VERSIONS = list(
  shape({
    version: integer(),
    source: oneOf(['file', 'api']),
    createdBy: text(),
    createdAt: instant(),
    changes: nullable(
      list(anyObject('One changed JSON path: {path, before, after}'), 'null for the first version'),
    ),
  }),
);

export const OUTCOMES = list(
  shape({
    date: localDate("The patient's local date evaluated"),
    rule: text(),
    ruleVersion: integer(),
    result: oneOf(['true', 'false', 'insufficient_data']),
    facts: {
      type: 'object',
      additionalProperties: { type: 'number', nullable: true },
      description: 'Deciding and reported values by name (null: not enough data)',
    },
    message: text(),
    evaluatedAt: instant(),
  }),
);

export const PATIENT_PARAMS = list(
  shape({ rule: text(), params: numbersByName("The patient's overrides") }),
);

export const PATIENT_RULE_PARAMS = shape({
  pid: integer(),
  rule: text(),
  params: numbersByName("The patient's overrides"),
});
