import { plainToInstance } from 'class-transformer';
import { applyDecorators } from '@nestjs/common';
import { IsIn, IsOptional, Matches, validateSync } from 'class-validator';
import type { FieldProblem } from '../http/problem.filter';
import { fieldProblems } from '../http/validation';

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type PageInput<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

/**
 * Validates a page's query or form the way the API validates JSON (strict,
 * every problem named by its field), but hands the problems back so the page
 * can show them next to the form instead of answering with JSON. An empty
 * field of a plain HTML form means "not given".
 */
export function readPageInput<T extends object>(
  type: new () => T,
  input: unknown,
  ignore: readonly string[] = ['_csrf'],
): PageInput<T> {
  const given = Object.fromEntries(
    Object.entries((input ?? {}) as Record<string, unknown>).filter(
      ([key, value]) => value !== '' && !ignore.includes(key),
    ),
  );
  // A form or query is flat text. Nested objects and prototype keys (a JSON body
  // posted at a page) would make class-transformer throw, or worse: refuse them here.
  const odd = Object.entries(given).filter(
    ([key, value]) => PROTOTYPE_KEYS.has(key) || (typeof value === 'object' && value !== null),
  );
  if (odd.length > 0)
    return {
      ok: false,
      problems: odd.map(([key]) => ({ path: key, message: `${key} must be plain text` })),
    };
  const value = plainToInstance(type, given);
  const errors = validateSync(value, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  return errors.length === 0 ? { ok: true, value } : { ok: false, problems: fieldProblems(errors) };
}

/** An optional field that must be one of the given words; the message names them. */
export function OptionalOneOf(field: string, values: readonly string[]): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    IsIn(values, { message: `${field} must be one of ${values.join(', ')}` }),
  );
}

/** A patient id (pid) as text in a page's query. */
export const PID_TEXT = /^[1-9]\d{0,14}$/;

export function OptionalPidText(): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    Matches(PID_TEXT, { message: 'pid must be a whole number, 1 or more' }),
  );
}

/** A program name, as the enrollments API accepts it. */
export function OptionalProgramName(): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    Matches(/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/, {
      message: 'program must be 1-64 letters, digits, spaces, dots, dashes or underscores',
    }),
  );
}
