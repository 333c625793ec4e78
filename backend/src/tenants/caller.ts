import { createHash } from 'node:crypto';

/**
 * Who a request speaks for. Every job belongs to the tenant that submitted it; a caller reaches
 * the jobs of its own tenant, or every job when it `seesAll` (the admin key, an open API, a
 * signed link whose route was checked already).
 */
export interface Caller {
  /** The tenant new jobs of this caller belong to. */
  tenant: string;
  seesAll: boolean;
}

/** The one tenant of an API without keys: everyone together. */
export const OPEN_TENANT = 'open';
/** Jobs submitted with ADMIN_API_KEY. */
export const ADMIN_TENANT = 'admin';

export const OPEN_CALLER: Caller = { tenant: OPEN_TENANT, seesAll: true };
export const ADMIN_CALLER: Caller = { tenant: ADMIN_TENANT, seesAll: true };

/** The tenant of an API key: a hash, so that Redis and job records never hold a key itself. */
export function keyTenant(apiKey: string): string {
  return `key-${apiKeyHash(apiKey)}`;
}

/** An API key as the service stores it where it must name one (rate limits, tenants). */
export function apiKeyHash(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex').slice(0, 32);
}

/**
 * Whether `caller` may see and touch a job of `owner`. A job queued before jobs had owners
 * (`undefined`) is reached only by callers that see all.
 */
export function mayReach(caller: Caller, owner: string | undefined): boolean {
  return caller.seesAll || (owner !== undefined && owner === caller.tenant);
}
