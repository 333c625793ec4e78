import { ConcurrencyGate } from '../../../src/uploads/concurrency-gate';

describe('a concurrency gate', () => {
  it('runs at most its limit at once and lets the others in as places free, in order', async () => {
    const gate = new ConcurrencyGate(2);
    const started: number[] = [];
    const finish: Array<() => void> = [];
    let running = 0;
    let most = 0;
    const tasks = [0, 1, 2, 3, 4].map((index) =>
      gate.run(async () => {
        started.push(index);
        running += 1;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => finish.push(resolve));
        running -= 1;
        return index;
      }),
    );
    const settle = () => new Promise((resolve) => setImmediate(resolve));

    await settle();
    expect(started).toEqual([0, 1]);
    finish.shift()?.();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    while (finish.length > 0 || started.length < 5) {
      finish.shift()?.();
      await settle();
    }

    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });

  it('frees the place of a task that fails', async () => {
    const gate = new ConcurrencyGate(1);
    await expect(gate.run(() => Promise.reject(new Error('broken')))).rejects.toThrow('broken');
    await expect(gate.run(() => Promise.resolve('next'))).resolves.toBe('next');
  });
});
