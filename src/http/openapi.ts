import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/**
 * What /docs says about every route: its success body, as a schema, and its
 * errors, all in the one problem shape that ProblemFilter writes. Test:
 * test/integration/openapi.spec.ts walks the document.
 */

export class FieldProblemBody {
  @ApiProperty({ description: 'Where: a field, or a JSON path in a rule', example: 'from' })
  path!: string;

  @ApiProperty({ example: 'from must be a calendar date written YYYY-MM-DD, not "2026-13-01"' })
  message!: string;
}

export class ProblemBody {
  @ApiProperty({ example: 400 })
  status!: number;

  @ApiProperty({
    example: 'invalid_request',
    description:
      'invalid_request, unauthenticated, forbidden, not_found, conflict, payload_too_large, rate_limited, unavailable, ...',
  })
  code!: string;

  @ApiProperty({ example: 'The request is not valid' })
  message!: string;

  @ApiPropertyOptional({ type: [FieldProblemBody], description: 'Each bad field, by its path' })
  errors?: FieldProblemBody[];

  @ApiProperty({ description: 'The X-Request-Id of the request, for the logs' })
  requestId!: string;
}

const PROBLEMS: Record<number, string> = {
  400: 'Invalid input: each problem names its field (errors[].path)',
  401: 'No bearer token or session, or one Vigil does not know',
  403: "The caller's role may not use this route",
  404: 'Nothing with that id (the message says what)',
  409: 'Conflict with the current state (the message says what)',
  429: 'Too many requests; retry after the Retry-After header',
};

/** Error answers of a route, each a {@link ProblemBody}. */
export function ApiProblems(
  ...statuses: (keyof typeof PROBLEMS)[]
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: PROBLEMS[status], type: ProblemBody }),
    ),
  );
}

/** A controller of bearer-token (or staff session) routes: every route can answer 401 and 403. */
export function ApiStaffRoutes(): ClassDecorator {
  return applyDecorators(ApiBearerAuth(), ApiProblems(401, 403));
}

/** The success answer of a route: its status, what it means and its JSON schema. */
export function ApiAnswer(
  schema: SchemaObject,
  description: string,
  status = 200,
): MethodDecorator & ClassDecorator {
  return ApiResponse({ status, description, schema });
}

/** Small schema builders, so each feature describes its answers in a few lines. */
export const text = (description?: string, extra: SchemaObject = {}): SchemaObject => ({
  type: 'string',
  ...(description ? { description } : {}),
  ...extra,
});
export const integer = (description?: string): SchemaObject => ({
  type: 'integer',
  ...(description ? { description } : {}),
});
export const decimal = (description?: string): SchemaObject => ({
  type: 'number',
  ...(description ? { description } : {}),
});
export const flag = (description?: string): SchemaObject => ({
  type: 'boolean',
  ...(description ? { description } : {}),
});
export const localDate = (description?: string): SchemaObject =>
  text(description, { format: 'date', example: '2026-11-29' });
export const instant = (description?: string): SchemaObject =>
  text(description, { format: 'date-time' });
export const oneOf = (values: readonly string[], description?: string): SchemaObject =>
  text(description, { enum: [...values] });
export const nullable = (schema: SchemaObject): SchemaObject => ({ ...schema, nullable: true });
export const list = (items: SchemaObject, description?: string): SchemaObject => ({
  type: 'array',
  items,
  ...(description ? { description } : {}),
});
/** An object whose every property is present (nullable ones may be null). */
export const shape = (
  properties: Record<string, SchemaObject>,
  description?: string,
): SchemaObject => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
  ...(description ? { description } : {}),
});
export const numbersByName = (description: string): SchemaObject => ({
  type: 'object',
  additionalProperties: { type: 'number' },
  description,
});
export const anyObject = (description: string): SchemaObject => ({
  type: 'object',
  additionalProperties: true,
  description,
});
