import {
  withRequestId,
  jsonResponse,
  errorResponses,
  htmlResponse,
  type OpenApiContext,
} from '../openapi/openapi-builders';
import type { PathItemObject } from '../openapi/openapi-types';
import { OPENAPI_PATH, API_DOCS_PATH } from './openapi-routes';

/** The pages for people, and this description. */
export function pagePaths(
  context: OpenApiContext,
  adminQueuesPath: string,
): Record<string, PathItemObject> {
  const { admin, open } = context;
  return {
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
      get: admin({
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
  };
}
