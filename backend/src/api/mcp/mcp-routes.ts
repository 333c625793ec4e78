import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { callerOf } from '../middleware/authentication';
import { loggerOf, requestIdOf } from '../middleware/request-id';
import { jsonBodyLimitBytes } from '../routes/render-routes';
import { createMcpServer } from './mcp-server';
import type { ToolDeps } from './render-tool';

export const MCP_PATH = '/mcp';

/**
 * The Model Context Protocol at `/mcp`, over Streamable HTTP without sessions: each POST carries
 * one JSON-RPC message and is answered by a server made for it (a tool call's progress streams
 * back on that POST's response). There is no stream for server-initiated messages: GET and
 * DELETE answer 405 like any method a path does not serve. API keys and rate limits are checked before this router, as for /api.
 */
export function mcpRoutes(
  deps: ToolDeps & {
    /** The render rate limit, applied to calls of render_scene. */
    renderLimit: RequestHandler;
  },
): Router {
  const parseJson = express.json({ limit: jsonBodyLimitBytes(deps.config.MAX_CODE_BYTES) });

  const limitRenders: RequestHandler = (req, res, next) => {
    if (callsTool(req.body, 'render_scene')) deps.renderLimit(req, res, next);
    else next();
  };

  const handle = async (req: Request, res: Response): Promise<void> => {
    const requestId = requestIdOf(res);
    const server = createMcpServer(deps, {
      caller: callerOf(res),
      ...(requestId === undefined ? {} : { requestId }),
      baseUrl: `${req.protocol}://${req.get('host') ?? 'localhost'}`,
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (error) {
      loggerOf(res, deps.logger).error('MCP request failed', {
        error: error instanceof Error ? error.message : String(error),
      });
      if (!res.headersSent) {
        res.status(500).json({
          jsonrpc: '2.0',
          error: { code: -32603, message: 'Internal error' },
          id: null,
        });
      }
    }
  };

  const router = express.Router();
  router.post(MCP_PATH, acceptAnyAsBoth, parseJson, limitRenders, handle);
  return router;
}

const BOTH_TYPES = 'application/json, text/event-stream';

/**
 * In HTTP a request without Accept, or with the media range of all types, takes any type; the MCP
 * transport answers 406 unless both of its types are named. Such a request is passed on as naming
 * both. The transport reads the raw headers, so those are rewritten too.
 */
const acceptAnyAsBoth: RequestHandler = (req, _res, next) => {
  const accept = req.headers.accept;
  if (accept === undefined || accept.split(',').some((type) => type.trim().startsWith('*/*'))) {
    req.headers.accept = BOTH_TYPES;
    const raw: string[] = [];
    for (let index = 0; index + 1 < req.rawHeaders.length; index += 2) {
      const name = req.rawHeaders[index] as string;
      if (name.toLowerCase() !== 'accept') raw.push(name, req.rawHeaders[index + 1] as string);
    }
    req.rawHeaders = [...raw, 'Accept', BOTH_TYPES];
  }
  next();
};

/** Whether a JSON-RPC body (or batch) calls the tool `name`. */
function callsTool(body: unknown, name: string): boolean {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages.some((message) => {
    if (typeof message !== 'object' || message === null) return false;
    const { method, params } = message as { method?: unknown; params?: { name?: unknown } };
    return method === 'tools/call' && params?.name === name;
  });
}
