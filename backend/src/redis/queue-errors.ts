import { AppError } from '../errors/app-error';

/** Runs a datastore operation; a failure that is not already an AppError is `queue_unavailable`. */
export async function withQueueErrors<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError(
      'queue_unavailable',
      `The job queue is unavailable: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
