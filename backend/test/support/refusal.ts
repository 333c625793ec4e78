import { AppError } from '../../src/errors/app-error';

/** The AppError an operation rejects with; fails the test when it resolves or rejects otherwise. */
export async function refusal(operation: Promise<unknown>): Promise<AppError> {
  const error = await operation.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}
