import type {
  HeaderObject,
  MediaTypeObject,
  OpenApiDocument,
  OperationObject,
  ParameterObject,
  ResponseObject,
} from '../../src/api/openapi/openapi-types';
import { toOpenApiPath } from '../../src/api/openapi/openapi-builders';
import { HTTP_METHODS, isReference } from '../../src/api/openapi/openapi-types';
import { isUnder, type AppRoutes } from './express-routes';
import { resolvePointer, schemaProblems } from './schema-checker';

/** A response as a client received it. */
export interface Exchange {
  method: string;
  /** The OpenAPI path template, e.g. `/api/animation/jobs/{id}`. */
  path: string;
  status: number;
  headers: Headers;
  /** The body as text; empty for none. */
  text: string;
}

export function findOperation(
  document: OpenApiDocument,
  method: string,
  path: string,
): OperationObject | undefined {
  const item = document.paths[path];
  return item?.[method.toLowerCase() as keyof typeof item] as OperationObject | undefined;
}

function deref<T extends object>(document: OpenApiDocument, value: T | { $ref: string }): T {
  if (!isReference(value)) return value;
  const target = resolvePointer(document, value.$ref);
  if (target === undefined) throw new Error(`unresolved reference ${value.$ref}`);
  return target as T;
}

function mediaTypeOf(contentType: string | null): string | undefined {
  const type = contentType?.split(';', 1)[0]?.trim().toLowerCase();
  return type === '' ? undefined : type;
}

/**
 * Every way a response differs from the description: an undocumented status or media type, a
 * required header missing, a header or a JSON body that does not match its schema, a body where
 * none is described.
 */
export function exchangeProblems(document: OpenApiDocument, exchange: Exchange): string[] {
  const where = `${exchange.method.toUpperCase()} ${exchange.path} ${exchange.status}`;
  const operation = findOperation(document, exchange.method, exchange.path);
  if (operation === undefined) return [`${where}: the operation is not documented`];
  const documented = operation.responses[String(exchange.status)] ?? operation.responses.default;
  if (documented === undefined) return [`${where}: the status is not documented`];
  const response = deref<ResponseObject>(document, documented);
  const problems: string[] = [];

  for (const [name, header] of Object.entries(response.headers ?? {})) {
    const definition = deref<HeaderObject>(document, header);
    const value = exchange.headers.get(name);
    if (value === null) {
      if (definition.required) problems.push(`${where}: lacks the required header ${name}`);
      continue;
    }
    const typed = definition.schema.type === 'integer' ? Number(value) : value;
    for (const problem of schemaProblems(document, definition.schema, typed, name)) {
      problems.push(`${where}: header ${problem}`);
    }
  }

  const content = response.content ?? {};
  const mediaType = mediaTypeOf(exchange.headers.get('content-type'));
  const hasBody = exchange.text !== '';
  if (Object.keys(content).length === 0 || exchange.method.toLowerCase() === 'head') {
    if (hasBody) problems.push(`${where}: has a body where none is documented`);
    return problems;
  }
  const media: MediaTypeObject | undefined =
    mediaType === undefined ? undefined : content[mediaType];
  if (media === undefined) {
    problems.push(
      `${where}: Content-Type ${String(mediaType)} is not one of ${Object.keys(content).join(', ')}`,
    );
    return problems;
  }
  if (mediaType === 'application/json' && media.schema !== undefined) {
    let body: unknown;
    try {
      body = JSON.parse(exchange.text);
    } catch {
      return [...problems, `${where}: the body is not JSON`];
    }
    for (const problem of schemaProblems(document, media.schema, body)) {
      problems.push(`${where}: body ${problem}`);
    }
  }
  return problems;
}

/** How a Server-Sent Event (name and JSON payload) differs from the description of its stream. */
export function eventProblems(
  document: OpenApiDocument,
  path: string,
  event: { event: string; data: unknown },
): string[] {
  const operation = findOperation(document, 'get', path);
  const documented = operation?.responses['200'];
  const response =
    documented === undefined ? undefined : deref<ResponseObject>(document, documented);
  const events = response?.content?.['text/event-stream']?.['x-server-sent-events'];
  if (events === undefined) return [`GET ${path}: no documented event stream`];
  const definition = events[event.event];
  if (definition === undefined) return [`GET ${path}: the event ${event.event} is not documented`];
  return schemaProblems(document, definition.schema, event.data).map(
    (problem) => `GET ${path} event ${event.event}: ${problem}`,
  );
}

/**
 * Compares the routes an application serves with the paths the description lists. A path marked
 * `x-mounted-application` stands for everything mounted below it. Documented GET paths that no
 * route serves are returned in `staticPaths` when the application serves static files: the
 * caller checks them with a request.
 */
export function routeCoverage(
  document: OpenApiDocument,
  served: AppRoutes,
): { problems: string[]; staticPaths: string[] } {
  const problems: string[] = [];
  const staticPaths: string[] = [];
  const mounted = Object.entries(document.paths)
    .filter(([, item]) => item['x-mounted-application'] === true)
    .map(([path]) => path);
  const routes = served.routes.map((route) => ({ ...route, path: toOpenApiPath(route.path) }));

  for (const route of routes) {
    if (mounted.some((prefix) => isUnder(route.path, prefix))) continue;
    if (findOperation(document, route.method, route.path) === undefined) {
      problems.push(`${route.method.toUpperCase()} ${route.path} is served but not documented`);
    }
  }
  for (const [path, item] of Object.entries(document.paths)) {
    if (item['x-mounted-application'] === true && !served.mounts.includes(path)) {
      problems.push(`${path} is documented as a mounted application, but nothing is mounted there`);
    }
    for (const method of HTTP_METHODS) {
      if (item[method] === undefined) continue;
      const isServed = routes.some(
        (route) =>
          route.path === path &&
          (route.method === method || (method === 'head' && route.method === 'get')),
      );
      if (isServed || (item['x-mounted-application'] === true && served.mounts.includes(path))) {
        continue;
      }
      if ((method === 'get' || method === 'head') && served.staticMounts.length > 0) {
        staticPaths.push(path);
        continue;
      }
      problems.push(`${method.toUpperCase()} ${path} is documented but not served`);
    }
  }
  return { problems, staticPaths };
}

/** How a request the service sent (a webhook) differs from the callback the description names. */
export function callbackProblems(
  document: OpenApiDocument,
  operation: { method: string; path: string; callback: string },
  request: { headers: Record<string, string | string[] | undefined>; body: unknown },
): string[] {
  const callbacks = findOperation(document, operation.method, operation.path)?.callbacks;
  const item = Object.values(callbacks?.[operation.callback] ?? {})[0];
  const sent = item?.post;
  const where = `callback ${operation.callback} of ${operation.method.toUpperCase()} ${operation.path}`;
  if (sent === undefined) return [`${where}: not documented`];
  const problems: string[] = [];
  for (const raw of sent.parameters ?? []) {
    const parameter = deref<ParameterObject>(document, raw);
    if (parameter.in !== 'header') continue;
    const value = request.headers[parameter.name.toLowerCase()];
    if (value === undefined) {
      if (parameter.required) problems.push(`${where}: lacks the header ${parameter.name}`);
      continue;
    }
    for (const problem of schemaProblems(document, parameter.schema, value, parameter.name)) {
      problems.push(`${where}: header ${problem}`);
    }
  }
  const schema = sent.requestBody?.content['application/json']?.schema;
  if (schema === undefined) return [...problems, `${where}: no JSON body documented`];
  for (const problem of schemaProblems(document, schema, request.body)) {
    problems.push(`${where}: body ${problem}`);
  }
  return problems;
}
