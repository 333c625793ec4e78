import type { RequestHandler } from 'express';
import { AppError } from '../../errors/app-error';
import { HTTP_METHODS, type HttpMethod, type PathItemObject } from '../openapi/openapi-types';

interface ServedPath {
  template: string;
  pattern: RegExp;
  allow: string[];
}

/**
 * Answers a method a described path does not serve with 405 and the methods it does serve in
 * `Allow`, instead of the 404 of a path that does not exist. Runs after every route, so it only
 * sees requests no route took; the paths and methods come from the API's own description.
 */
export function methodNotAllowed(paths: Record<string, PathItemObject>): RequestHandler {
  const served: ServedPath[] = Object.entries(paths).map(([template, item]) => ({
    template,
    pattern: templatePattern(template),
    allow: allowedMethods(item),
  }));
  return (req, _res, next) => {
    const path = served.find((candidate) => candidate.pattern.test(req.path));
    if (path === undefined || path.allow.includes(req.method)) return next();
    next(
      new AppError(
        'method_not_allowed',
        `${req.method} is not served at ${path.template}; it answers ${path.allow.join(', ')}`,
        { details: { method: req.method, path: path.template, allow: path.allow } },
      ),
    );
  };
}

/** `/api/animation/jobs/{id}` matches one path segment in place of `{id}`. */
function templatePattern(template: string): RegExp {
  const escaped = template
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${escaped}/?$`);
}

/** Express answers HEAD wherever it answers GET, and OPTIONS everywhere. */
function allowedMethods(item: PathItemObject): string[] {
  const served = (method: HttpMethod) =>
    item[method] !== undefined ||
    (method === 'head' && item.get !== undefined) ||
    method === 'options';
  return HTTP_METHODS.filter(served).map((method) => method.toUpperCase());
}
