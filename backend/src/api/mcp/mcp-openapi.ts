import { MCP_PATH } from './mcp-routes';
import {
  JSON_TYPE,
  withRequestId,
  emptyResponse,
  errorResponses,
  API_COMMON_ERRORS,
  API_COMMON_NOTES,
  type OpenApiContext,
} from '../openapi/openapi-builders';
import type { PathItemObject, ResponseObject, SchemaObject } from '../openapi/openapi-types';
import type { Config } from '../../config/config-schema';

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

/** The Model Context Protocol endpoint. */
export function mcpPaths(context: OpenApiContext): Record<string, PathItemObject> {
  const { config, api } = context;
  return {
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
