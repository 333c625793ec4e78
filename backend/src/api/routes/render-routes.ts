import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import multer from 'multer';
import type { Config } from '../../config/config-schema';
import { AppError } from '../../errors/app-error';
import { jobLinks, type RenderJobStore } from '../../queue/render-job';
import { mediaTypeOf } from '../http-headers';
import { requestIdOf } from '../middleware/request-id';
import {
  decodeUploadedCode,
  parseRenderRequest,
  RENDER_FIELDS,
  validationError,
} from '../render-request';

export const RENDER_PATH = '/api/animation/render';

/**
 * JSON escaping can double the size of code (every newline becomes `\n`, every quote `\"`), and
 * the other fields need a little room, so the body limit is twice the code limit plus headroom.
 * The exact code limit is enforced on the decoded code afterwards.
 */
export function jsonBodyLimitBytes(maxCodeBytes: number): number {
  return maxCodeBytes * 2 + 16 * 1024;
}

export function renderRoutes(deps: {
  config: Config;
  jobs: RenderJobStore;
  freeDiskBytes: () => Promise<number>;
}): Router {
  const { config, jobs } = deps;
  const maxCodeBytes = config.MAX_CODE_BYTES;

  const parseJson = express.json({
    limit: jsonBodyLimitBytes(maxCodeBytes),
    strict: true,
    // The content type has already been checked by readBody.
    type: () => true,
  });

  const fieldLimit = RENDER_FIELDS.length + 8; // room to name a few unknown fields
  const parseMultipart = multer({
    storage: multer.memoryStorage(),
    defParamCharset: 'utf8',
    limits: {
      files: 1,
      fileSize: maxCodeBytes,
      fields: fieldLimit,
      fieldSize: maxCodeBytes,
      fieldNameSize: 100,
      fieldNestingDepth: 0,
      parts: fieldLimit + 1,
      headerPairs: 20,
    },
  }).single('file');

  const readMultipart = (req: Request, res: Response, next: NextFunction): void => {
    parseMultipart(req, res, (error?: unknown) => {
      next(error === undefined ? undefined : explainMulterError(error, maxCodeBytes));
    });
  };

  const readBody = (req: Request, res: Response, next: NextFunction): void => {
    const mediaType = mediaTypeOf(req.get('Content-Type'));
    if (mediaType === 'application/json') return parseJson(req, res, next);
    if (mediaType === 'multipart/form-data') return readMultipart(req, res, next);
    const got = mediaType === undefined ? 'no Content-Type' : `Content-Type ${mediaType}`;
    next(
      new AppError(
        'unsupported_media_type',
        `POST ${RENDER_PATH} accepts application/json or multipart/form-data, got ${got}`,
        { details: { contentType: mediaType ?? null } },
      ),
    );
  };

  const submit = async (req: Request, res: Response): Promise<void> => {
    const body: unknown = req.body;
    if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
      throw new AppError('validation_failed', 'Request body must be a JSON object, not a list', {
        details: { problems: [{ field: 'body', message: 'must be a JSON object' }] },
      });
    }
    const fields = (body ?? {}) as Record<string, unknown>;
    const file = req.file;
    const upload =
      file === undefined
        ? {}
        : {
            uploadedFileName: file.originalname,
            uploadedCode: decodeUploadedCode(file.originalname, file.buffer),
          };

    const { code, options, cache, callbackUrl } = parseRenderRequest({ fields, ...upload }, config);
    await ensureDiskSpace(deps.freeDiskBytes, config.MIN_FREE_DISK_MB);
    const requestId = requestIdOf(res);
    const submitted = await jobs.submit(
      { code, options, ...(requestId ? { requestId } : {}) },
      { reuse: cache, ...(callbackUrl === undefined ? {} : { callbackUrl }) },
    );
    const links = jobLinks(submitted.id);
    const webhook = submitted.webhook ? { webhook: submitted.webhook } : {};
    if (submitted.reused) {
      // An identical render: finished (200, with its result) or still running (202, attached).
      const job = submitted.reused;
      const status = job.status === 'completed' ? 200 : 202;
      res
        .status(status)
        .location(links.self)
        .json({ ...job, links, reused: true, ...webhook });
      return;
    }
    res
      .status(202)
      .location(links.self)
      .json({ id: submitted.id, status: 'queued', links, ...webhook });
  };

  const router = express.Router();
  router.post(RENDER_PATH, readBody, submit);
  return router;
}

const MIB = 1024 * 1024;

/** Refuses new work before a render could fill the disk that outputs are written to. */
async function ensureDiskSpace(
  freeDiskBytes: () => Promise<number>,
  minFreeMb: number,
): Promise<void> {
  if (minFreeMb === 0) return;
  const freeMb = Math.floor((await freeDiskBytes()) / MIB);
  if (freeMb < minFreeMb) {
    throw new AppError(
      'insufficient_storage',
      `Only ${freeMb} MiB are free on the disk that holds the outputs; new renders need at least ${minFreeMb} MiB (MIN_FREE_DISK_MB)`,
      { details: { freeMb, minFreeMb } },
    );
  }
}

/**
 * Multer knows that a limit was hit but not which number, and not what this route expects; say
 * both. Other multer errors are mapped generically by the error handler.
 */
function explainMulterError(error: unknown, maxCodeBytes: number): unknown {
  if (!(error instanceof multer.MulterError)) return error;
  if (error.code === 'LIMIT_FILE_SIZE') {
    // multer 2 adds the client's file name to the error; its type definitions do not know it yet.
    const fileName: unknown = (error as { filename?: unknown }).filename;
    const name = typeof fileName === 'string' ? ` ${JSON.stringify(fileName)}` : '';
    return new AppError(
      'payload_too_large',
      `Uploaded file${name} is larger than the limit of ${maxCodeBytes} bytes`,
      { details: { field: 'file', limitBytes: maxCodeBytes } },
    );
  }
  if (error.code === 'LIMIT_FIELD_VALUE') {
    const field = error.field ?? 'a field';
    return new AppError(
      'payload_too_large',
      `Form field "${field}" is larger than the limit of ${maxCodeBytes} bytes`,
      { details: { field, limitBytes: maxCodeBytes } },
    );
  }
  if (error.code === 'LIMIT_UNEXPECTED_FILE') {
    const field = error.field ?? '';
    return validationError([
      {
        field: field === '' ? 'file' : field,
        message:
          field === 'file'
            ? 'accepts one file only; upload a single .py file'
            : 'is not accepted for files; upload the .py file in the field "file"',
      },
    ]);
  }
  return error;
}
