import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import { AppError } from '../../errors/app-error';
import { apiKeyHash } from '../../tenants/caller';
import { apiKeyOf } from './authentication';

/** Sends one raw command to Redis; the composition root supplies it. */
export type RedisCommand = (...args: string[]) => Promise<unknown>;

const WINDOW_MS = 60_000;

export interface PerMinuteLimitOptions {
  /** Where this limit's counters start in Redis (`RedisKeys.rateLimitPrefix`). */
  keyPrefix: string;
  /** What is limited, as the refusal names it: `api` or `render`. */
  name: string;
  /** Requests per minute per key or address; 0 turns the limit off. */
  limit: number;
  sendCommand: RedisCommand;
}

/**
 * A per-minute limit per API key (or per client address without keys), counted in Redis so that
 * every API process shares it. While Redis is down the limit lets requests through: they fail
 * with a clearer 503 of their own.
 */
export function perMinuteLimit(options: PerMinuteLimitOptions): RequestHandler {
  if (options.limit === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: WINDOW_MS,
    limit: options.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    passOnStoreError: true,
    keyGenerator: (req) => {
      const key = apiKeyOf(req);
      // Keys are counted under a hash, so Redis never holds a key itself.
      if (key !== undefined) return `key:${apiKeyHash(key)}`;
      return `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
    },
    store: new RedisStore({
      prefix: options.keyPrefix,
      sendCommand: (...args: string[]) =>
        options.sendCommand(...args) as Promise<boolean | number | string>,
    }),
    handler: (req, res, next) => {
      const resetTime = (req as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = resetTime
        ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000))
        : 60;
      res.setHeader('Retry-After', String(seconds));
      next(
        new AppError(
          'rate_limited',
          `Too many ${options.name} requests: the limit is ${options.limit} per minute`,
          {
            details: {
              limit: options.limit,
              windowSeconds: WINDOW_MS / 1000,
              retryAfterSeconds: seconds,
            },
          },
        ),
      );
    },
  });
}
