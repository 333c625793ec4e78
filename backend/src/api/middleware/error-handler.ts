import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { AppError } from '../../errors/app-error';
import type { Logger } from '../../logging/logger';
import { loggerOf } from './request-id';

const RETRY_AFTER_SECONDS = 5;

/** The fields of an http-errors error, as thrown by body-parser and the express router. */
interface HttpError extends Error {
  status: number;
  type?: string;
  limit?: number;
  length?: number;
  received?: number;
}

/**
 * Maps anything thrown while handling a request to an AppError. Errors that are not ours and
 * not recognised become `internal`, with the original kept as the cause for the log only.
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof multer.MulterError) return fromMulterError(error);
  if (isHttpError(error)) {
    const mapped = fromHttpError(error);
    if (mapped !== undefined) return mapped;
  }
  return new AppError('internal', 'Internal server error', { cause: error });
}

function fromMulterError(error: multer.MulterError): AppError {
  const field = error.field === undefined ? '' : ` (field "${error.field}")`;
  if (error.code === 'LIMIT_FILE_SIZE') {
    return new AppError('payload_too_large', `Uploaded file is too large${field}`, {
      details: { multerCode: error.code },
    });
  }
  const problem = { field: error.field ?? 'body', message: `${error.message} (${error.code})` };
  return new AppError(
    'validation_failed',
    `Invalid multipart form: ${error.message}${field} (${error.code})`,
    { details: { problems: [problem] } },
  );
}

function fromHttpError(error: HttpError): AppError | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return new AppError('validation_failed', `Request body is not valid JSON: ${error.message}`, {
        hint: 'Send a JSON object such as {"code": "..."}, and check quotes, commas and escapes.',
        details: { problems: [{ field: 'body', message: error.message }] },
      });
    case 'entity.too.large': {
      const limit = error.limit;
      const size = error.length ?? error.received;
      const sizeText = size === undefined ? '' : ` (${size} bytes received or announced)`;
      return new AppError(
        'payload_too_large',
        `Request body is larger than the limit of ${limit} bytes${sizeText}`,
        { details: { limitBytes: limit, ...(size === undefined ? {} : { sizeBytes: size }) } },
      );
    }
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new AppError(
        'unsupported_media_type',
        `Request body cannot be read: ${error.message}`,
        {
          hint: 'Send the body as UTF-8, uncompressed or compressed with gzip, deflate or br.',
        },
      );
  }
  // Remaining client errors (a malformed URL escape, an aborted upload) are the request's fault;
  // http-errors messages for 4xx statuses are written to be shown to clients.
  if (error.status >= 400 && error.status < 500) {
    return new AppError('validation_failed', `Request cannot be processed: ${error.message}`, {
      hint: 'Check the request line, headers and body and send it again.',
      details: { problems: [{ field: 'request', message: error.message }] },
    });
  }
  return undefined;
}

function isHttpError(error: unknown): error is HttpError {
  return error instanceof Error && typeof (error as Partial<HttpError>).status === 'number';
}

/** The last middleware: every error becomes `{ "error": { code, message, hint, details? } }`. */
export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const log = loggerOf(res, logger);
    const appError = toAppError(error);

    if (appError.status >= 500) {
      const cause = appError.code === 'internal' ? error : appError;
      log.error(
        `${req.method} ${req.originalUrl.split('?', 1)[0] ?? ''} failed: ${appError.code}`,
        {
          errorCode: appError.code,
          error: cause instanceof Error ? cause.message : String(cause),
          stack: cause instanceof Error ? cause.stack : undefined,
        },
      );
    }

    if (res.headersSent) {
      // Part of another response (a video) is already out; the connection is all that is left.
      log.warn('error after the response started; closing the connection', {
        errorCode: appError.code,
      });
      res.destroy();
      return;
    }
    res.locals.errorCode = appError.code;
    res.removeHeader('Content-Disposition');
    // 503s here are passing states (Redis reconnecting, a queue at its cap): tell clients when to retry.
    if (appError.status === 503) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    const allow = appError.details?.allow;
    if (appError.code === 'method_not_allowed' && Array.isArray(allow)) {
      res.setHeader('Allow', allow.join(', '));
    }
    res.status(appError.status).type('application/json').json({ error: appError.toBody() });
  };
}

/** Runs when no route matched. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  const path = req.originalUrl.split('?', 1)[0] ?? '';
  const shown = path.length > 200 ? `${path.slice(0, 200)}...` : path;
  next(
    new AppError('route_not_found', `No route for ${req.method} ${shown}`, {
      details: { method: req.method, path: shown },
    }),
  );
};
