import {
  toOpenApiPath,
  withRequestId,
  JOB_ID_PARAMETER,
  MEDIA_JOB_ERRORS,
  type OpenApiContext,
} from '../openapi/openapi-builders';
import { ref } from '../openapi/openapi-schemas';
import type { PathItemObject, SchemaObject } from '../openapi/openapi-types';
import { EVENTS_PATH } from './job-event-routes';

const sseEvent = (description: string, schema: SchemaObject) => ({ description, schema });

/** A job's events as they happen. */
export function jobEventPaths(context: OpenApiContext): Record<string, PathItemObject> {
  const { media } = context;
  return {
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
          ...MEDIA_JOB_ERRORS,
        },
      }),
    },
  };
}
