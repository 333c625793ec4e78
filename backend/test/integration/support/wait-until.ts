import { delay } from '../../../src/timing/timing';
/**
 * Resolves with the first value `probe` returns that `done` accepts, asking every `everyMs`; for
 * conditions that no event announces. Fails after `timeoutMs` with the last value seen.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  options: { everyMs?: number; timeoutMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting until ${what}; last seen: ${JSON.stringify(value)}`);
    }
    await delay(options.everyMs ?? 200);
  }
}
