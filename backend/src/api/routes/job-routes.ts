import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { AppError } from '../../errors/app-error';
import type { Logger } from '../../logging/logger';
import { posterFileOf, type JobView } from '../../job/render-job';
import type { JobsFor, TenantJobs } from '../../tenants/tenant-jobs';
import { callerOf } from '../middleware/authentication';
import type { RenderResultView } from '../../job/job-view-schema';
import { isPlausibleJobId } from '../job-id';
import type { OutputStore } from '../../outputs/output-store';
import { sendVideo, wantsDownload } from './send-video';

export const JOB_PATH = '/api/animation/jobs/:id';
export const VIDEO_PATH = '/api/animation/jobs/:id/video';
export const POSTER_PATH = '/api/animation/jobs/:id/poster';
export const LOGS_PATH = '/api/animation/jobs/:id/logs';

/** How long DELETE waits for a running job's container to be killed before answering 202. */
const CANCEL_WAIT_MS = 5000;

export function jobRoutes(deps: {
  logger: Logger;
  /** The jobs each caller reaches: its own. */
  jobs: JobsFor;
  /** Where the videos of completed jobs are kept. */
  outputs: OutputStore;
}): Router {
  const { logger, outputs } = deps;
  const jobsOf = (res: Response): TenantJobs => deps.jobs(callerOf(res));

  const findJob = async (jobs: TenantJobs, id: string): Promise<JobView> => {
    const job = isPlausibleJobId(id) ? await jobs.find(id) : undefined;
    if (job === undefined) {
      throw new AppError('job_not_found', `No job with id ${JSON.stringify(shorten(id))}`, {
        details: { id: shorten(id) },
      });
    }
    return job;
  };

  const showJob = async (req: Request<{ id: string }>, res: Response): Promise<void> => {
    res.json(await findJob(jobsOf(res), req.params.id));
  };

  const completedJob = async (
    jobs: TenantJobs,
    id: string,
  ): Promise<JobView & { result: RenderResultView }> => {
    const job = await findJob(jobs, id);
    if (job.status !== 'completed') {
      throw new AppError(
        'job_not_completed',
        `Job ${job.id} is ${job.status}, not completed; its video is not available`,
        {
          ...(job.status === 'failed' || job.status === 'cancelled'
            ? { hint: 'The job will not produce a video; read its "error" and submit it again.' }
            : {}),
          details: { id: job.id, status: job.status },
        },
      );
    }
    if (job.result === undefined) {
      throw new Error(`Job ${job.id} is completed but has no result`);
    }
    return { ...job, result: job.result };
  };

  const showVideo = async (
    req: Request<{ id: string }>,
    res: Response,
    next: NextFunction,
  ): Promise<void> => {
    const download = wantsDownload(req.query.download);
    const job = await completedJob(jobsOf(res), req.params.id);
    await sendVideo(
      { outputs, logger },
      { id: job.id, result: job.result },
      download,
      req,
      res,
      next,
    );
  };

  const showPoster = async (
    req: Request<{ id: string }>,
    res: Response,
    next: NextFunction,
  ): Promise<void> => {
    const download = wantsDownload(req.query.download);
    const job = await completedJob(jobsOf(res), req.params.id);
    if (job.result.posterUrl === undefined) {
      throw new AppError('poster_not_found', `Job ${job.id} has a video but no poster`, {
        details: { id: job.id },
      });
    }
    const poster = posterFileOf(job.options, job.result);
    await sendVideo({ outputs, logger }, { id: job.id, result: poster }, download, req, res, next);
  };

  const cancelJob = async (req: Request<{ id: string }>, res: Response): Promise<void> => {
    const id = req.params.id;
    const jobs = jobsOf(res);
    const cancel = isPlausibleJobId(id)
      ? await jobs.cancel(id, CANCEL_WAIT_MS)
      : ({ outcome: 'not_found' } as const);
    if (cancel.outcome === 'not_found') await findJob(jobs, id);
    else if (cancel.outcome === 'finished') {
      throw new AppError(
        'job_already_finished',
        `Job ${cancel.job.id} has already ended as ${cancel.job.status}; there is nothing to cancel`,
        { details: { id: cancel.job.id, status: cancel.job.status } },
      );
    } else {
      // 202: the running job was told to stop but has not ended within the wait.
      res.status(cancel.outcome === 'cancelled' ? 200 : 202).json(cancel.job);
    }
  };

  const showLogs = async (req: Request<{ id: string }>, res: Response): Promise<void> => {
    const jobs = jobsOf(res);
    const job = await findJob(jobs, req.params.id);
    const entries = (await jobs.logs(job.id)) ?? [];
    res.json({
      id: job.id,
      status: job.status,
      lines: entries.flatMap((entry) => entry.split('\n')),
    });
  };

  const router = express.Router();
  router.get(JOB_PATH, showJob);
  router.get(LOGS_PATH, showLogs);
  router.delete(JOB_PATH, cancelJob);
  router.get(VIDEO_PATH, showVideo);
  router.get(POSTER_PATH, showPoster);
  return router;
}

function shorten(id: string): string {
  return id.length > 64 ? `${id.slice(0, 64)}...` : id;
}
