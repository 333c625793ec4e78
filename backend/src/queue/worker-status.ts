/**
 * What a worker tells the rest of the service about itself. Each worker keeps its status in Redis
 * next to its presence key, so that the API can say whether anything can render.
 */
export interface WorkerStatus {
  workerId: string;
  hostname: string;
  pid: number;
  startedAt: string;
  engine: {
    ok: boolean;
    /** Why the engine does not answer, and how to fix it; only while `ok` is false. */
    error?: string;
    hint?: string;
    /** When the worker last asked the engine. */
    checkedAt?: string;
  };
  /** The render image of each Manim version the worker serves, newest version first. */
  images: RenderImageStatus[];
  /**
   * True while the worker takes no new jobs: it is starting, its engine does not answer, or it
   * pulls a render image.
   */
  paused: boolean;
  /** Warm render containers: how many the worker keeps (WARM_POOL_SIZE) and how many are ready. */
  warmPool?: { size: number; ready: number };
}

export interface RenderImageStatus {
  manimVersion: string;
  name: string;
  present: boolean;
  /** The worker pulls the missing image now, and takes no jobs until it is there. */
  pulling?: boolean;
  /** Why its last pull failed (kept until one succeeds), and how to fix it. */
  error?: string;
  hint?: string;
  /** When the next pull starts, after a failed one. */
  retryAt?: string;
}

/** The statuses of the workers of one queue that are alive now. */
export interface WorkerStatusReader {
  listWorkerStatuses(): Promise<WorkerStatus[]>;
}

/** A stored status, or undefined for a value that is not one (e.g. an older worker's `1`). */
export function parseWorkerStatus(text: string | null): WorkerStatus | undefined {
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const status = value as Partial<WorkerStatus> | null;
  if (
    typeof status !== 'object' ||
    status === null ||
    typeof status.workerId !== 'string' ||
    typeof status.engine?.ok !== 'boolean' ||
    !Array.isArray(status.images)
  ) {
    return undefined;
  }
  return status as WorkerStatus;
}
