import { AppError } from '../errors/app-error';
import { OutputStoreUnavailableError, type OutputFile, type OutputStore } from './output-store';
import { delay } from '../timing/timing';

export interface SaveRetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Wait before the second attempt; it doubles for each further one. */
  firstDelayMs: number;
  /** Stops the waiting (a cancelled job); the attempt under way finishes. */
  signal?: AbortSignal;
  onRetry?(attempt: number, delayMs: number, error: OutputStoreUnavailableError): void;
}

/**
 * Keeps a finished file, trying again with growing pauses while the store cannot be reached (a
 * restarting object store should not cost a render). Other errors end it at once.
 */
export async function saveWithRetries(
  store: OutputStore,
  file: OutputFile & { sourcePath: string },
  policy: SaveRetryPolicy,
): Promise<{ sizeBytes: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.save(file);
    } catch (error) {
      if (!(error instanceof OutputStoreUnavailableError)) throw error;
      if (attempt >= policy.attempts || policy.signal?.aborted === true) {
        throw new AppError(
          'output_store_unavailable',
          `The video of job ${file.jobId} could not be kept after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${error.message}`,
          { details: { location: error.location, attempts: attempt }, cause: error },
        );
      }
      const delayMs = policy.firstDelayMs * 2 ** (attempt - 1);
      policy.onRetry?.(attempt, delayMs, error);
      await delay(delayMs, { signal: policy.signal });
    }
  }
}
