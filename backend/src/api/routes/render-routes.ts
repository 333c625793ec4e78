import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import multer from 'multer';
import type { Config } from '../../config/config-schema';
import { AppError } from '../../errors/app-error';
import { DEFAULT_SCENE_FILE, describeJobFile } from '../../uploads/job-files';
import { jobLinks, type RenderSubmitter } from '../../job/render-job';
import { mediaTypeOf } from '../http-headers';
import type { Caller } from '../../tenants/caller';
import type { MediaTokens } from '../../tenants/media-tokens';
import { callerOf } from '../middleware/authentication';
import { requestIdOf } from '../middleware/request-id';
import { parseRenderRequest, validationError } from '../render-request';
import { RENDER_FIELDS } from '../render-request-schema';
import type { ReusedJob, SubmittedJob } from '../render-response-schema';
import { jobFileLimits, readRenderUploads, type UploadedFile } from '../render-uploads';
import { CALLBACK_URL_MAX_LENGTH } from '../../webhooks/callback-url';

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
  submitter: RenderSubmitter;
  tokens: Pick<MediaTokens, 'browserLinks'>;
}): Router {
  const { config, submitter, tokens } = deps;
  const maxCodeBytes = config.MAX_CODE_BYTES;

  const parseJson = express.json({
    limit: jsonBodyLimitBytes(maxCodeBytes),
    strict: true,
    // The content type has already been checked by readBody.
    type: () => true,
  });

  const fieldLimit = RENDER_FIELDS.length + 8; // room to name a few unknown fields
  const fileLimits = jobFileLimits(config);
  // A project archive may be as large as all the files of a request together; each upload is
  // checked against its own limit once read.
  const largestUpload = Math.max(maxCodeBytes, fileLimits.maxFileBytes, fileLimits.maxTotalBytes);
  const multipartBodyLimit = multipartLimitBytes(maxCodeBytes, fileLimits.maxTotalBytes);
  const parseMultipart = multer({
    storage: multer.memoryStorage(),
    defParamCharset: 'utf8',
    // Keep the folders in an asset's file name ("images/logo.png"): that is where it goes.
    preservePath: true,
    limits: {
      files: fileLimits.maxFiles + 2,
      fileSize: largestUpload,
      fields: fieldLimit,
      fieldSize: textFieldLimitBytes(maxCodeBytes),
      fieldNameSize: 100,
      fieldNestingDepth: 0,
      parts: fieldLimit + fileLimits.maxFiles + 2,
      headerPairs: 20,
    },
  }).fields([
    { name: 'file', maxCount: 1 },
    { name: 'assets', maxCount: Math.max(fileLimits.maxFiles, 1) },
    { name: 'project', maxCount: 1 },
  ]);

  const readMultipart = (req: Request, res: Response, next: NextFunction): void => {
    const tooLarge = bodyOverLimit(req, multipartBodyLimit);
    if (tooLarge) return next(tooLarge);
    parseMultipart(req, res, (error?: unknown) => {
      next(error === undefined ? undefined : explainMulterError(error, config));
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
    const uploads = await readRenderUploads(uploadedFiles(req), fields, config);
    const { assets, sceneFile } = uploads;
    if (assets.length > 0 && config.MAX_ASSET_FILES === 0) {
      throw validationError([{ field: 'assets', message: 'are not accepted by this server' }]);
    }
    const { code, options, cache, callbackUrl } = parseRenderRequest(
      {
        fields,
        uploadedCode: uploads.uploadedCode,
        uploadedFileName: uploads.uploadedFileName,
        uploadedField: sceneFile === DEFAULT_SCENE_FILE ? 'file' : 'project',
        importsModules: assets.some((asset) => asset.path.endsWith('.py')),
      },
      config,
    );
    const requestId = requestIdOf(res);
    const caller = callerOf(res);
    const tenant = playTenant(config, caller);
    const submitted = await submitter.submit(
      {
        code,
        options,
        owner: caller.tenant,
        tenant,
        sceneFile: sceneFile === DEFAULT_SCENE_FILE ? undefined : sceneFile,
        assets: assets.length > 0 ? assets.map(describeJobFile) : undefined,
        requestId: requestId || undefined,
      },
      { reuse: cache, callbackUrl, files: assets.length > 0 ? assets : undefined },
    );
    const links = jobLinks(submitted.id);
    const browserLinks = tokens.browserLinks(submitted.id);
    const webhook = submitted.webhook ? { webhook: submitted.webhook } : {};
    if (submitted.reused) {
      // An identical render: finished (200, with its result) or still running (202, attached).
      const job = submitted.reused;
      const status = job.status === 'completed' ? 200 : 202;
      res
        .status(status)
        .location(links.self)
        .json({ ...job, links, browserLinks, reused: true, ...webhook } satisfies ReusedJob);
      return;
    }
    res
      .status(202)
      .location(links.self)
      .json({
        id: submitted.id,
        status: 'queued',
        links,
        browserLinks,
        ...webhook,
      } satisfies SubmittedJob);
  };

  const router = express.Router();
  router.post(RENDER_PATH, readBody, submit);
  return router;
}

/** The multipart files of a request, whichever fields they came in. */
function uploadedFiles(req: Request): UploadedFile[] {
  const files = req.files;
  if (files === undefined) return [];
  return Array.isArray(files) ? files : Object.values(files).flat();
}

/**
 * The most one text field of a form may hold: the code, or any other field a character over its
 * longest allowed value (callbackUrl) at four UTF-8 bytes a character, so that such a field is
 * refused by validation with its own message, not by the form parser.
 */
function textFieldLimitBytes(maxCodeBytes: number): number {
  return Math.max(maxCodeBytes, (CALLBACK_URL_MAX_LENGTH + 1) * 4);
}

/**
 * The most a multipart request may carry: the scene, the files beside it and the form fields,
 * with room for the multipart framing. Multer limits each file, not the whole body.
 */
function multipartLimitBytes(maxCodeBytes: number, maxFilesBytes: number): number {
  return maxCodeBytes * 2 + maxFilesBytes + 1024 * 1024;
}

/** Refuses a body whose declared length is over the limit before reading any of it. */
function bodyOverLimit(req: Request, limitBytes: number): AppError | undefined {
  const declared = Number(req.get('Content-Length'));
  if (!Number.isFinite(declared) || declared <= limitBytes) return undefined;
  return new AppError(
    'payload_too_large',
    `The request body is ${declared} bytes, over the limit of ${limitBytes} bytes for a render request with its files`,
    {
      hint: 'Send fewer or smaller files, or ask the operator to raise MAX_ASSETS_TOTAL_MB.',
      details: { limitBytes },
    },
  );
}

/**
 * Multer knows that a limit was hit but not which number, and not what this route expects; say
 * both. Other multer errors are mapped generically by the error handler. What the form parser
 * itself throws (no boundary, a malformed part header, a body cut short) is the body's fault.
 */
function explainMulterError(
  error: unknown,
  config: Pick<
    Config,
    'MAX_CODE_BYTES' | 'MAX_ASSET_FILES' | 'MAX_ASSET_FILE_MB' | 'MAX_ASSETS_TOTAL_MB'
  >,
): unknown {
  if (error instanceof AppError) return error;
  if (!(error instanceof multer.MulterError)) {
    const message = error instanceof Error ? error.message : String(error);
    return new AppError('validation_failed', `The multipart form cannot be read: ${message}`, {
      hint: 'Send a multipart/form-data body with the boundary named in its Content-Type, as HTTP clients and browsers build it (curl -F, FormData).',
      details: { problems: [{ field: 'body', message }] },
    });
  }
  const maxCodeBytes = config.MAX_CODE_BYTES;
  const limits = jobFileLimits(config);
  if (error.code === 'LIMIT_FILE_SIZE') {
    // multer 2 adds the client's file name to the error; its type definitions do not know it yet.
    const fileName: unknown = (error as { filename?: unknown }).filename;
    const name = typeof fileName === 'string' ? ` ${JSON.stringify(fileName)}` : '';
    const field = error.field ?? 'file';
    const limitBytes =
      field === 'file'
        ? maxCodeBytes
        : field === 'assets'
          ? limits.maxFileBytes
          : limits.maxTotalBytes;
    return new AppError(
      'payload_too_large',
      `Uploaded file${name} in "${field}" is larger than the limit of ${limitBytes} bytes`,
      { details: { field, limitBytes } },
    );
  }
  if (error.code === 'LIMIT_FIELD_VALUE') {
    const field = error.field ?? 'a field';
    const limitBytes = textFieldLimitBytes(maxCodeBytes);
    return new AppError(
      'payload_too_large',
      `Form field "${field}" is larger than the limit of ${limitBytes} bytes`,
      { details: { field, limitBytes } },
    );
  }
  if (
    error.code === 'LIMIT_FILE_COUNT' ||
    (error.code === 'LIMIT_UNEXPECTED_FILE' && error.field === 'assets')
  ) {
    return validationError([
      {
        field: 'assets',
        message: `accepts at most ${limits.maxFiles} files (MAX_ASSET_FILES); send fewer, or pack them into a "project" archive within the same limit`,
      },
    ]);
  }
  if (error.code === 'LIMIT_UNEXPECTED_FILE') {
    const field = error.field ?? '';
    const message =
      field === 'file'
        ? 'accepts one file only; upload a single .py file'
        : field === 'project'
          ? 'accepts one archive only'
          : `is not a field for files; send the scene in "file", the files beside it in "assets", or one archive of the project in "project"`;
    return validationError([{ field: field === '' ? 'file' : field, message }]);
  }
  return error;
}

/**
 * Whose plays a request's job reuses (PLAY_REUSE): the caller's tenant (one per API key); on an
 * open API, everyone together only when PLAY_REUSE is `everyone`.
 */
export function playTenant(
  config: Pick<Config, 'API_KEYS' | 'PLAY_REUSE'>,
  caller: Caller,
): string | undefined {
  if (config.PLAY_REUSE === 'off') return undefined;
  if (config.API_KEYS.length > 0) return caller.tenant;
  return config.PLAY_REUSE === 'everyone' ? caller.tenant : undefined;
}
