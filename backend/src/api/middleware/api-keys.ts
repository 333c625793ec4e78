import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { AppError } from '../../errors/app-error';

/** The API key a request carries, from the header or (for links and event streams) the query. */
export function apiKeyOf(req: Request): string | undefined {
  const authorization = req.get('Authorization') ?? '';
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1] ?? basicPassword(authorization);
  const header = req.get('X-API-Key')?.trim();
  const query = typeof req.query.api_key === 'string' ? req.query.api_key : undefined;
  return bearer ?? (header || undefined) ?? query;
}

/**
 * With keys configured, every request must carry one of them. Keys are compared as hashes in
 * constant time, so response timing tells nothing about a key's characters.
 */
export function requireApiKey(
  keys: string[],
  options: { challenge: 'Bearer' | 'Basic' } = { challenge: 'Bearer' },
): RequestHandler {
  const digests = keys.map(digest);
  return (req, res, next) => {
    if (digests.length === 0) return next();
    const key = apiKeyOf(req);
    if (key !== undefined && digests.some((known) => timingSafeEqual(known, digest(key)))) {
      return next();
    }
    // Basic makes a browser ask for the key once and send it with every request of a page.
    res.setHeader(
      'WWW-Authenticate',
      options.challenge === 'Basic'
        ? 'Basic realm="manim-render admin", charset="UTF-8"'
        : 'Bearer',
    );
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

/** HTTP Basic credentials carry the key as the password; the user name is not used. */
function basicPassword(authorization: string): string | undefined {
  const encoded = /^Basic\s+(\S+)$/i.exec(authorization)?.[1];
  if (encoded === undefined) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  return separator === -1 ? undefined : decoded.slice(separator + 1) || undefined;
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** An API key as the service stores it where it must name one (rate limits, reused plays). */
export function apiKeyHash(key: string): string {
  return digest(key).toString('hex').slice(0, 32);
}

/**
 * The admin pages follow the API: open when the API is open; otherwise they need the admin key,
 * and stay closed while none is set.
 */
export function requireAdminKey(config: {
  API_KEYS: string[];
  ADMIN_API_KEY: string;
}): RequestHandler {
  if (config.API_KEYS.length === 0) return (_req, _res, next) => next();
  if (config.ADMIN_API_KEY !== '')
    return requireApiKey([config.ADMIN_API_KEY], { challenge: 'Basic' });
  return (req, _res, next) =>
    next(
      new AppError(
        'unauthorized',
        `${req.baseUrl} is closed: API_KEYS is set and ADMIN_API_KEY is not`,
        {
          hint: 'Set ADMIN_API_KEY to open the admin pages to whoever has that key.',
        },
      ),
    );
}
