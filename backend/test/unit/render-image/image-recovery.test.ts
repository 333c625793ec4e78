import type { ContainerRunResult } from '../../../src/render-engine/container-spec';
import { AppError } from '../../../src/errors/app-error';
import { createLogger } from '../../../src/logging/logger';
import { runWithImageRecovery } from '../../../src/render-image/image-recovery';
import { cleanExit } from '../../support/render-jobs';

const log = createLogger({ level: 'error', service: 'test', silent: true });
const rendered: ContainerRunResult = cleanExit('c1', 10);
const imageGone = () =>
  new AppError('image_missing', 'Render image registry.example/render:1 is not present');

/** A run that fails with `failures` in order, then renders. */
function runs(...failures: Error[]) {
  const run = jest.fn(() => {
    const failure = failures.shift();
    return failure ? Promise.reject(failure) : Promise.resolve(rendered);
  });
  return run;
}

describe('a render whose container finds the image gone', () => {
  it('waits for the image to come back and runs once more', async () => {
    const run = runs(imageGone());
    const whenImageBack = jest.fn(() => Promise.resolve());

    await expect(runWithImageRecovery(run, { whenImageBack, log })).resolves.toBe(rendered);
    expect(whenImageBack).toHaveBeenCalledTimes(1);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('tries only once more: a second miss fails the job', async () => {
    const run = runs(imageGone(), imageGone());

    await expect(
      runWithImageRecovery(run, { whenImageBack: () => Promise.resolve(), log }),
    ).rejects.toThrow('is not present');
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('fails with the reason the image does not come back', async () => {
    const pullFailed = new AppError('image_missing', 'Pulling it made no progress for 3 s');

    await expect(
      runWithImageRecovery(runs(imageGone()), {
        whenImageBack: () => Promise.reject(pullFailed),
        log,
      }),
    ).rejects.toBe(pullFailed);
  });

  it('fails at once when nothing brings the image back', async () => {
    const run = runs(imageGone());
    await expect(runWithImageRecovery(run, { log })).rejects.toThrow('is not present');
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('leaves other failures alone', async () => {
    const whenImageBack = jest.fn(() => Promise.resolve());
    const other = new AppError('docker_unavailable', 'Docker Engine unavailable');

    await expect(runWithImageRecovery(runs(other), { whenImageBack, log })).rejects.toBe(other);
    expect(whenImageBack).not.toHaveBeenCalled();
  });

  it('ends as cancelled when the job is cancelled while it waits', async () => {
    const controller = new AbortController();
    const run = runs(imageGone());
    const waiting = runWithImageRecovery(run, {
      whenImageBack: () => new Promise<void>(() => undefined),
      signal: controller.signal,
      log,
    });
    controller.abort();

    await expect(waiting).resolves.toMatchObject({ cancelled: true });
    expect(run).toHaveBeenCalledTimes(1);
  });
});
