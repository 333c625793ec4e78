import { pipeline } from 'node:stream/promises';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../errors/app-error';
import type { Logger } from '../../logging/logger';
import type { RenderResult } from '../../job/render-job';
import {
  OutputStoreUnavailableError,
  type Delivery,
  type OutputStore,
} from '../../outputs/output-store';
import { contentDisposition } from '../http-headers';
import { loggerOf } from '../middleware/request-id';

/** One byte range (`bytes=0-99`, `bytes=100-`, `bytes=-500`); other forms get the whole file. */
const SINGLE_RANGE = /^bytes=(\d+-\d*|-\d+)$/;

/** The values of `?download=`; a request is refused with 400 for any other. */
const DOWNLOAD_VALUES: Record<string, boolean> = {
  '1': true,
  true: true,
  '0': false,
  false: false,
};

/** Whether `?download=` asks for an attachment; refuses a value other than 1, true, 0 or false. */
export function wantsDownload(value: unknown): boolean {
  if (value === undefined) return false;
  const wanted = typeof value === 'string' ? DOWNLOAD_VALUES[value] : undefined;
  if (wanted === undefined) {
    const message = `must be 1 or true (an attachment), or 0 or false (inline), got ${JSON.stringify(value)}`;
    throw new AppError('validation_failed', `Invalid query parameter: download ${message}`, {
      hint: 'Leave "download" out to play the file in the browser, or send download=1 to save it.',
      details: { problems: [{ field: 'download', message }] },
    });
  }
  return wanted;
}

/**
 * Answers a request for a completed job's file from wherever the store keeps it: from this host's
 * disk, streamed from an object store, or by a redirect to it.
 */
export async function sendVideo(
  deps: { outputs: OutputStore; logger: Logger },
  job: { id: string; result: Pick<RenderResult, 'fileName' | 'contentType'> },
  download: boolean,
  req: Request,
  res: Response,
  next: NextFunction,
): Promise<void> {
  const { fileName, contentType } = job.result;
  const disposition = contentDisposition(download ? 'attachment' : 'inline', fileName);
  // A range under If-Range would need the store's ETag first; the whole file is a valid answer.
  const range = req.headers['if-range'] ? undefined : req.headers.range?.replace(/\s/g, '');
  let delivery: Delivery;
  try {
    delivery = await deps.outputs.deliver(
      { jobId: job.id, fileName, contentType },
      {
        contentDisposition: disposition,
        ...(range !== undefined && SINGLE_RANGE.test(range) ? { range } : {}),
        ...(req.headers['if-none-match'] ? { ifNoneMatch: req.headers['if-none-match'] } : {}),
        ...(req.headers['if-modified-since']
          ? { ifModifiedSince: req.headers['if-modified-since'] }
          : {}),
      },
    );
  } catch (error) {
    if (!(error instanceof OutputStoreUnavailableError)) throw error;
    throw new AppError(
      'output_store_unavailable',
      `The file of job ${job.id} cannot be read now: ${error.message}`,
      { details: { id: job.id, location: error.location }, cause: error },
    );
  }

  switch (delivery.kind) {
    case 'missing':
      throw missingFile(job.id, fileName);
    case 'redirect':
      res.setHeader('Cache-Control', 'no-store');
      res.redirect(302, delivery.url);
      return;
    case 'file':
      sendFile(
        deps.logger,
        { jobId: job.id, fileName, contentType, disposition },
        delivery,
        res,
        next,
      );
      return;
    case 'stream': {
      res.status(delivery.status);
      const { headers, body } = delivery;
      if (headers.contentRange !== undefined) res.setHeader('Content-Range', headers.contentRange);
      if (headers.etag !== undefined) res.setHeader('ETag', headers.etag);
      if (headers.lastModified !== undefined) {
        res.setHeader('Last-Modified', headers.lastModified.toUTCString());
      }
      if (body === undefined || delivery.status === 304 || delivery.status === 416) {
        body?.destroy();
        res.end();
        return;
      }
      res.setHeader('Content-Type', contentType);
      res.setHeader('Content-Disposition', disposition);
      res.setHeader('Accept-Ranges', 'bytes');
      res.setHeader('Cache-Control', 'public, max-age=0');
      if (headers.contentLength !== undefined) {
        res.setHeader('Content-Length', String(headers.contentLength));
      }
      if (req.method === 'HEAD') {
        body.destroy();
        res.end();
        return;
      }
      await pipeline(body, res).catch((error: unknown) => {
        if (codeOf(error) === 'ERR_STREAM_PREMATURE_CLOSE' && res.destroyed) return; // the client left
        loggerOf(res, deps.logger).warn('video transfer failed midway', {
          jobId: job.id,
          error: error instanceof Error ? error.message : String(error),
        });
        res.destroy();
      });
      return;
    }
  }
}

/** A file on this host's disk, with send's ranges and conditional requests. */
function sendFile(
  logger: Logger,
  file: { jobId: string; fileName: string; contentType: string; disposition: string },
  delivery: Extract<Delivery, { kind: 'file' }>,
  res: Response,
  next: NextFunction,
): void {
  const options = {
    // `root` makes send refuse any path that would leave the outputs folder.
    root: delivery.root,
    acceptRanges: true,
    headers: { 'Content-Type': file.contentType, 'Content-Disposition': file.disposition },
  };
  res.sendFile(delivery.path, options, (error?: unknown) => {
    if (error === undefined) return;
    if (codeOf(error) === 'ECONNABORTED') return; // the client left; the request log says so
    const status = statusOf(error);
    if (res.headersSent) {
      loggerOf(res, logger).warn('video transfer failed midway', {
        jobId: file.jobId,
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
      next(missingFile(file.jobId, file.fileName));
      return;
    }
    const reason = error instanceof Error ? error.message : String(error);
    next(
      new Error(`Cannot send ${file.fileName} of job ${file.jobId}: ${reason}`, { cause: error }),
    );
  });
}

function missingFile(jobId: string, fileName: string): AppError {
  return new AppError(
    'job_not_found',
    `The output file of job ${jobId} (${fileName}) is missing from the server`,
    {
      hint: 'The file was deleted (cleanup or by hand) although the job record remains; submit the render again.',
      details: { id: jobId, fileName },
    },
  );
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
