import express, { type Request, type Response, type Router } from 'express';
import { AppError } from '../../errors/app-error';
import type { Logger } from '../../logging/logger';
import type { JobEvent, JobEventSource } from '../../job/job-event-source';
import { hasEnded, type JobStatus, type JobView } from '../../job/render-job';
import type { JobsFor, TenantJobs } from '../../tenants/tenant-jobs';
import { callerOf } from '../middleware/authentication';
import { isPlausibleJobId } from '../job-id';
import { loggerOf } from '../middleware/request-id';
import { EventStream } from '../server-sent-events';
import { SETTLE_ATTEMPTS, settledJob } from '../settled-job';

export const EVENTS_PATH = '/api/animation/jobs/:id/events';

/** A comment every so often keeps proxies and browsers from closing a quiet stream. */
const DEFAULT_HEARTBEAT_MS = 15_000;

/**
 * `GET /api/animation/jobs/:id/events`: the job's life as Server-Sent Events. A `state` event with
 * the job view, then `active` (the view once a worker has it) and `progress` (RenderProgress)
 * events, and finally `completed`, `failed` or `cancelled` with the final view, after which the
 * stream ends. A job that has already ended gets its final event at once; one that disappears
 * while followed (expired) gets `gone` with a `job_not_found` error body.
 */
export function jobEventRoutes(deps: {
  logger: Logger;
  /** The jobs each caller reaches: its own. */
  jobs: JobsFor;
  events: JobEventSource;
  heartbeatMs?: number;
}): Router {
  const { events, logger } = deps;
  const heartbeatMs = deps.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;

  const streamEvents = async (req: Request<{ id: string }>, res: Response): Promise<void> => {
    const id = req.params.id;
    if (!isPlausibleJobId(id)) throw jobNotFound(id);
    const jobs = deps.jobs(callerOf(res));

    // Subscribe before reading the job, so that nothing that happens in between is missed.
    const early: JobEvent[] = [];
    let onEvent = (event: JobEvent): void => void early.push(event);
    const unsubscribe = events.subscribe(id, (event) => onEvent(event));
    let initial: JobView | undefined;
    try {
      initial = await jobs.find(id);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    if (initial === undefined) {
      unsubscribe();
      throw jobNotFound(id);
    }

    const follower = new JobFollower({
      id,
      stream: new EventStream(res),
      jobs,
      logger: loggerOf(res, logger),
      heartbeatMs,
      onEnd: unsubscribe,
    });
    res.on('close', () => follower.stop());
    follower.begin(initial);
    onEvent = (event) => follower.handle(event);
    for (const event of early) follower.handle(event);
  };

  const router = express.Router();
  router.get(EVENTS_PATH, streamEvents);
  return router;
}

/**
 * Turns one job's notices into events on one stream. Notices are handled one at a time, in
 * order, because some need the job to be read again first.
 */
class JobFollower {
  private ended = false;
  private lastPercent = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly options: {
      id: string;
      stream: EventStream;
      jobs: TenantJobs;
      logger: Logger;
      heartbeatMs: number;
      onEnd: () => void;
    },
  ) {
    this.heartbeat = setInterval(() => {
      options.stream.comment('heartbeat');
      // A safety net for a notice lost while Redis reconnected: an ended job ends its stream.
      this.enqueue(() => this.settle(1));
    }, options.heartbeatMs);
  }

  begin(initial: JobView): void {
    this.lastPercent = initial.progress.percent;
    if (hasEnded(initial.status)) {
      this.finish(initial);
      return;
    }
    this.options.stream.send('state', initial);
  }

  handle(event: JobEvent): void {
    switch (event.kind) {
      case 'progress':
        this.enqueue(async () => {
          // A notice from before the initial read can be older than what the client has seen.
          if (event.progress.percent < this.lastPercent) return;
          this.lastPercent = event.progress.percent;
          this.options.stream.send('progress', event.progress);
        });
        break;
      case 'ranges':
        // A split job's progress is its ranges'; the store adds them up.
        this.enqueue(async () => {
          const view = await this.options.jobs.find(this.options.id);
          if (view === undefined || hasEnded(view.status)) return;
          if (view.progress.percent <= this.lastPercent) return;
          this.lastPercent = view.progress.percent;
          this.options.stream.send('progress', view.progress);
        });
        break;
      case 'active':
        this.enqueue(async () => {
          const view = await this.options.jobs.find(this.options.id);
          if (view === undefined || hasEnded(view.status)) return this.settle(SETTLE_ATTEMPTS);
          if (view.status === 'active') this.options.stream.send('active', view);
        });
        break;
      case 'ended':
        this.enqueue(() => this.settle(SETTLE_ATTEMPTS));
        break;
      case 'closed':
        // The server is shutting down; the client may reconnect to another instance.
        this.stop();
        break;
    }
  }

  /** Ends the stream and releases the subscription and the timer; safe to call again. */
  stop(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    this.options.onEnd();
    this.options.stream.end();
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue
      .then(() => (this.ended ? undefined : task()))
      .catch((error: unknown) => {
        // Redis may be away for a moment; the next notice or heartbeat tries again.
        this.options.logger.warn('job event stream could not read the job', {
          jobId: this.options.id,
          error: error instanceof Error ? error.message : String(error),
        });
      });
  }

  /** Reads the job until it has ended (up to `attempts` times); sends its final event if so. */
  private async settle(attempts: number): Promise<void> {
    const view = await settledJob(this.options.jobs, this.options.id, attempts, () => this.ended);
    if (this.ended) return;
    if (view !== undefined && hasEnded(view.status)) {
      this.finish(view);
      return;
    }
    if (view === undefined) {
      const gone = jobNotFound(this.options.id, 'The job no longer exists');
      // Not `error`: browsers' EventSource uses that name for its own connection errors.
      this.options.stream.send('gone', gone.toBody());
      this.stop();
    }
  }

  private finish(view: JobView & { status: JobStatus }): void {
    if (this.ended) return;
    this.options.stream.send(view.status, view);
    this.stop();
  }
}

function jobNotFound(id: string, message = 'No job with id'): AppError {
  const shown = id.length > 64 ? `${id.slice(0, 64)}...` : id;
  return new AppError('job_not_found', `${message} ${JSON.stringify(shown)}`, {
    details: { id: shown },
  });
}
