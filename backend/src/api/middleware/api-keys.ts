import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { AppError } from '../../errors/app-error';

/** The API key a request carries, from the header or (for links and event streams) the query. */
export function apiKeyOf(req: Request): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('Authorization') ?? '')?.[1];
  const header = req.get('X-API-Key')?.trim();
  const query = typeof req.query.api_key === 'string' ? req.query.api_key : undefined;
  return bearer ?? (header || undefined) ?? query;
}

/**
 * With keys configured, every request must carry one of them. Keys are compared as hashes in
 * constant time, so response timing tells nothing about a key's characters.
 */
export function requireApiKey(keys: string[]): RequestHandler {
  const digests = keys.map(digest);
  return (req, res, next) => {
    if (digests.length === 0) return next();
    const key = apiKeyOf(req);
    if (key !== undefined && digests.some((known) => timingSafeEqual(known, digest(key)))) {
      return next();
    }
    res.setHeader('WWW-Authenticate', 'Bearer');
    next(
      new AppError(
        'unauthorized',
        key === undefined
          ? `${req.method} ${req.baseUrl}${req.path} needs an API key and the request carries none`
          : 'The API key is not valid',
      ),
    );
  };
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
