import { existsSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import express, { type Router } from 'express';

/**
 * The playground: a page at `/` to write a scene, render it and watch it, made of the static files
 * in backend/playground/ (plain HTML, CSS and browser JavaScript, no build step). tsc does not copy
 * them into dist/, so the folder is found by walking up from this module, which works from the
 * sources and from dist/ alike.
 */
export function playgroundDir(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'backend', 'playground');
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`backend/playground/index.html not found above ${__dirname}`);
    }
    dir = parent;
  }
}

/**
 * Everything the page loads comes from this server: the policy forbids other origins, inline
 * scripts and inline styles, so the page works (and is tested) without any network beyond the API.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

export function playgroundRoutes(deps: { dir?: string } = {}): Router {
  const dir = deps.dir ?? playgroundDir();
  const router = express.Router();
  router.use(
    express.static(dir, {
      index: 'index.html',
      // Mounted after the API's routes, so a file can never shadow one; misses fall through to
      // the JSON 404.
      dotfiles: 'ignore',
      redirect: false,
      setHeaders: setPageHeaders,
    }),
  );
  return router;
}

/** The headers of every playground file, for routes that serve one of them elsewhere. */
export function setPageHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-cache');
}
