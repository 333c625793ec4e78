import { performance } from 'node:perf_hooks';
import type { QueueEvents } from 'bullmq';

export interface JobEnd {
  /** performance.now() when the end arrived here. */
  at: number;
  workerMs: number | null;
  failedReason?: string;
}

/** Remembers every job end it has seen, so a wait that starts late still finds its job. */
export class JobEnds {
  private readonly ended = new Map<string, JobEnd>();
  private readonly waiting = new Map<string, (end: JobEnd) => void>();

  constructor(events: QueueEvents) {
    events.on('completed', ({ jobId, returnvalue }) =>
      this.record(jobId, { at: performance.now(), workerMs: workerMsOf(returnvalue) }),
    );
    events.on('failed', ({ jobId, failedReason }) =>
      this.record(jobId, { at: performance.now(), workerMs: null, failedReason }),
    );
  }

  wait(id: string, limitMs: number): Promise<JobEnd> {
    return new Promise<JobEnd>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`job ${id} did not end within ${limitMs / 1000} s`));
      }, limitMs);
      const settle = (end: JobEnd) => {
        clearTimeout(timer);
        if (end.failedReason !== undefined) {
          reject(new Error(`job ${id} failed: ${end.failedReason}`));
        } else {
          resolve(end);
        }
      };
      const known = this.ended.get(id);
      if (known) settle(known);
      else this.waiting.set(id, settle);
    });
  }

  private record(id: string, end: JobEnd): void {
    this.ended.set(id, end);
    const waiter = this.waiting.get(id);
    this.waiting.delete(id);
    waiter?.(end);
  }
}

function workerMsOf(returnvalue: unknown): number | null {
  const value: unknown =
    typeof returnvalue === 'string' ? safeJson(returnvalue) : (returnvalue as unknown);
  const duration = (value as { durationMs?: unknown } | null)?.durationMs;
  return typeof duration === 'number' ? duration : null;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
