import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { JsonLogger } from '../logging/json-logger';
import { redactUrl } from '../logging/redact';
import { requestContext } from '../logging/request-context';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Gives each request an id (the caller's `X-Request-Id` when it is sane), echoes
 * it, and logs one line per request with a redacted path, never the query string.
 */
export function requestLogging(logger: JsonLogger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const offered = req.header('x-request-id');
    const requestId = offered && REQUEST_ID.test(offered) ? offered : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    requestContext.run({ requestId }, () => {
      res.on('finish', () => {
        requestContext.run({ requestId }, () =>
          logger.info('request', {
            method: req.method,
            path: redactUrl(req.originalUrl),
            status: res.statusCode,
            ms: Number((process.hrtime.bigint() - started) / 1_000_000n),
          }),
        );
      });
      next();
    });
  };
}
