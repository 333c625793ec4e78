import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { OpenApiDocument } from '../openapi/openapi-types';
import { playgroundDir, setPageHeaders } from './playground-routes';

export const OPENAPI_PATH = '/api/openapi.json';
export const API_DOCS_PATH = '/api/docs';

/** The reference page among the playground's files; it loads the description and shows it. */
export const API_DOCS_PAGE = 'api-docs.html';

/**
 * `GET /api/openapi.json`, the OpenAPI description of this server, and `GET /api/docs`, a page
 * that shows it. Both are mounted before the API key check: the contract is not a secret, and the
 * page must load before a person has entered a key.
 */
export function openApiRoutes(deps: {
  /** The description of this server (buildOpenApiDocument). */
  document: OpenApiDocument;
  /** The folder that holds the page; the playground's by default. */
  pagesDir?: string;
}): Router {
  const description = `${JSON.stringify(deps.document, null, 2)}\n`;
  const pagesDir = deps.pagesDir ?? playgroundDir();

  const router = express.Router();
  router.get(OPENAPI_PATH, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('application/json').send(description);
  });
  router.get(API_DOCS_PATH, (_req: Request, res: Response, next: NextFunction) => {
    setPageHeaders(res);
    res.sendFile(API_DOCS_PAGE, { root: pagesDir }, (error?: unknown) => {
      if (error !== undefined && !res.headersSent) next(error);
    });
  });
  return router;
}
