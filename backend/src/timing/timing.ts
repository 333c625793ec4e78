import { setTimeout as sleep } from 'node:timers/promises';

/** What `withinDeadline` resolves with when the deadline came first. */
export const TIMED_OUT: unique symbol = Symbol('timed out');

export interface DelayOptions {
  /** Ends the wait early; `delay` then resolves, it never rejects for an abort. */
  signal?: AbortSignal;
  /**
   * Whether the wait keeps the process alive.
   * @defaultValue true
   */
  ref?: boolean;
}

/**
 * Waits `ms` milliseconds, or until `signal` aborts, whichever comes first. Every pause of the
 * service goes through here.
 */
export async function delay(ms: number, options: DelayOptions = {}): Promise<void> {
  if (options.signal?.aborted) return;
  try {
    await sleep(ms, undefined, { signal: options.signal, ref: options.ref ?? true });
  } catch (error) {
    if (!options.signal?.aborted) throw error;
  }
}

/**
 * The promise's value, or TIMED_OUT when it has not settled within `ms`; the promise itself is not
 * stopped. No timer is left behind either way.
 */
export async function withinDeadline<T>(
  promise: Promise<T>,
  ms: number,
): Promise<T | typeof TIMED_OUT> {
  const settled = new AbortController();
  try {
    return await Promise.race([
      promise,
      delay(ms, { signal: settled.signal }).then((): typeof TIMED_OUT => TIMED_OUT),
    ]);
  } finally {
    settled.abort();
  }
}
