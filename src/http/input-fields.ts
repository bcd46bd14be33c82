import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsOptional, ValidateBy, type ValidationArguments } from 'class-validator';
import { daysBetween, isLocalDate } from '../time';
import { InvalidInputException } from './problem.filter';

/** The largest pid JSON and JavaScript carry exactly. */
export const MAX_PID = Number.MAX_SAFE_INTEGER;

/** True for a real calendar date written YYYY-MM-DD (2026-02-30 and 2026-13-01 are not). */
export function isCalendarDate(value: unknown): value is string {
  return typeof value === 'string' && isLocalDate(value);
}

const missing = (args: ValidationArguments): boolean =>
  args.value === undefined || args.value === null || args.value === '';

/** A program name, wherever one is written (enrollments, filters, rule settings). */
export const PROGRAM_NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/;
export const PROGRAM_NAME_SHAPE =
  'a program name: 1-64 letters, digits, spaces, dots, dashes or underscores';

/**
 * One rule for every id written in a path (/alerts/:id, /rules/:id/versions/:version,
 * /api/v1/tokens/:id, ...): text that cannot be an id of its kind ("abc" for an
 * alert) is a bad request, 400 naming the parameter, as a text pid is; an id of
 * the right shape that names nothing is 404. Pages show the 400 as an error
 * page naming the parameter (StaffPageErrors), the API as its JSON problem.
 */
export function pathParam(
  name: string,
  value: string,
  valid: RegExp | ((value: string) => boolean),
  shape: string,
): string {
  if (!(typeof valid === 'function' ? valid(value) : valid.test(value)))
    throw new InvalidInputException(
      [{ path: name, message: `${name} must be ${shape}` }],
      `The address is not valid: ${name} is not ${shape.replace(/:.*$/, '')}`,
    );
  return value;
}

/**
 * An OpenEMR pid: one check and one message, so a missing or text pid is
 * never reported as "too large" by whichever of three checks ran first.
 */
export function IsPid(field = 'pid'): PropertyDecorator {
  return ValidateBy({
    name: 'isPid',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'number' && Number.isSafeInteger(value) && value >= 1,
      defaultMessage: (args?: ValidationArguments) =>
        args && missing(args)
          ? `${field} is required: a whole number, 1 or more`
          : `${field} must be a whole number from 1 to ${MAX_PID}`,
    },
  });
}

/**
 * A pid written in a path, query or form: digits only. `Number()` would read
 * "1e3", "0x10" and " 2" as 1000, 16 and 2, so another patient's URL would
 * answer; anything but digits is left as text for IsPid to refuse.
 */
export const PidFromText = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value,
  );

/** A local date YYYY-MM-DD that exists on the calendar; the message names the field. */
export function IsLocalDate(field: string): PropertyDecorator {
  return ValidateBy({
    name: 'isLocalDate',
    validator: {
      validate: isCalendarDate,
      defaultMessage: (args?: ValidationArguments) =>
        args && missing(args)
          ? `${field} is required: a date written YYYY-MM-DD`
          : `${field} must be a calendar date written YYYY-MM-DD, not "${String(args?.value).slice(0, 40)}"`,
    },
  });
}

export const OptionalLocalDate = (field: string): PropertyDecorator =>
  applyDecorators(IsOptional(), IsLocalDate(field));

/** A range of local dates, both already valid dates: `to` not before `from`, at most `maxDays`. */
export function dateRangeProblems(
  from: string,
  to: string,
  maxDays: number,
): { path: string; message: string }[] {
  if (to < from) return [{ path: 'to', message: `to (${to}) must not be before from (${from})` }];
  const days = daysBetween(from, to) + 1;
  if (days > maxDays)
    return [
      {
        path: 'to',
        message: `from ${from} to ${to} is ${days} days; at most ${maxDays} at once`,
      },
    ];
  return [];
}
