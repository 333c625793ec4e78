import { TIMED_OUT, delay, withinDeadline } from '../../../src/timing/timing';

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('delay', () => {
  it('ends early, without rejecting, when its signal aborts', async () => {
    const stop = new AbortController();
    const waiting = delay(60_000, { signal: stop.signal });
    stop.abort();
    await expect(waiting).resolves.toBeUndefined();
  });

  it('does not wait at all on a signal that has already aborted', async () => {
    await expect(delay(60_000, { signal: AbortSignal.abort() })).resolves.toBeUndefined();
  });
});

describe('withinDeadline', () => {
  it("gives the promise's value when it settles first, and leaves no timer", async () => {
    const before = timers();
    await expect(withinDeadline(Promise.resolve(7), 60_000)).resolves.toBe(7);
    expect(timers()).toBe(before);
  });

  it('gives TIMED_OUT when the deadline comes first', async () => {
    await expect(withinDeadline(new Promise(() => undefined), 5)).resolves.toBe(TIMED_OUT);
  });

  it('passes a rejection through', async () => {
    await expect(withinDeadline(Promise.reject(new Error('no')), 60_000)).rejects.toThrow('no');
  });
});
