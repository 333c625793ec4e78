import {
  toOpenApiPath,
  JSON_TYPE,
  jsonResponse,
  errorResponses,
  API_COMMON_ERRORS,
  API_COMMON_NOTES,
  type OpenApiContext,
} from '../openapi/openapi-builders';
import { ref } from '../openapi/openapi-schemas';
import type { PathItemObject } from '../openapi/openapi-types';
import { SCENES_PATH } from './scene-routes';

/** The scenes of a piece of code. */
export function scenePaths(context: OpenApiContext): Record<string, PathItemObject> {
  const { config, api } = context;
  return {
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
  };
}
