import { createHmac, timingSafeEqual } from 'node:crypto';
import { jobLinks, type BrowserLinks } from '../job/render-job';

/** The routes a browser loads by itself, without a header: each may be opened by a token. */
export const TOKEN_ROUTES = ['video', 'poster', 'events'] as const;
export type TokenRoute = (typeof TOKEN_ROUTES)[number];

const VERSION = 'v1';

/** Why a token does not open a route. */
export type TokenRefusal = 'malformed' | 'signature' | 'expired' | 'other_job' | 'other_route';

export type TokenCheck =
  { ok: true; expiresAt: Date } | { ok: false; reason: TokenRefusal; expiresAt?: Date };

/**
 * Short-lived signed tokens that open one route of one job (`?token=`), so that URLs a browser
 * loads by itself (a `<video>` source, a download link, an EventSource) never carry an API key.
 * A token is `<payload>.<signature>`, both base64url: the payload names the route, the expiry
 * (Unix seconds) and the job; the signature is HMAC-SHA256 of the payload with the secret.
 */
export class MediaTokens {
  private readonly secret: Buffer;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.secret = Buffer.from(secret, 'utf8');
  }

  sign(jobId: string, route: TokenRoute, expiresAt = this.expiry()): string {
    const payload = Buffer.from(
      [VERSION, route, Math.floor(expiresAt.getTime() / 1000), jobId].join('|'),
      'utf8',
    ).toString('base64url');
    return `${payload}.${this.signature(payload).toString('base64url')}`;
  }

  verify(token: string, jobId: string, route: TokenRoute): TokenCheck {
    const [payload, signature, ...rest] = token.split('.');
    if (payload === undefined || signature === undefined || rest.length > 0) {
      return { ok: false, reason: 'malformed' };
    }
    const expected = this.signature(payload);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, reason: 'signature' };
    }
    const [version, signedRoute, expiry, ...idParts] = Buffer.from(payload, 'base64url')
      .toString('utf8')
      .split('|');
    const seconds = Number(expiry);
    if (version !== VERSION || !Number.isInteger(seconds) || idParts.length === 0) {
      return { ok: false, reason: 'malformed' };
    }
    const expiresAt = new Date(seconds * 1000);
    if (idParts.join('|') !== jobId) return { ok: false, reason: 'other_job', expiresAt };
    if (signedRoute !== route) return { ok: false, reason: 'other_route', expiresAt };
    if (expiresAt.getTime() <= this.now()) return { ok: false, reason: 'expired', expiresAt };
    return { ok: true, expiresAt };
  }

  /** The job's routes for a browser, each with a token of its own, valid for the TTL. */
  browserLinks(jobId: string): BrowserLinks {
    const expiresAt = this.expiry();
    const links = jobLinks(jobId);
    const signed = (path: string, route: TokenRoute) =>
      `${path}?token=${this.sign(jobId, route, expiresAt)}`;
    return {
      video: signed(links.video, 'video'),
      poster: signed(links.poster, 'poster'),
      events: signed(`${links.self}/events`, 'events'),
      expiresAt: expiresAt.toISOString(),
    };
  }

  private expiry(): Date {
    return new Date((Math.floor(this.now() / 1000) + this.ttlSeconds) * 1000);
  }

  private signature(payload: string): Buffer {
    return createHmac('sha256', this.secret).update(payload, 'utf8').digest();
  }
}
