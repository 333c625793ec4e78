import { z } from 'zod';
import express, { type Request, type Response, type Router } from 'express';
import type { Config } from '../../config/config-schema';
import { AppError } from '../../errors/app-error';
import { detectSceneClasses } from '../../manim/scene-detection';
import { mediaTypeOf } from '../http-headers';
import { jsonBodyLimitBytes } from './render-routes';

export const SCENES_PATH = '/api/animation/scenes';

export const sceneClassSchema = z
  .strictObject({
    name: z.string().meta({ description: 'The class name.' }),
    line: z.int().min(1).meta({ description: 'Line of its class statement, from 1.' }),
  })
  .meta({ id: 'SceneClass' });

export const sceneListSchema = z
  .strictObject({ scenes: z.array(sceneClassSchema) })
  .meta({ id: 'SceneList' });

/**
 * `POST /api/animation/scenes` with `{"code": "..."}`: the Scene classes the code defines, found
 * the same way a render request resolves its scene (the code is scanned, never run). Editors use
 * it to offer the scenes to pick from while the code is being written.
 */
export function sceneRoutes(deps: { config: Pick<Config, 'MAX_CODE_BYTES'> }): Router {
  const maxCodeBytes = deps.config.MAX_CODE_BYTES;
  const parseJson = express.json({
    limit: jsonBodyLimitBytes(maxCodeBytes),
    strict: true,
    type: () => true,
  });

  const requireJson = (req: Request, _res: Response, next: (error?: unknown) => void): void => {
    const mediaType = mediaTypeOf(req.get('Content-Type'));
    if (mediaType === 'application/json') return next();
    const got = mediaType === undefined ? 'no Content-Type' : `Content-Type ${mediaType}`;
    next(
      new AppError(
        'unsupported_media_type',
        `POST ${SCENES_PATH} accepts application/json, got ${got}`,
        {
          hint: 'Send {"code": "..."} as application/json.',
          details: { contentType: mediaType ?? null },
        },
      ),
    );
  };

  const detect = (req: Request, res: Response): void => {
    const body: unknown = req.body;
    const code =
      typeof body === 'object' && body !== null ? (body as { code?: unknown }).code : undefined;
    if (typeof code !== 'string') {
      const problem = { field: 'code', message: 'must be a string of Python source' };
      throw new AppError('validation_failed', `Invalid scene request: code ${problem.message}`, {
        hint: 'Send {"code": "..."} with the scene code as a JSON string.',
        details: { problems: [problem] },
      });
    }
    const sizeBytes = Buffer.byteLength(code, 'utf8');
    if (sizeBytes > maxCodeBytes) {
      throw new AppError(
        'payload_too_large',
        `Scene code is ${sizeBytes} bytes (UTF-8), over the limit of ${maxCodeBytes} bytes`,
        { details: { field: 'code', sizeBytes, limitBytes: maxCodeBytes } },
      );
    }
    res.json({ scenes: detectSceneClasses(code) } satisfies z.infer<typeof sceneListSchema>);
  };

  const router = express.Router();
  router.post(SCENES_PATH, requireJson, parseJson, detect);
  return router;
}
