import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../../logging/logger';

export const REQUEST_ID_HEADER = 'X-Request-Id';

export const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** An incoming request id is kept only if it is safe to echo and to write into log lines. */
export function isSaneRequestId(value: string | undefined): value is string {
  return value !== undefined && SANE_REQUEST_ID.test(value);
}

/**
 * Gives every request an id (the caller's X-Request-Id when sane, else a new UUID), echoes it in
 * the response, puts a child logger carrying it on `res.locals.logger`, and logs one line per
 * request when the response is finished or the client goes away.
 */
export function requestIdMiddleware(logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const incoming = req.get(REQUEST_ID_HEADER);
    const requestId = isSaneRequestId(incoming) ? incoming : randomUUID();
    const requestLogger = logger.child({ requestId });

    res.locals.requestId = requestId;
    res.locals.logger = requestLogger;
    res.setHeader(REQUEST_ID_HEADER, requestId);

    const method = req.method;
    const path = req.originalUrl.split('?', 1)[0] ?? '';
    const durationMs = (): number => Number((process.hrtime.bigint() - started) / 1000n) / 1000;

    res.on('finish', () => {
      const status = res.statusCode;
      const fields = { method, path, status, durationMs: durationMs(), ...errorCodeOf(res) };
      requestLogger.log(status >= 500 ? 'error' : 'info', 'request finished', fields);
    });
    res.on('close', () => {
      if (res.writableFinished) return;
      requestLogger.info('request aborted by the client', {
        method,
        path,
        status: res.statusCode,
        durationMs: durationMs(),
      });
    });
    next();
  };
}

export function requestIdOf(res: Response): string | undefined {
  const value: unknown = res.locals.requestId;
  return typeof value === 'string' ? value : undefined;
}

/** The request's child logger, or `fallback` when the request-id middleware did not run. */
export function loggerOf(res: Response, fallback: Logger): Logger {
  const value: unknown = res.locals.logger;
  return value === undefined ? fallback : (value as Logger);
}

function errorCodeOf(res: Response): { errorCode?: string } {
  const value: unknown = res.locals.errorCode;
  return typeof value === 'string' ? { errorCode: value } : {};
}
