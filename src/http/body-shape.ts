import express, { type RequestHandler } from 'express';

/**
 * Limits on the shape of a request body, checked on the raw bytes before they
 * are parsed, so nothing recursive (class-transformer, class-validator) ever
 * walks a hostile tree. A 5,000-deep body is 25 KB, well under the size limit,
 * and used to overflow the stack in validation.
 */
export const BODY_LIMITS = {
  /** Nesting of objects and arrays in a JSON body. */
  maxDepth: 64,
  /** Object members in a whole JSON body, counted at every level. */
  maxKeys: 5_000,
  /** Fields in a form body. */
  maxFormFields: 200,
  jsonBytes: '256kb',
  formBytes: '64kb',
} as const;

/** A body refused for its shape: 400, and its message names the limit. */
export class BodyShapeError extends Error {
  readonly status = 400;
  readonly expose = true;
  readonly type = 'entity.shape.refused';
}

/** A body Vigil does not read (or cannot parse): its status, and a message naming the body. */
export class BodyRefusedError extends Error {
  readonly expose = true;
  readonly type = 'entity.refused';
  constructor(
    readonly status: 400 | 415,
    message: string,
  ) {
    super(message);
  }
}

const READ_TYPES = ['application/json', 'application/x-www-form-urlencoded'];

/**
 * Without this, a body in any other type (text/plain, XML, multipart) passes
 * both parsers untouched and reaches the route as an empty body: a rule "not a
 * rule object", an enrollment "pid is required" though it was sent, an
 * acknowledgement that ignores its note.
 */
const readableBodyType: RequestHandler = (req, _res, next) => {
  const length = req.headers['content-length'];
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (!hasBody || READ_TYPES.includes(type) || /^application\/[\w.-]+\+json$/.test(type))
    return next();
  next(
    new BodyRefusedError(
      415,
      `The request body is ${type || 'of no declared type'}; send application/json (or a form, application/x-www-form-urlencoded)`,
    ),
  );
};

/**
 * The JSON parser's own errors name neither the body nor the rule: strict mode
 * answers `null` with "Unexpected token 'n', "null" is not valid JSON".
 */
const namingTheBody =
  (parse: RequestHandler): RequestHandler =>
  (req, res, next) =>
    parse(req, res, (error?: unknown) => {
      const failed = error as { type?: unknown; body?: unknown; message?: string } | undefined;
      if (failed?.type !== 'entity.parse.failed') return next(error);
      const text = typeof failed.body === 'string' ? failed.body.trim() : '';
      const bare = text !== '' && !text.startsWith('{') && !text.startsWith('[');
      next(
        new BodyRefusedError(
          400,
          bare
            ? 'The request body must be a JSON object (or a list), not a bare value'
            : `The request body is not valid JSON: ${failed.message ?? 'it cannot be read'}`,
        ),
      );
    });

/**
 * Depth and member count of JSON text in one pass, without parsing or
 * recursion. Strings are skipped (brackets and colons inside them do not
 * count); malformed text is left for the parser to refuse.
 */
export function jsonShapeProblem(text: string, limits = BODY_LIMITS): string | null {
  let depth = 0;
  let keys = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limits.maxDepth)
        return `The JSON body is nested more than ${limits.maxDepth} levels deep`;
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x3a && ++keys > limits.maxKeys)
      return `The JSON body has more than ${limits.maxKeys} keys`;
  }
  return null;
}

/** Field count of an `application/x-www-form-urlencoded` body. */
export function formShapeProblem(text: string, limits = BODY_LIMITS): string | null {
  let fields = text.length > 0 ? 1 : 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0x26) fields++;
  return fields > limits.maxFormFields
    ? `The form has more than ${limits.maxFormFields} fields`
    : null;
}

type Verify = (req: { rawBody?: Buffer }, res: unknown, buffer: Buffer) => void;

const checked =
  (problemOf: (text: string) => string | null): Verify =>
  (req, _res, buffer) => {
    // Webhook signatures cover the exact bytes received.
    req.rawBody = buffer;
    const problem = problemOf(buffer.toString('utf8'));
    if (problem) throw new BodyShapeError(problem);
  };

/** The JSON and form parsers every route goes through. */
export function bodyParsers(): RequestHandler[] {
  return [
    readableBodyType,
    namingTheBody(
      express.json({
        limit: BODY_LIMITS.jsonBytes,
        verify: checked(jsonShapeProblem) as never,
      }),
    ),
    express.urlencoded({
      limit: BODY_LIMITS.formBytes,
      extended: false,
      // Above our own limit, so the check above answers first with its own message.
      parameterLimit: BODY_LIMITS.maxFormFields + 1,
      verify: checked(formShapeProblem) as never,
    }),
  ];
}
