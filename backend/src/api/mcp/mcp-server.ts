import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerJobTools } from './job-tools';
import { registerRenderTool, type ToolDeps } from './render-tool';
import type { ToolCaller } from './tool-results';

export const MCP_SERVER_NAME = 'manim-render';
export const MCP_SERVER_VERSION = '0.1.0';

const INSTRUCTIONS = [
  'Renders Manim Community scenes (Python code) to video in a sandbox without network.',
  'Call render_scene with the whole file: `from manim import *` and one Scene subclass (name it in "scene" when there are several; list_scenes finds them).',
  'A success shows the last frame as an image: look at it to check the result. A failure names the error, the line of the code and a hint; fix the code and render again.',
  'preview: true renders only the last frame, quickly. quality "low" is fastest for drafts.',
  'Long renders answer with a job id; get_job with waitSeconds waits for them, cancel_job stops them, read_log shows what Manim printed.',
].join('\n');

/**
 * The MCP server of one HTTP request (the transport is stateless: every POST is complete in
 * itself), with the tools acting for that request's caller.
 */
export function createMcpServer(deps: ToolDeps, caller: ToolCaller): McpServer {
  const server = new McpServer(
    { name: MCP_SERVER_NAME, version: MCP_SERVER_VERSION },
    { instructions: INSTRUCTIONS },
  );
  registerRenderTool(server, deps, caller);
  registerJobTools(server, deps, caller);
  return server;
}
