import { AppError, isErrorCode, type ErrorBody } from '../errors/app-error';

/**
 * A failed job keeps its structured error in BullMQ's `failedReason`, encoded as JSON, so the
 * failure and its reason are written in one atomic step. Reasons that BullMQ writes itself
 * (a stalled job, for example) are plain text and read back as `internal`.
 */
export function encodeJobFailure(error: AppError): string {
  return JSON.stringify(error.toBody());
}

export function decodeJobFailure(failedReason: string | undefined): ErrorBody {
  if (failedReason) {
    try {
      const parsed = JSON.parse(failedReason) as Partial<ErrorBody>;
      if (isErrorCode(parsed.code) && typeof parsed.message === 'string') {
        return AppError.fromBody(parsed as ErrorBody).toBody();
      }
    } catch {
      // plain-text reason: handled below
    }
  }
  return new AppError('internal', failedReason || 'The job failed without a reason', {
    hint: 'The job failed outside the render pipeline (for example a worker that stopped mid-job); submit it again.',
  }).toBody();
}

export function cancelledError(id: string, when: 'queued' | 'active'): AppError {
  return new AppError(
    'cancelled',
    `Job ${id} was cancelled while ${when === 'queued' ? 'queued' : 'rendering'}`,
  );
}
