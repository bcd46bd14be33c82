import { IsIn, IsInt, IsString, Length, Matches, Max, Min, validateSync } from 'class-validator';
import { SEVERITIES } from '../rule-definition';
import { looksNumeric, numberAsTextMessage, RuleError } from './rule-error';

export const RULE_ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SLUG_MESSAGE =
  'must be a slug: lowercase letters, digits and single dashes, e.g. "resting-hr-rise"';
const WHOLE_DAYS = 'must be a whole number of days';

/** The flat fields of a rule; the nested ones (conditions, recipients, ...) are checked by hand for exact paths. */
class RuleFields {
  @Matches(RULE_ID_PATTERN, { message: SLUG_MESSAGE })
  @Length(1, 64, { message: 'must be 1 to 64 characters long' })
  @IsString({ message: 'must be text' })
  id: unknown;

  @Length(1, 120, { message: 'must be 1 to 120 characters long' })
  @IsString({ message: 'must be text' })
  title: unknown;

  @Length(1, 4000, { message: 'must be 1 to 4000 characters long' })
  @IsString({ message: 'must be text' })
  description: unknown;

  @IsIn(SEVERITIES, { message: `must be one of ${SEVERITIES.join(', ')}` })
  severity: unknown;

  @Max(365, { message: 'must be at most 365 days' })
  @Min(1, { message: 'must be at least 1 day' })
  @IsInt({ message: WHOLE_DAYS })
  forDays: unknown;

  @Max(365, { message: 'must be at most 365 days' })
  @Min(1, { message: 'must be at least 1 day' })
  @IsInt({ message: WHOLE_DAYS })
  resolveAfterDays: unknown;

  @Max(365, { message: 'must be at most 365 days' })
  @Min(0, { message: 'must be 0 (never) or more days' })
  @IsInt({ message: WHOLE_DAYS })
  repeatAfterDays: unknown;

  @Max(365, { message: 'must be at most 365 days' })
  @Min(1, { message: 'must be at least 1 day' })
  @IsInt({ message: WHOLE_DAYS })
  staleAfterDays: unknown;

  @Max(720, { message: 'must be at most 720 hours (30 days)' })
  @Min(1, { message: 'must be at least 1 hour' })
  @IsInt({ message: 'must be a whole number of hours' })
  acknowledgeWithinHours: unknown;

  @Length(1, 1000, { message: 'must be 1 to 1000 characters long' })
  @IsString({ message: 'must be text' })
  message: unknown;
}

const FIELD_NAMES = [
  'id',
  'title',
  'description',
  'severity',
  'forDays',
  'resolveAfterDays',
  'repeatAfterDays',
  'staleAfterDays',
  'acknowledgeWithinHours',
  'message',
] as const;

/** class-validator over the flat fields; the caller has already reported missing ones. */
export function checkRuleFields(rule: Record<string, unknown>): RuleError[] {
  const fields = new RuleFields();
  for (const name of FIELD_NAMES) fields[name] = rule[name];
  const errors: RuleError[] = [];
  for (const error of validateSync(fields, { stopAtFirstError: true })) {
    const value = rule[error.property];
    if (value === undefined) continue;
    const message =
      /(Days|Hours)$/.test(error.property) && looksNumeric(value)
        ? numberAsTextMessage(value)
        : Object.values(error.constraints ?? {})[0];
    errors.push({ path: `$.${error.property}`, message });
  }
  return errors;
}
