import type { Config } from '../../config/config-schema';
import { ERROR_CATALOGUE, type ErrorCode } from '../../errors/app-error';
import { WEBHOOK_EVENTS } from '../../webhooks/webhook-payload';
import { WEBHOOK_HEADERS } from '../../webhooks/webhook-signature';
import { JOB_ID_PATTERN } from '../job-id';
import { REQUEST_ID_HEADER, SANE_REQUEST_ID } from '../middleware/request-id';
import { EVENTS_PATH } from '../routes/job-event-routes';
import { JOB_PATH, LOGS_PATH, POSTER_PATH, VIDEO_PATH } from '../routes/job-routes';
import { MCP_PATH } from '../mcp/mcp-routes';
import { LIMITS_PATH } from '../routes/limits-routes';
import { RENDER_PATH } from '../routes/render-routes';
import { SCENES_PATH } from '../routes/scene-routes';
import { DELIVERED_CONTENT_TYPES } from '../../job/output-files';
import { componentSchemas, ref } from './openapi-schemas';
import type {
  HeaderObject,
  LinkObject,
  MediaTypeObject,
  OpenApiDocument,
  OperationObject,
  ParameterObject,
  PathItemObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
  SecurityRequirement,
} from './openapi-types';

export const OPENAPI_PATH = '/api/openapi.json';
export const API_DOCS_PATH = '/api/docs';

/** The version of the HTTP contract described here, not of the package. */
const API_VERSION = '1.0.0';

/** Express's `/jobs/:id` as OpenAPI's `/jobs/{id}`. */
export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

const JSON_TYPE = 'application/json';

function headerRef(name: string): ReferenceObject {
  return { $ref: `#/components/headers/${name}` };
}

/** Every response carries the request id. */
function withRequestId(
  headers: Record<string, HeaderObject | ReferenceObject> = {},
): Record<string, HeaderObject | ReferenceObject> {
  return { [REQUEST_ID_HEADER]: headerRef(REQUEST_ID_HEADER), ...headers };
}

function jsonResponse(
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
function jobLinks(): Record<string, LinkObject> {
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

function emptyResponse(
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
function errorResponses(
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

/** A JSON-RPC 2.0 message as the MCP transport answers it (a result, or an error). */
const MCP_MESSAGE: SchemaObject = {
  type: 'object',
  properties: {
    jsonrpc: { type: 'string', enum: ['2.0'] },
    id: { nullable: true, oneOf: [{ type: 'string' }, { type: 'integer' }] },
    result: { type: 'object' },
    error: {
      type: 'object',
      properties: { code: { type: 'integer' }, message: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
  required: ['jsonrpc'],
};

/** Codes every route under /api can answer: keys, rate limits, and the unexpected. */
const API_COMMON_ERRORS: readonly ErrorCode[] = [
  'key_in_query',
  'unauthorized',
  'rate_limited',
  'internal',
];
/** The routes a browser loads by itself also answer to a token of the job's browserLinks. */
const MEDIA_COMMON_ERRORS: readonly ErrorCode[] = [...API_COMMON_ERRORS, 'invalid_token'];
const API_COMMON_NOTES: Partial<Record<ErrorCode, string>> = {
  key_in_query: 'an API key in the query string (api_key), which is never accepted',
  unauthorized: 'API_KEYS is set and the request carries no valid key',
  invalid_token:
    'the token is expired, altered, or made for another job or route (and no API key was sent)',
  rate_limited:
    'over RATE_LIMIT_REQUESTS_PER_MINUTE (or RATE_LIMIT_RENDERS_PER_MINUTE for renders)',
  internal: 'a bug; the server log, searched for the request id, has the details',
  queue_unavailable: 'Redis cannot be reached',
};

const JOB_ID_PARAMETER: ReferenceObject = { $ref: '#/components/parameters/JobId' };

const DOWNLOAD_PARAMETER: ParameterObject = {
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

function htmlResponse(description: string): ResponseObject {
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

function paths(config: Config, adminQueuesPath: string): Record<string, PathItemObject> {
  const api = (spec: Omit<OperationObject, 'security'>) => operation(config, 'api', spec);
  const media = (spec: Omit<OperationObject, 'security'>) => operation(config, 'media', spec);
  const open = (spec: Omit<OperationObject, 'security'>) => operation(config, 'open', spec);
  const jobErrorNotes = {
    ...API_COMMON_NOTES,
    job_not_found: "unknown, expired or implausible id, or another API key's job",
  };
  const jobErrors = errorResponses(
    [...API_COMMON_ERRORS, 'job_not_found', 'queue_unavailable'],
    jobErrorNotes,
  );
  const mediaJobErrors = errorResponses(
    [...MEDIA_COMMON_ERRORS, 'job_not_found', 'queue_unavailable'],
    jobErrorNotes,
  );

  const videoBinary = Object.fromEntries(
    DELIVERED_CONTENT_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }]),
  ) as Record<string, MediaTypeObject>;
  const videoHeaders: Record<string, HeaderObject | ReferenceObject> = {
    'Content-Disposition': {
      description:
        'inline, or attachment with download=1; filename, plus filename* (RFC 6266) for names that are not plain ASCII.',
      schema: { type: 'string' },
    },
    'Accept-Ranges': { schema: { type: 'string', enum: ['bytes'] } },
    'Content-Length': { schema: { type: 'integer', minimum: 0 } },
    ETag: { schema: { type: 'string' } },
    'Last-Modified': { schema: { type: 'string' } },
  };
  const redirectsToStore = config.STORAGE === 's3' && config.S3_DOWNLOAD === 'redirect';
  const videoGet = (method: 'get' | 'head'): OperationObject =>
    media({
      operationId: method === 'get' ? 'getJobVideo' : 'headJobVideo',
      tags: ['Jobs'],
      summary:
        method === 'get' ? "Download or stream the job's file" : "The headers of the job's file",
      description:
        method === 'get'
          ? 'The rendered file of a completed job, with its Content-Type and HTTP Range support (seekable in a <video>). Several ranges, or an invalid Range, get the whole file. If-None-Match / If-Modified-Since get 304.'
          : 'The same headers as GET, without the body.',
      parameters: [
        JOB_ID_PARAMETER,
        DOWNLOAD_PARAMETER,
        {
          name: 'Range',
          in: 'header',
          description: 'One byte range, e.g. bytes=0-1023.',
          schema: { type: 'string', pattern: '^bytes=' },
          example: 'bytes=0-1023',
        },
      ],
      responses: {
        '200': {
          description: "The whole file; its type is the job's result.contentType.",
          headers: withRequestId(videoHeaders),
          content: method === 'get' ? videoBinary : {},
        },
        '206': {
          description: 'The requested byte range.',
          headers: withRequestId({
            ...videoHeaders,
            'Content-Range': {
              required: true,
              description: 'bytes <first>-<last>/<size>',
              schema: { type: 'string', pattern: '^bytes \\d+-\\d+/\\d+$' },
            },
          }),
          content: method === 'get' ? videoBinary : {},
        },
        '304': emptyResponse("The client's cached copy is current."),
        ...(redirectsToStore
          ? {
              '302': emptyResponse(
                'The file is fetched from the object store: Location is a presigned URL, valid for S3_PRESIGN_SECONDS.',
                { Location: headerRef('Location') },
              ),
            }
          : {}),
        ...errorResponses(
          [
            ...MEDIA_COMMON_ERRORS,
            'validation_failed',
            'job_not_found',
            'job_not_completed',
            'queue_unavailable',
            ...(config.STORAGE === 's3' ? (['output_store_unavailable'] as const) : []),
          ],
          {
            ...API_COMMON_NOTES,
            job_not_found:
              "unknown, expired or implausible id, another API key's job, or the job record remains but its file is gone",
            job_not_completed: 'the job is queued, active, failed or cancelled',
            validation_failed: 'download is not 1, true, 0 or false',
            output_store_unavailable: 'the object store that keeps the file does not answer',
          },
        ),
        '412': emptyResponse('An If-Match / If-Unmodified-Since precondition failed (empty body).'),
        '416': emptyResponse('The range lies outside the file (empty body).', {
          'Content-Range': {
            required: true,
            description: 'bytes */<size>',
            schema: { type: 'string', pattern: '^bytes \\*/\\d+$' },
          },
        }),
      },
    });

  const posterGet = (method: 'get' | 'head'): OperationObject =>
    media({
      operationId: method === 'get' ? 'getJobPoster' : 'headJobPoster',
      tags: ['Jobs'],
      summary: method === 'get' ? "The job's poster: its last frame" : 'The headers of the poster',
      description:
        'The last frame of a completed job as PNG (for a PNG result, the file itself): a thumbnail for a video, or a look at the result without playing it. Conditional requests get 304 as for the video.',
      parameters: [JOB_ID_PARAMETER, DOWNLOAD_PARAMETER],
      responses: {
        '200': {
          description: 'The poster.',
          headers: withRequestId(videoHeaders),
          content:
            method === 'get'
              ? { 'image/png': { schema: { type: 'string', format: 'binary' } } }
              : {},
        },
        '304': emptyResponse("The client's cached copy is current."),
        ...(redirectsToStore
          ? {
              '302': emptyResponse(
                'The poster is fetched from the object store: Location is a presigned URL.',
                { Location: headerRef('Location') },
              ),
            }
          : {}),
        ...errorResponses(
          [
            ...MEDIA_COMMON_ERRORS,
            'validation_failed',
            'job_not_found',
            'job_not_completed',
            'poster_not_found',
            'queue_unavailable',
            ...(config.STORAGE === 's3' ? (['output_store_unavailable'] as const) : []),
          ],
          {
            ...API_COMMON_NOTES,
            job_not_found:
              "unknown, expired or implausible id, another API key's job, or the job record remains but its poster file is gone",
            job_not_completed: 'the job is queued, active, failed or cancelled',
            poster_not_found: 'the video could not be read for a poster (its log says why)',
            validation_failed: 'download is not 1, true, 0 or false',
            output_store_unavailable: 'the object store that keeps the file does not answer',
          },
        ),
      },
    });

  const renderRequestExamples = {
    json: {
      summary: 'A scene at low quality',
      value: {
        code: 'from manim import *\n\nclass Intro(Scene):\n    def construct(self):\n        self.play(Write(Text("Hello")))\n',
        quality: 'low',
        format: 'mp4',
      },
    },
    options: {
      summary: 'Every option',
      value: {
        code: 'from manim import *\n\nclass Intro(Scene):\n    def construct(self):\n        self.play(Create(Circle()))\n',
        scene: 'Intro',
        quality: 'high',
        format: 'webm',
        fps: 24,
        resolution: '1280x720',
        transparent: true,
        timeout: 120,
        cache: false,
      },
    },
  };

  const sseEvent = (description: string, schema: SchemaObject) => ({ description, schema });

  return {
    '/health': {
      get: open({
        operationId: 'getHealth',
        tags: ['Service'],
        summary: 'Liveness',
        description: 'Answers while the process runs; does not check Redis or Docker.',
        responses: { '200': jsonResponse('The process is alive.', ref('Health')) },
      }),
    },
    '/ready': {
      get: open({
        operationId: 'getReadiness',
        tags: ['Service'],
        summary: 'Readiness',
        description:
          "Whether a render submitted now can finish: Redis answers, the outputs' disk has MIN_FREE_DISK_MB free, and a worker reaches its Docker Engine and has the render image. Both statuses have the same body; `problems` names every failing part with its fix.",
        responses: {
          '200': jsonResponse('Ready.', ref('Readiness')),
          '503': jsonResponse('Not ready; `problems` says why.', ref('Readiness')),
        },
      }),
    },
    '/metrics': {
      get: open({
        operationId: 'getMetrics',
        tags: ['Service'],
        summary: 'Prometheus metrics',
        description:
          'Requests, latencies, queue depth by state, render durations by quality and failures by code, in the Prometheus text format.',
        responses: {
          '200': {
            description: 'The metrics.',
            headers: withRequestId(),
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
        },
      }),
    },
    '/': {
      get: open({
        operationId: 'getPlayground',
        tags: ['Pages'],
        summary: 'The playground',
        description:
          'A page to write a scene, render it and watch it live. Its files are served from the same origin; paths the API does not use fall through to them.',
        responses: { '200': htmlResponse('The playground page.') },
      }),
    },
    [adminQueuesPath]: {
      'x-mounted-application': true,
      get: operation(config, 'admin', {
        operationId: 'getQueueDashboard',
        tags: ['Pages'],
        summary: 'The queue dashboard (bull-board)',
        description:
          'Waiting, active, completed and failed jobs, with their data, progress and errors. Everything below this path belongs to the dashboard. It needs ADMIN_API_KEY (HTTP Basic password, any user name, or like an API key) and stays closed while none is set, whether or not the API is open. With ADMIN_READ_ONLY it changes nothing.',
        responses: {
          '200': {
            description: 'The dashboard page.',
            headers: withRequestId(),
            content: { 'text/html': { schema: { type: 'string' } } },
          },
          ...errorResponses(['unauthorized', 'admin_closed'], {
            unauthorized: 'no valid admin key',
            admin_closed: 'ADMIN_API_KEY is not set: nothing opens the admin pages',
          }),
        },
      }),
    },
    [OPENAPI_PATH]: {
      get: open({
        operationId: 'getOpenApiDocument',
        tags: ['Pages'],
        summary: 'This description',
        description: 'The OpenAPI 3 description of every route; needs no API key.',
        responses: {
          '200': jsonResponse('The OpenAPI document.', {
            type: 'object',
            required: ['openapi', 'info', 'paths'],
          }),
        },
      }),
    },
    [API_DOCS_PATH]: {
      get: open({
        operationId: 'getApiDocs',
        tags: ['Pages'],
        summary: 'The API reference page',
        description: `A page that shows ${OPENAPI_PATH} readably: operations, parameters, schemas and examples.`,
        responses: { '200': htmlResponse('The reference page.') },
      }),
    },
    [LIMITS_PATH]: {
      get: api({
        operationId: 'getLimits',
        tags: ['Renders'],
        summary: 'Defaults, caps and container limits',
        description:
          'What a request may ask for and what a render container gets, so clients can check first.',
        responses: {
          '200': jsonResponse('The limits of this server.', ref('Limits')),
          ...errorResponses(API_COMMON_ERRORS, API_COMMON_NOTES),
        },
      }),
    },
    [toOpenApiPath(RENDER_PATH)]: {
      post: api({
        operationId: 'submitRender',
        tags: ['Renders'],
        summary: 'Queue a render',
        description:
          'Submits scene code. The scene class is resolved before queueing (the code is scanned, never run). A request identical to an earlier one (code, output options and render image) is answered with that job while it is queued or running (202) or once it has completed and its file exists (200), both with `reused: true`; `cache: false` forces a new render.',
        requestBody: {
          required: true,
          content: {
            [JSON_TYPE]: { schema: ref('RenderRequest'), examples: renderRequestExamples },
            'multipart/form-data': {
              schema: ref('RenderUpload'),
              encoding: {
                file: {
                  contentType: 'text/x-python, application/octet-stream',
                  headers: {
                    'Content-Disposition': {
                      description: 'The file name must end in .py.',
                      schema: { type: 'string' },
                      example: 'form-data; name="file"; filename="scene.py"',
                    },
                  },
                },
              },
            },
          },
        },
        callbacks: { jobEnded: webhookCallback(config) },
        responses: {
          '200': jsonResponse(
            'An identical render has completed; that job is returned.',
            ref('ReusedJob'),
            { headers: { Location: headerRef('Location') }, links: jobLinks() },
          ),
          '202': jsonResponse(
            'Queued; or attached to an identical render still under way (`reused: true`).',
            { oneOf: [ref('SubmittedJob'), ref('ReusedJob')] },
            { headers: { Location: headerRef('Location') }, links: jobLinks() },
          ),
          ...errorResponses(
            [
              ...API_COMMON_ERRORS,
              'validation_failed',
              'payload_too_large',
              'unsupported_media_type',
              'invalid_files',
              'scene_not_found',
              'queue_unavailable',
              'queue_full',
              'insufficient_storage',
            ],
            {
              ...API_COMMON_NOTES,
              validation_failed:
                'malformed JSON or form, a body that is not an object, bad or unknown fields (every one in details.problems), more assets than MAX_ASSET_FILES, or a value over a server cap',
              invalid_files:
                'an upload that cannot be used as it is: a scene file not named .py, not UTF-8 or empty; an asset path that is absolute, leaves its folder or repeats another; a project that is no readable .zip or .tar.gz, or holds a link, a bad path or too many files; a sceneFile the project does not have',
              payload_too_large: `code over MAX_CODE_BYTES (${config.MAX_CODE_BYTES} bytes), or a body, upload or field over its limit`,
              unsupported_media_type: 'neither application/json nor multipart/form-data',
              scene_not_found: 'no scene, several scenes and no `scene`, or `scene` not defined',
              queue_full: 'MAX_QUEUED_JOBS jobs are waiting already',
              insufficient_storage: 'less than MIN_FREE_DISK_MB free where outputs are written',
            },
          ),
        },
      }),
    },
    [toOpenApiPath(JOB_PATH)]: {
      get: api({
        operationId: 'getJob',
        tags: ['Jobs'],
        summary: 'The job as it is now',
        description:
          'Status, progress, and the result or the error. Poll it until the status is completed, failed or cancelled, or follow its events instead.',
        parameters: [JOB_ID_PARAMETER],
        responses: {
          '200': jsonResponse('The job view.', ref('JobView')),
          ...jobErrors,
        },
      }),
      delete: api({
        operationId: 'cancelJob',
        tags: ['Jobs'],
        summary: 'Cancel a queued or running job',
        description:
          "A queued job is taken out of the queue at once; a running job's container is killed. Waits up to 5 s for a running job to end.",
        parameters: [JOB_ID_PARAMETER],
        responses: {
          '200': jsonResponse('The job is cancelled (`status: cancelled`).', ref('JobView')),
          '202': jsonResponse(
            'A running job was told to stop but has not ended within 5 s; its current view. Follow or poll it.',
            ref('JobView'),
          ),
          ...errorResponses(
            [...API_COMMON_ERRORS, 'job_not_found', 'job_already_finished', 'queue_unavailable'],
            {
              ...API_COMMON_NOTES,
              job_not_found: "unknown, expired or implausible id, or another API key's job",
              job_already_finished: 'the job has completed, failed or been cancelled already',
            },
          ),
        },
      }),
    },
    [toOpenApiPath(EVENTS_PATH)]: {
      get: media({
        operationId: 'streamJobEvents',
        tags: ['Jobs'],
        summary: "The job's life as Server-Sent Events",
        description:
          'Each event is a name and one `data:` line of JSON (see x-server-sent-events). A job that has already ended gets its final event at once. A comment line (`: heartbeat`) every 15 s keeps proxies from closing a quiet stream. The stream ends after the final event; on shutdown the server ends it without one (reconnect to continue). An EventSource in a browser cannot send a header: it opens `browserLinks.events`, whose token stands in for the key.',
        parameters: [JOB_ID_PARAMETER],
        responses: {
          '200': {
            description: 'The event stream.',
            headers: withRequestId({
              'Cache-Control': { schema: { type: 'string', enum: ['no-cache, no-transform'] } },
            }),
            content: {
              'text/event-stream': {
                // One server-sent event; the bodies of each named event are listed below.
                schema: {
                  type: 'object',
                  properties: {
                    event: {
                      type: 'string',
                      enum: [
                        'state',
                        'active',
                        'progress',
                        'completed',
                        'failed',
                        'cancelled',
                        'gone',
                      ],
                    },
                    data: { type: 'string', description: 'The JSON body of the event.' },
                    id: { type: 'string' },
                    retry: { type: 'integer', minimum: 0 },
                  },
                  required: ['event', 'data'],
                },
                'x-server-sent-events': {
                  state: sseEvent('First, for a job that has not ended.', ref('JobView')),
                  active: sseEvent('A worker has taken the job.', ref('JobView')),
                  progress: sseEvent(
                    'A new progress snapshot; percent never goes back.',
                    ref('RenderProgress'),
                  ),
                  completed: sseEvent(
                    'Last: the job has completed (with its result).',
                    ref('JobView'),
                  ),
                  failed: sseEvent('Last: the job has failed (with its error).', ref('JobView')),
                  cancelled: sseEvent('Last: the job was cancelled.', ref('JobView')),
                  gone: sseEvent(
                    'Last: the job disappeared while followed (expired); a job_not_found error body.',
                    ref('ErrorBody'),
                  ),
                },
              },
            },
          },
          ...mediaJobErrors,
        },
      }),
    },
    [toOpenApiPath(LOGS_PATH)]: {
      get: api({
        operationId: 'getJobLogs',
        tags: ['Jobs'],
        summary: 'What Manim printed for the job',
        parameters: [JOB_ID_PARAMETER],
        responses: {
          '200': jsonResponse("The job's output lines.", ref('JobLogs')),
          ...jobErrors,
        },
      }),
    },
    [toOpenApiPath(VIDEO_PATH)]: { get: videoGet('get'), head: videoGet('head') },
    [toOpenApiPath(POSTER_PATH)]: { get: posterGet('get'), head: posterGet('head') },
    [toOpenApiPath(SCENES_PATH)]: {
      post: api({
        operationId: 'detectScenes',
        tags: ['Renders'],
        summary: 'The Scene classes a piece of code defines',
        description:
          'Found the same way a render request resolves its scene (scanned, never run). Code without scenes, or not valid Python, gives an empty list.',
        requestBody: { required: true, content: { [JSON_TYPE]: { schema: ref('SceneRequest') } } },
        responses: {
          '200': jsonResponse('The scenes, in the order they are defined.', ref('SceneList')),
          ...errorResponses(
            [
              ...API_COMMON_ERRORS,
              'validation_failed',
              'payload_too_large',
              'unsupported_media_type',
            ],
            {
              ...API_COMMON_NOTES,
              validation_failed: 'the body has no string `code`, or is not valid JSON',
              payload_too_large: `code over MAX_CODE_BYTES (${config.MAX_CODE_BYTES} bytes)`,
              unsupported_media_type: 'not application/json',
            },
          ),
        },
      }),
    },
    [MCP_PATH]: {
      post: api({
        operationId: 'callMcp',
        tags: ['MCP'],
        summary: 'The Model Context Protocol (Streamable HTTP)',
        description:
          'For MCP clients (code-writing tools, agents): one JSON-RPC 2.0 message per POST, without sessions, with `Accept: application/json, text/event-stream`. Tools: render_scene (waits while sending progress notifications; answers with the poster image, or the error with the line of the code), get_job, cancel_job, read_log, list_scenes. Calls of render_scene count against the render rate limit. See docs/mcp.md.',
        requestBody: {
          required: true,
          content: {
            [JSON_TYPE]: {
              schema: {
                type: 'object',
                description:
                  'A JSON-RPC 2.0 request or notification of the Model Context Protocol.',
                properties: {
                  jsonrpc: { type: 'string', enum: ['2.0'] },
                  method: { type: 'string', example: 'tools/call' },
                  id: {
                    oneOf: [
                      { type: 'string' },
                      // JSON numbers are read as doubles: an id must be exact in one.
                      {
                        type: 'integer',
                        minimum: Number.MIN_SAFE_INTEGER,
                        maximum: Number.MAX_SAFE_INTEGER,
                      },
                    ],
                  },
                  params: { type: 'object' },
                },
                required: ['jsonrpc', 'method'],
                additionalProperties: false,
              },
            },
          },
        },
        responses: {
          '200': {
            description:
              'The JSON-RPC response: as a stream of events (progress notifications, then the response) or as JSON.',
            headers: withRequestId(),
            content: {
              'text/event-stream': {
                // One server-sent event, whose data is one JSON-RPC message.
                schema: {
                  type: 'object',
                  properties: {
                    event: { type: 'string', enum: ['message'] },
                    data: { type: 'string', description: 'One JSON-RPC message.' },
                    id: { type: 'string' },
                    retry: { type: 'integer', minimum: 0 },
                  },
                  required: ['data'],
                },
              },
              [JSON_TYPE]: { schema: MCP_MESSAGE },
            },
          },
          '202': emptyResponse('A notification was accepted; it has no response.'),
          '415': {
            description: 'The body is not sent as application/json.',
            headers: withRequestId(),
            content: { [JSON_TYPE]: { schema: MCP_MESSAGE } },
          },
          '406': {
            description:
              'The request does not accept both application/json and text/event-stream. A request without Accept, or with */*, accepts both.',
            headers: withRequestId(),
            content: { [JSON_TYPE]: { schema: MCP_MESSAGE } },
          },
          ...mcpErrorResponses(config),
        },
      }),
    },
  };
}

/**
 * The errors of POST /mcp: the service's own, and for a body that is JSON but no valid JSON-RPC
 * message, the transport's JSON-RPC error with status 400.
 */
function mcpErrorResponses(config: Config): Record<string, ResponseObject> {
  const responses = errorResponses(
    [...API_COMMON_ERRORS, 'validation_failed', 'payload_too_large'],
    {
      ...API_COMMON_NOTES,
      validation_failed: 'the body is not JSON',
      payload_too_large: `the body is over twice MAX_CODE_BYTES (${config.MAX_CODE_BYTES} bytes) and some`,
    },
  );
  const invalid = responses['400'];
  const ownSchema = invalid?.content?.[JSON_TYPE]?.schema;
  if (invalid === undefined || ownSchema === undefined) return responses;
  return {
    ...responses,
    '400': {
      ...invalid,
      description: `${invalid.description}; or, as a JSON-RPC error (code -32700 or -32600), a body that is JSON but no JSON-RPC message the server takes`,
      content: { [JSON_TYPE]: { schema: { anyOf: [ownSchema, MCP_MESSAGE] } } },
    },
  };
}

/** The POST a `callbackUrl` receives once its job has ended. */
function webhookCallback(config: Config): Record<string, PathItemObject> {
  const header = (name: string, description: string, schema: SchemaObject, required = true) => ({
    name: name.replace(
      /(^|-)([a-z])/g,
      (_match, dash: string, letter: string) => dash + letter.toUpperCase(),
    ),
    in: 'header' as const,
    required,
    description,
    schema,
  });
  return {
    '{$request.body#/callbackUrl}': {
      post: {
        operationId: 'jobEndedWebhook',
        tags: ['Renders'],
        summary: 'The job has ended (sent by this service)',
        description: `Sent once the job has completed, failed or been cancelled, also when the request was answered with an earlier identical job. Redirects are not followed. Any answer other than 2xx, or none within WEBHOOK_TIMEOUT_SECONDS (${config.WEBHOOK_TIMEOUT_SECONDS} s here), is retried with a doubling delay, up to WEBHOOK_MAX_ATTEMPTS (${config.WEBHOOK_MAX_ATTEMPTS}) attempts; the job view's \`webhooks\` shows how deliveries went.`,
        parameters: [
          header(WEBHOOK_HEADERS.event, 'The event, as in the body.', {
            type: 'string',
            enum: WEBHOOK_EVENTS,
          }),
          header(WEBHOOK_HEADERS.delivery, 'The delivery id, the same for every attempt.', {
            type: 'string',
          }),
          header(WEBHOOK_HEADERS.attempt, 'The attempt, from 1.', {
            type: 'string',
            pattern: '^\\d+$',
          }),
          header(WEBHOOK_HEADERS.timestamp, 'Unix seconds when this attempt was made.', {
            type: 'string',
            pattern: '^\\d+$',
          }),
          header(
            WEBHOOK_HEADERS.signature,
            'sha256=<hex HMAC-SHA256 with WEBHOOK_SECRET over "<timestamp>.<body>">; absent when the server has no WEBHOOK_SECRET. Check it, and refuse old timestamps.',
            { type: 'string', pattern: '^sha256=[0-9a-f]{64}$' },
            false,
          ),
        ],
        requestBody: {
          required: true,
          content: { [JSON_TYPE]: { schema: ref('WebhookPayload') } },
        },
        responses: {
          '2XX': { description: 'Delivered.' },
          default: { description: 'Not delivered: the attempt is retried.' },
        },
      },
    },
  };
}

function components(config: Config): OpenApiDocument['components'] {
  const jobIdParameter: ParameterObject = {
    name: 'id',
    in: 'path',
    required: true,
    description:
      'The job id from the render response. Ids that cannot be job ids (over 128 characters, other characters, a leading dot) are answered 404 like unknown ones.',
    schema: { type: 'string', pattern: JOB_ID_PATTERN.source },
    example: '5b0e7c1e-3f5d-4d8e-9a43-2f1f8b6f0c9d',
  };
  return {
    schemas: componentSchemas(config),
    parameters: { JobId: jobIdParameter },
    headers: {
      [REQUEST_ID_HEADER]: {
        required: true,
        description:
          "The caller's own X-Request-Id when it is 1 to 128 of A-Z a-z 0-9 . _ -, otherwise a new UUID. It appears in every log line for the request; quote it when reporting a problem.",
        schema: { type: 'string', pattern: SANE_REQUEST_ID.source },
      },
      'Retry-After': {
        required: true,
        description: 'Seconds to wait before sending the request again.',
        schema: { type: 'string', pattern: '^\\d+$' },
      },
      Location: {
        required: true,
        description: 'The job view; equals links.self.',
        schema: { type: 'string' },
      },
      'WWW-Authenticate': {
        required: true,
        description:
          'Bearer for the API (`Bearer error="invalid_token"` for a token that does not open the route); Basic for the admin pages, so that a browser asks for the key.',
        schema: { type: 'string' },
      },
      RateLimit: {
        description: 'The remaining quota (IETF draft 7 RateLimit header).',
        schema: { type: 'string' },
      },
      'RateLimit-Policy': {
        description: 'The limit and its window (IETF draft 7 RateLimit-Policy header).',
        schema: { type: 'string' },
      },
    },
    responses: {
      RouteNotFound: jsonResponse(
        'No route for this method and path (`route_not_found`).',
        ref('ErrorResponse'),
      ),
    },
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        description: 'An API key from API_KEYS, as `Authorization: Bearer <key>`.',
      },
      apiKeyHeader: {
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Key',
        description: 'An API key from API_KEYS.',
      },
      mediaToken: {
        type: 'apiKey',
        in: 'query',
        name: 'token',
        description:
          "For URLs a browser loads by itself (a <video> source, a download link, an EventSource): the token in the job's browserLinks, which opens that one route of that job until it expires. An API key is never accepted in a URL.",
      },
      basicAuth: {
        type: 'http',
        scheme: 'basic',
        description:
          'The key as the password of HTTP Basic auth (any user name): ADMIN_API_KEY for the admin pages, an API key for /api.',
      },
    },
  };
}

/**
 * The OpenAPI 3.0 description of the HTTP API as this server is configured: caps, defaults and
 * whether keys are needed come from `config`; `mounts` says where the queue dashboard is.
 */
export function buildOpenApiDocument(
  config: Config,
  mounts: { adminQueuesPath: string },
): OpenApiDocument {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Manim Render API',
      version: API_VERSION,
      description: [
        'Renders Manim Community scene code to video in sandboxed Docker containers. Submit a render, follow its events (or poll it) until it has completed, failed or been cancelled, then fetch the file.',
        '',
        `Every response carries ${REQUEST_ID_HEADER}. Every error body is \`{"error": {code, message, hint, details?}}\` with a stable code. ${
          config.API_KEYS.length === 0
            ? 'This server runs without API keys: /api routes are open.'
            : 'This server needs an API key on every /api route except this description and its page.'
        } /health, /ready, /metrics and the pages are open. Unknown routes answer 404 \`route_not_found\`; a method a path does not serve answers 405 \`method_not_allowed\` with the served ones in \`Allow\`.`,
      ].join('\n'),
      license: { name: 'MIT' },
    },
    servers: [{ url: '/', description: 'This server' }],
    tags: [
      { name: 'Renders', description: 'Submit renders and check requests first.' },
      { name: 'Jobs', description: 'Follow, inspect, cancel and download jobs.' },
      { name: 'Service', description: 'Health, readiness and metrics.' },
      { name: 'Pages', description: 'Pages for people, and this description.' },
      { name: 'MCP', description: 'Tools for clients of the Model Context Protocol.' },
    ],
    paths: paths(config, mounts.adminQueuesPath),
    components: components(config),
  };
}
