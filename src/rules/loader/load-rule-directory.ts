import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuleDefinition } from '../rule-definition';
import { RuleValidationOptions, validateRuleText } from '../validation/validate-rule';

/** A problem in one file of the rules folder. */
export interface RuleFileError {
  file: string;
  path: string;
  message: string;
}

export interface LoadedRules {
  rules: RuleDefinition[];
  errors: RuleFileError[];
}

/**
 * Reads and validates every `*.json` in a rules folder, in name order. A file is
 * refused when it is invalid, when its name is not `<id>.json`, or when it is
 * inhibited by a rule the folder does not hold; the other files still load.
 */
export function loadRuleDirectory(
  directory: string,
  options: RuleValidationOptions = {},
): LoadedRules {
  const errors: RuleFileError[] = [];
  const valid: { file: string; rule: RuleDefinition }[] = [];
  const files = readdirSync(directory)
    .filter((name) => name.endsWith('.json'))
    .sort();
  for (const file of files) {
    const { rule, errors: found } = validateRuleText(
      readFileSync(join(directory, file), 'utf8'),
      options,
    );
    errors.push(...found.map((error) => ({ file, ...error })));
    if (!rule) continue;
    if (file !== `${rule.id}.json`) {
      errors.push({
        file,
        path: '$.id',
        message: `is "${rule.id}", so the file must be named ${rule.id}.json`,
      });
      continue;
    }
    valid.push({ file, rule });
  }
  const ids = new Set(valid.map(({ rule }) => rule.id));
  const rules: RuleDefinition[] = [];
  for (const { file, rule } of valid) {
    const missing = rule.inhibitedBy.map((id, i) => ({ id, i })).filter(({ id }) => !ids.has(id));
    errors.push(
      ...missing.map(({ id, i }) => ({
        file,
        path: `$.inhibitedBy[${i}]`,
        message: `names the rule "${id}", which is not in ${directory}`,
      })),
    );
    if (missing.length === 0) rules.push(rule);
  }
  return { rules, errors };
}
