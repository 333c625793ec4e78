import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { AppError } from '../../errors/app-error';
import { ADMIN_CALLER, OPEN_CALLER, keyTenant, type Caller } from '../../tenants/caller';
import {
  TOKEN_ROUTES,
  type MediaTokens,
  type TokenRefusal,
  type TokenRoute,
} from '../../tenants/media-tokens';

/** The API key a request carries: `Authorization: Bearer`, X-API-Key, or a Basic password. */
export function apiKeyOf(req: Request): string | undefined {
  const authorization = req.get('Authorization') ?? '';
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1] ?? basicPassword(authorization);
  const header = req.get('X-API-Key')?.trim();
  return bearer ?? (header || undefined);
}

/**
 * A request with a valid token: the token was handed out to a caller that could see the job, and
 * it opens only the route and job it names (checked before this caller is set).
 */
const TOKEN_CALLER: Caller = { tenant: 'token', seesAll: true };

/** The routes a token may open: a job's video, poster and event stream, read only. */
const TOKEN_TARGET = new RegExp(`^/api/animation/jobs/([^/]+)/(${TOKEN_ROUTES.join('|')})$`);

/**
 * Works out who a request speaks for and keeps it for the handlers (`callerOf`):
 * - an API key: its tenant, which reaches its own jobs only; ADMIN_API_KEY reaches every job;
 * - a token (`?token=`) on the one route of the one job it was signed for;
 * - nothing, on an API without keys: everyone is one tenant.
 * Keys are compared as hashes in constant time, so response timing tells nothing about a key's
 * characters. A key in the query string is refused outright: URLs are written to histories,
 * logs and Referer headers.
 */
export function authenticate(options: {
  apiKeys: string[];
  adminKey: string;
  tokens: Pick<MediaTokens, 'verify'>;
}): RequestHandler {
  const known = options.apiKeys.map((key) => ({ key, digest: digest(key) }));
  const admin = options.adminKey === '' ? undefined : digest(options.adminKey);
  const open = options.apiKeys.length === 0;

  const callerOfKey = (key: string): Caller | undefined => {
    const hashed = digest(key);
    if (admin !== undefined && timingSafeEqual(admin, hashed)) return ADMIN_CALLER;
    const match = known.find((entry) => timingSafeEqual(entry.digest, hashed));
    return match === undefined ? undefined : { tenant: keyTenant(match.key), seesAll: false };
  };

  return (req, res, next) => {
    if (req.query.api_key !== undefined) return next(keyInQuery());
    const key = apiKeyOf(req);
    const byKey = key === undefined ? undefined : callerOfKey(key);
    if (byKey !== undefined || open) {
      setCaller(res, byKey ?? OPEN_CALLER);
      return next();
    }
    if (key !== undefined) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return next(new AppError('unauthorized', 'The API key is not valid'));
    }
    if (req.query.token !== undefined) {
      const refusal = tokenRefusal(req, options.tokens);
      if (refusal !== undefined) {
        res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
        return next(refusal);
      }
      setCaller(res, TOKEN_CALLER);
      return next();
    }
    res.setHeader('WWW-Authenticate', 'Bearer');
    next(
      new AppError(
        'unauthorized',
        `${req.method} ${req.baseUrl}${req.path} needs an API key and the request carries none`,
      ),
    );
  };
}

/** Why the request's token does not open the route it was sent to; undefined when it does. */
function tokenRefusal(req: Request, tokens: Pick<MediaTokens, 'verify'>): AppError | undefined {
  const path = `${req.baseUrl}${req.path}`;
  const target = TOKEN_TARGET.exec(path);
  const token = req.query.token;
  if (target === null || (req.method !== 'GET' && req.method !== 'HEAD')) {
    return invalidToken(
      `A token opens only the video, poster or event stream of a job, not ${req.method} ${path}`,
    );
  }
  if (typeof token !== 'string') return invalidToken('The request carries more than one token');
  const jobId = decodeSegment(target[1] ?? '');
  const route = target[2] as TokenRoute;
  const check = tokens.verify(token, jobId, route);
  if (check.ok) return undefined;
  return invalidToken(TOKEN_REFUSALS[check.reason](check.expiresAt, route));
}

const TOKEN_REFUSALS: Record<TokenRefusal, (expiresAt: Date | undefined, route: string) => string> =
  {
    malformed: () => 'The token is not one this service makes',
    signature: () =>
      'The token does not carry a valid signature: it was changed, or signed with another secret (MEDIA_TOKEN_SECRET changed)',
    expired: (expiresAt) => `The token expired at ${expiresAt?.toISOString() ?? 'an earlier time'}`,
    other_job: () => "The token was made for another job's route",
    other_route: (_expiresAt, route) =>
      `The token was made for another route of this job, not its ${route}`,
  };

function invalidToken(message: string): AppError {
  return new AppError('invalid_token', message);
}

function keyInQuery(): AppError {
  return new AppError(
    'key_in_query',
    'An API key in the query string (api_key) is refused: URLs end up in browser histories, server logs and Referer headers',
  );
}

/** Who the request speaks for, as `authenticate` worked it out. */
export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (caller === undefined) {
    throw new Error('No caller: the route is mounted without the authenticate middleware');
  }
  return caller;
}

export function setCaller(res: Response, caller: Caller): void {
  res.locals.caller = caller;
}

/**
 * The admin pages need ADMIN_API_KEY (as a Basic password, which a browser asks for, or like an
 * API key) and stay closed while none is set, whether or not the API is open.
 */
export function requireAdminKey(adminKey: string): RequestHandler {
  if (adminKey === '') {
    return (req, _res, next) =>
      next(new AppError('admin_closed', `${req.baseUrl} is closed: ADMIN_API_KEY is not set`));
  }
  const expected = digest(adminKey);
  return (req, res, next) => {
    const key = apiKeyOf(req);
    if (key !== undefined && timingSafeEqual(expected, digest(key))) return next();
    // Basic makes a browser ask for the key once and send it with every request of a page.
    res.setHeader('WWW-Authenticate', 'Basic realm="manim-render admin", charset="UTF-8"');
    next(
      new AppError(
        'unauthorized',
        key === undefined
          ? `${req.baseUrl} needs the admin key and the request carries none`
          : 'The admin key is not valid',
        { hint: 'Send ADMIN_API_KEY as the password of HTTP Basic auth (any user name).' },
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

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
