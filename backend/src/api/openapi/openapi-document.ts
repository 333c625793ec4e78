import { JOB_ID_PATTERN } from '../job-id';
import { mcpPaths } from '../mcp/mcp-openapi';
import { REQUEST_ID_HEADER, SANE_REQUEST_ID } from '../middleware/request-id';
import { jsonResponse, openApiContext } from './openapi-builders';
import { componentSchemas, ref } from './openapi-schemas';
import type { OpenApiDocument, ParameterObject } from './openapi-types';
import { jobEventPaths } from '../routes/job-event-openapi';
import { jobPaths } from '../routes/job-openapi';
import { limitsPaths } from '../routes/limits-openapi';
import { pagePaths } from '../routes/page-openapi';
import { renderPaths } from '../routes/render-openapi';
import { scenePaths } from '../routes/scene-openapi';
import { servicePaths } from '../routes/service-openapi';
import type { Config } from '../../config/config-schema';

/** The version of the HTTP contract described here, not of the package. */
const API_VERSION = '1.0.0';

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
  const context = openApiContext(config);
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
    paths: {
      ...servicePaths(context),
      ...pagePaths(context, mounts.adminQueuesPath),
      ...limitsPaths(context),
      ...renderPaths(context),
      ...jobPaths(context),
      ...jobEventPaths(context),
      ...scenePaths(context),
      ...mcpPaths(context),
    },
    components: components(config),
  };
}
