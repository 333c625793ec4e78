import { createLogger } from '../../../src/logging/logger';
import { startChores } from '../../../src/worker-upkeep/chores';

const logger = createLogger({ level: 'error', service: 'test', silent: true });

describe('chores', () => {
  it('waits for the first runs that are waited for, and runs the others in the background', async () => {
    const done: string[] = [];
    let finishSlow: () => void = () => undefined;
    const chores = await startChores(
      [
        {
          name: 'sweep',
          everyMs: 60_000,
          waitForFirstRun: true,
          run: async () => void done.push('sweep'),
        },
        {
          name: 'expire',
          everyMs: 60_000,
          run: () =>
            new Promise<void>((resolve) => {
              finishSlow = () => {
                done.push('expire');
                resolve();
              };
            }),
        },
      ],
      logger,
    );

    expect(done).toEqual(['sweep']);
    finishSlow();
    chores.stop();
  });

  it('repeats each chore at its interval and keeps going after a failure', async () => {
    jest.useFakeTimers();
    try {
      let runs = 0;
      const chores = await startChores(
        [
          {
            name: 'fail every time',
            everyMs: 1_000,
            run: async () => {
              runs += 1;
              throw new Error('Redis is away');
            },
          },
        ],
        logger,
      );
      await jest.advanceTimersByTimeAsync(3_000);
      expect(runs).toBe(4);
      chores.stop();
      await jest.advanceTimersByTimeAsync(3_000);
      expect(runs).toBe(4);
    } finally {
      jest.useRealTimers();
    }
  });
});
