import { REQUEST_ID_HEADER } from '../middleware/request-id';
import { ref } from './openapi-schemas';
import type {
  HeaderObject,
  LinkObject,
  OperationObject,
  ParameterObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
  SecurityRequirement,
} from './openapi-types';
import type { Config } from '../../config/config-schema';
import { type ErrorCode, ERROR_CATALOGUE } from '../../errors/app-error';

/** Express's `/jobs/:id` as OpenAPI's `/jobs/{id}`. */
export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export const JSON_TYPE = 'application/json';

export function headerRef(name: string): ReferenceObject {
  return { $ref: `#/components/headers/${name}` };
}

/** Every response carries the request id. */
export function withRequestId(
  headers: Record<string, HeaderObject | ReferenceObject> = {},
): Record<string, HeaderObject | ReferenceObject> {
  return { [REQUEST_ID_HEADER]: headerRef(REQUEST_ID_HEADER), ...headers };
}

export function jsonResponse(
  description: string,
  schema: SchemaObject,
  extra: {
    headers?: Record<string, HeaderObject | ReferenceObject>;
    links?: Record<string, LinkObject>;
  } = {},
): ResponseObject {
  return {
    description,
    headers: withRequestId(extra.headers),
    content: { [JSON_TYPE]: { schema } },
    ...(extra.links ? { links: extra.links } : {}),
  };
}

/** The routes of the job a render response names, by its `id`. */
export function jobLinks(): Record<string, LinkObject> {
  const link = (operationId: string, description: string): LinkObject => ({
    operationId,
    parameters: { id: '$response.body#/id' },
    description,
  });
  return {
    job: link('getJob', 'The job: its status, progress, and result or error.'),
    video: link('getJobVideo', 'The rendered file, once the job has completed.'),
    videoHead: link('headJobVideo', 'The headers of the rendered file.'),
    poster: link('getJobPoster', 'The last frame as PNG, once the job has completed.'),
    posterHead: link('headJobPoster', 'The headers of the poster.'),
    events: link('streamJobEvents', "The job's progress and end as server-sent events."),
    logs: link('getJobLogs', "Manim's output for the job."),
    cancel: link('cancelJob', 'Cancels the job.'),
  };
}

export function emptyResponse(
  description: string,
  headers?: Record<string, HeaderObject | ReferenceObject>,
): ResponseObject {
  return { description, headers: withRequestId(headers) };
}

/** Headers that come with errors of a status. */
function errorHeaders(status: number): Record<string, HeaderObject | ReferenceObject> {
  if (status === 401) return { 'WWW-Authenticate': headerRef('WWW-Authenticate') };
  if (status === 429) {
    return {
      'Retry-After': headerRef('Retry-After'),
      RateLimit: headerRef('RateLimit'),
      'RateLimit-Policy': headerRef('RateLimit-Policy'),
    };
  }
  if (status === 503) return { 'Retry-After': headerRef('Retry-After') };
  return {};
}

/**
 * Error responses for the given codes, grouped by the status the catalogue gives them. Each
 * response's schema narrows `error.code` to the codes of that status this operation can answer.
 */
export function errorResponses(
  codes: readonly ErrorCode[],
  notes: Partial<Record<ErrorCode, string>> = {},
): Record<string, ResponseObject> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_CATALOGUE[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, ResponseObject> = {};
  for (const [status, statusCodes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const description = statusCodes
      .map((code) => `\`${code}\`${notes[code] ? `: ${notes[code]}` : ''}`)
      .join('; ');
    const schema: SchemaObject = {
      allOf: [
        ref('ErrorResponse'),
        {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              properties: { code: { type: 'string', enum: statusCodes } },
            },
          },
        },
      ],
    };
    responses[String(status)] = jsonResponse(description, schema, {
      headers: errorHeaders(status),
    });
  }
  return responses;
}

/** Codes every route under /api can answer: keys, rate limits, and the unexpected. */
export const API_COMMON_ERRORS: readonly ErrorCode[] = [
  'key_in_query',
  'unauthorized',
  'rate_limited',
  'internal',
];
/** The routes a browser loads by itself also answer to a token of the job's browserLinks. */
export const MEDIA_COMMON_ERRORS: readonly ErrorCode[] = [...API_COMMON_ERRORS, 'invalid_token'];
export const API_COMMON_NOTES: Partial<Record<ErrorCode, string>> = {
  key_in_query: 'an API key in the query string (api_key), which is never accepted',
  unauthorized: 'API_KEYS is set and the request carries no valid key',
  invalid_token:
    'the token is expired, altered, or made for another job or route (and no API key was sent)',
  rate_limited:
    'over RATE_LIMIT_REQUESTS_PER_MINUTE (or RATE_LIMIT_RENDERS_PER_MINUTE for renders)',
  internal: 'a bug; the server log, searched for the request id, has the details',
  queue_unavailable: 'Redis cannot be reached',
};

export const JOB_ID_PARAMETER: ReferenceObject = { $ref: '#/components/parameters/JobId' };

export const DOWNLOAD_PARAMETER: ParameterObject = {
  name: 'download',
  in: 'query',
  description:
    '1 or true: Content-Disposition attachment (saved as a file); 0, false or none: inline. Any other value is refused with 400.',
  schema: { type: 'string', enum: ['1', 'true', '0', 'false'] },
};

/**
 * `api`: an API key; `media`: an API key, or the token of a job's browserLinks; `admin`:
 * ADMIN_API_KEY, and nothing opens the admin pages without one.
 */
type Access = 'api' | 'media' | 'admin' | 'open';

function securityFor(config: Config, kind: Access): SecurityRequirement[] {
  if (kind === 'open') return [];
  const keys: SecurityRequirement[] = [{ bearerAuth: [] }, { apiKeyHeader: [] }];
  if (kind === 'admin') return [{ basicAuth: [] }, ...keys];
  const schemes = [...keys, { basicAuth: [] }, ...(kind === 'media' ? [{ mediaToken: [] }] : [])];
  // Without API_KEYS the service is open: a request without credentials is accepted too.
  return config.API_KEYS.length === 0 ? [...schemes, {}] : schemes;
}

function operation(
  config: Config,
  kind: Access,
  spec: Omit<OperationObject, 'security'>,
): OperationObject {
  return { ...spec, security: securityFor(config, kind) };
}

export function htmlResponse(description: string): ResponseObject {
  return {
    description,
    headers: withRequestId({
      'Content-Security-Policy': {
        description: 'Only the service itself: no other origins, no inline scripts or styles.',
        schema: { type: 'string' },
      },
    }),
    content: { 'text/html': { schema: { type: 'string' } } },
  };
}

/** What job_not_found means on the routes of one job. */
const JOB_ERROR_NOTES: Partial<Record<ErrorCode, string>> = {
  ...API_COMMON_NOTES,
  job_not_found: "unknown, expired or implausible id, or another API key's job",
};
/** The errors of the routes of one job that take an API key. */
export const JOB_ERRORS = errorResponses(
  [...API_COMMON_ERRORS, 'job_not_found', 'queue_unavailable'],
  JOB_ERROR_NOTES,
);
/** The errors of the routes of one job that a browser link opens too. */
export const MEDIA_JOB_ERRORS = errorResponses(
  [...MEDIA_COMMON_ERRORS, 'job_not_found', 'queue_unavailable'],
  JOB_ERROR_NOTES,
);

/** Builds the operations of one configuration, each with the security its access asks for. */
export interface OpenApiContext {
  config: Config;
  api(spec: Omit<OperationObject, 'security'>): OperationObject;
  media(spec: Omit<OperationObject, 'security'>): OperationObject;
  admin(spec: Omit<OperationObject, 'security'>): OperationObject;
  open(spec: Omit<OperationObject, 'security'>): OperationObject;
}

export function openApiContext(config: Config): OpenApiContext {
  return {
    config,
    api: (spec) => operation(config, 'api', spec),
    media: (spec) => operation(config, 'media', spec),
    admin: (spec) => operation(config, 'admin', spec),
    open: (spec) => operation(config, 'open', spec),
  };
}
