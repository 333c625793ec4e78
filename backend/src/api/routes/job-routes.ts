import path from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Config } from '../../config/config-schema';
import { AppError } from '../../errors/app-error';
import type { Logger } from '../../logging/logger';
import type { JobView, RenderJobStore } from '../../job/render-job';
import { contentDisposition } from '../http-headers';
import { isPlausibleJobId } from '../job-id';
import { loggerOf } from '../middleware/request-id';

export const JOB_PATH = '/api/animation/jobs/:id';
export const VIDEO_PATH = '/api/animation/jobs/:id/video';
export const LOGS_PATH = '/api/animation/jobs/:id/logs';

/** How long DELETE waits for a running job's container to be killed before answering 202. */
const CANCEL_WAIT_MS = 5000;

export function jobRoutes(deps: {
  config: Pick<Config, 'OUTPUTS_DIR'>;
  logger: Logger;
  jobs: RenderJobStore;
}): Router {
  const { jobs, logger } = deps;
  const outputsDir = path.resolve(deps.config.OUTPUTS_DIR);

  const findJob = async (id: string): Promise<JobView> => {
    const job = isPlausibleJobId(id) ? await jobs.find(id) : undefined;
    if (job === undefined) {
      throw new AppError('job_not_found', `No job with id ${JSON.stringify(shorten(id))}`, {
        details: { id: shorten(id) },
      });
    }
    return job;
  };

  const showJob = async (req: Request<{ id: string }>, res: Response): Promise<void> => {
    res.json(await findJob(req.params.id));
  };

  const sendVideo = async (
    req: Request<{ id: string }>,
    res: Response,
    next: NextFunction,
  ): Promise<void> => {
    const job = await findJob(req.params.id);
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

    const { fileName, contentType } = job.result;
    const download = req.query.download === '1' || req.query.download === 'true';
    const options = {
      // `root` makes send refuse any path that would leave OUTPUTS_DIR.
      root: outputsDir,
      acceptRanges: true,
      headers: {
        'Content-Type': contentType,
        'Content-Disposition': contentDisposition(download ? 'attachment' : 'inline', fileName),
      },
    };

    res.sendFile(`${job.id}/${fileName}`, options, (error?: unknown) => {
      if (error === undefined) return;
      if (codeOf(error) === 'ECONNABORTED') return; // the client left; the request log says so
      const status = statusOf(error);
      if (res.headersSent) {
        loggerOf(res, logger).warn('video transfer failed midway', {
          jobId: job.id,
          error: error instanceof Error ? error.message : String(error),
        });
        res.destroy();
        return;
      }
      if (status === 412 || status === 416) {
        // Range/precondition answers are plain HTTP; send already set Content-Range for 416.
        for (const header of ['Content-Type', 'Content-Disposition', 'Content-Length']) {
          res.removeHeader(header);
        }
        res.status(status).end();
        return;
      }
      if (status === 404 || codeOf(error) === 'EISDIR') {
        next(
          new AppError(
            'job_not_found',
            `The output file of job ${job.id} (${fileName}) is missing from the server`,
            {
              hint: 'The file was deleted (cleanup or by hand) although the job record remains; submit the render again.',
              details: { id: job.id, fileName },
            },
          ),
        );
        return;
      }
      const reason = error instanceof Error ? error.message : String(error);
      next(new Error(`Cannot send ${fileName} of job ${job.id}: ${reason}`, { cause: error }));
    });
  };

  const cancelJob = async (req: Request<{ id: string }>, res: Response): Promise<void> => {
    const id = req.params.id;
    const cancel = isPlausibleJobId(id)
      ? await jobs.cancel(id, CANCEL_WAIT_MS)
      : ({ outcome: 'not_found' } as const);
    if (cancel.outcome === 'not_found') await findJob(id);
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
    const job = await findJob(req.params.id);
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
  router.get(VIDEO_PATH, sendVideo);
  return router;
}

function shorten(id: string): string {
  return id.length > 64 ? `${id.slice(0, 64)}...` : id;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
