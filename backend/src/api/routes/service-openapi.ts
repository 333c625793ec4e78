import { withRequestId, jsonResponse, type OpenApiContext } from '../openapi/openapi-builders';
import { ref } from '../openapi/openapi-schemas';
import type { PathItemObject } from '../openapi/openapi-types';

/** Health, readiness and metrics. */
export function servicePaths(context: OpenApiContext): Record<string, PathItemObject> {
  const { open } = context;
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
  };
}
