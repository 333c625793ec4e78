import {
  jsonResponse,
  errorResponses,
  API_COMMON_ERRORS,
  API_COMMON_NOTES,
  type OpenApiContext,
} from '../openapi/openapi-builders';
import { ref } from '../openapi/openapi-schemas';
import type { PathItemObject } from '../openapi/openapi-types';
import { LIMITS_PATH } from './limits-routes';

/** What a request may ask for. */
export function limitsPaths(context: OpenApiContext): Record<string, PathItemObject> {
  const { api } = context;
  return {
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
  };
}
