import type { ContainerRunResult } from '../render-engine/container-spec';
import { AppError } from '../errors/app-error';
import type { Logger } from '../logging/logger';

export interface ImageRecovery {
  /** Resolves once the render image is back (pulled again); rejects saying why it will not be. */
  whenImageBack?: () => Promise<void>;
  /** The job's cancel signal: a cancel ends the wait. */
  signal?: AbortSignal;
  log: Logger;
}

/**
 * Runs a render container. When creating it finds the render image gone (removed under a running
 * worker), waits for the image to come back and runs it once more, instead of failing the job.
 * A cancel during the wait ends it as a cancelled run.
 */
export async function runWithImageRecovery(
  run: () => Promise<ContainerRunResult>,
  recovery: ImageRecovery,
): Promise<ContainerRunResult> {
  try {
    return await run();
  } catch (error) {
    const { whenImageBack, signal, log } = recovery;
    if (!(error instanceof AppError) || error.code !== 'image_missing' || !whenImageBack) {
      throw error;
    }
    log.warn('render image gone when the container was created; waiting for it to come back', {
      error: error.message,
    });
    if (!(await untilBackOrCancelled(whenImageBack(), signal))) return CANCELLED_BEFORE_START;
    log.info('render image back; creating the container again');
    return run();
  }
}

const CANCELLED_BEFORE_START: ContainerRunResult = {
  containerId: '',
  exitCode: null,
  stdout: '',
  stderr: '',
  timedOut: false,
  cancelled: true,
  oomKilled: false,
  durationMs: 0,
};

/** True once `back` resolves, false if `signal` aborts first; rejects when `back` does. */
function untilBackOrCancelled(back: Promise<void>, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) {
    back.catch(() => undefined);
    return Promise.resolve(false);
  }
  return new Promise<boolean>((resolve, reject) => {
    const onAbort = () => resolve(false);
    signal?.addEventListener('abort', onAbort, { once: true });
    back.then(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      },
      (error: unknown) => {
        signal?.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
