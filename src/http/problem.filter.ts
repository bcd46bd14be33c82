import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { Request, Response } from 'express';
import { BodyRefusedError, BodyShapeError } from './body-shape';
import { JsonLogger } from '../logging/json-logger';
import { currentRequestId } from '../logging/request-context';

/** A field that failed validation, named by its path in the request (`items[2].pid`). */
export interface FieldProblem {
  path: string;
  message: string;
}

/** Thrown for bad input; renders as 400 with every field problem listed. */
export class InvalidInputException extends HttpException {
  constructor(
    readonly problems: FieldProblem[],
    message = 'The request is not valid',
  ) {
    super({ message, problems }, HttpStatus.BAD_REQUEST);
  }
}

const CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
  503: 'unavailable',
};

/**
 * Every error leaves as `{status, code, message, errors?, requestId}`. Unknown
 * errors become a plain 500 whose details go to the log (redacted), never to
 * the caller.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly logger: JsonLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const requestId = currentRequestId();
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const request = host.switchToHttp().getRequest<Request>();
      if (status === 401 && wantsPage(request)) {
        response.redirect(303, `/login?next=${encodeURIComponent(request.originalUrl)}`);
        return;
      }
      // RFC 9110: a 401 names the scheme that would work.
      if (status === 401) response.setHeader('WWW-Authenticate', 'Bearer realm="vigil"');
      const body = exception.getResponse();
      const problems = exception instanceof InvalidInputException ? exception.problems : undefined;
      response.status(status).json({
        status,
        code: CODES[status] ?? (status >= 500 ? 'server_error' : 'error'),
        message: messageOf(body, exception.message),
        ...(problems ? { errors: problems } : {}),
        requestId,
      });
      return;
    }
    // body-parser errors carry their HTTP status (413 too large, 400 bad JSON, 415 our type check).
    const parserStatus = (exception as { status?: unknown; type?: unknown })?.status;
    if (typeof parserStatus === 'number' && parserStatus >= 400 && parserStatus < 500) {
      const tooLarge = parserStatus === 413;
      response.status(parserStatus).json({
        status: parserStatus,
        code: CODES[parserStatus] ?? 'invalid_request',
        message:
          exception instanceof BodyShapeError || exception instanceof BodyRefusedError
            ? exception.message
            : tooLarge
              ? 'The request body is too large'
              : 'The request body is not valid JSON',
        requestId,
      });
      return;
    }
    this.logger.error(
      exception instanceof Error ? exception : new Error('Non-error thrown'),
      'ProblemFilter',
    );
    response.status(500).json({
      status: 500,
      code: 'internal_error',
      message:
        'Something went wrong on our side; the request id helps the operator find it in the logs',
      requestId,
    });
  }
}

function messageOf(body: string | object, fallback: string): string {
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.join('; ');
  return fallback;
}

/** A person's browser asking for a staff page (not the API): send it to sign in instead. */
function wantsPage(request: Request): boolean {
  return (
    request.method === 'GET' &&
    !request.path.startsWith('/api/') &&
    /\btext\/html\b/.test(String(request.headers.accept ?? ''))
  );
}
