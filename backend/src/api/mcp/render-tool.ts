import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Config } from '../../config/config-schema';
import { AppError } from '../../errors/app-error';
import type { RenderSubmitter } from '../../job/render-job';
import type { JobsFor } from '../../tenants/tenant-jobs';
import type { Logger } from '../../logging/logger';
import type { OutputStore } from '../../outputs/output-store';
import type { JobEventSource } from '../../job/job-event-source';
import { parseRenderRequest } from '../render-request';
import { RENDER_FIELDS, renderFieldRules, type RenderField } from '../render-request-schema';
import { playTenant } from '../routes/render-routes';
import { waitForJob } from './job-waiter';
import { progressNotifier } from './progress-notifications';
import { errorResult, jobResult, type ToolCaller } from './tool-results';

/** How long a tool waits for a render by default, and at most, before answering with the job id. */
export const DEFAULT_WAIT_SECONDS = 50;
export const MAX_WAIT_SECONDS = 600;

/** A webhook is for servers; a tool's caller waits for the answer or polls get_job. */
const TOOL_FIELDS = RENDER_FIELDS.filter((field) => field !== 'callbackUrl');

export interface ToolDeps {
  config: Config;
  logger: Logger;
  /** The jobs each caller reaches: its own. */
  jobs: JobsFor;
  submitter: RenderSubmitter;
  events: JobEventSource;
  outputs: OutputStore;
}

export const waitSecondsSchema = z
  .int()
  .min(0)
  .max(MAX_WAIT_SECONDS)
  .optional()
  .describe(
    `How long to wait for the job to end before answering with its state, 0 to ${MAX_WAIT_SECONDS} seconds; default ${DEFAULT_WAIT_SECONDS}. Progress comes as notifications meanwhile.`,
  );

/**
 * `render_scene`: the render request of POST /api/animation/render, described and validated by
 * the same field rules (the tool's schema only describes them; the request parser judges them,
 * so a wrong value gets the same message as over HTTP). It waits for the render while sending
 * progress notifications, then answers with the job: the poster image on success, the failing
 * line and a hint on failure, or the job id when the wait ran out.
 */
export function registerRenderTool(server: McpServer, deps: ToolDeps, caller: ToolCaller): void {
  server.registerTool(
    'render_scene',
    {
      title: 'Render a Manim scene',
      description:
        'Renders Manim Community Python code (a Scene subclass in one file) to a video and returns the job: on success its last frame as an image and the links to the video, on failure the error, the line of the code and how to fix it. Long renders answer with the job id once waitSeconds have passed; follow them with get_job.',
      inputSchema: renderToolInput(deps.config),
    },
    async (args, extra) => {
      const { waitSeconds, ...fields } = args as Record<string, unknown> & {
        waitSeconds?: number;
      };
      const code = typeof fields.code === 'string' ? fields.code : undefined;
      const log = deps.logger.child({ requestId: caller.requestId, tool: 'render_scene' });
      let id: string;
      try {
        const request = parseRenderRequest({ fields }, deps.config);
        const tenant = playTenant(deps.config, caller.caller);
        ({ id } = await deps.submitter.submit(
          {
            code: request.code,
            options: request.options,
            owner: caller.caller.tenant,
            ...(caller.requestId === undefined ? {} : { requestId: caller.requestId }),
            ...(tenant === undefined ? {} : { tenant }),
          },
          { reuse: request.cache },
        ));
      } catch (error) {
        if (error instanceof AppError) return errorResult(error.toBody(), code);
        throw error;
      }
      log.info('render submitted through MCP', { jobId: id });
      const view = await waitForJob({ jobs: deps.jobs(caller.caller), events: deps.events }, id, {
        waitMs: (waitSeconds ?? DEFAULT_WAIT_SECONDS) * 1000,
        signal: extra.signal,
        ...progressNotifier(extra),
      });
      if (view === undefined) {
        return errorResult(
          new AppError('job_not_found', `Job ${id} disappeared while it was followed`).toBody(),
        );
      }
      return jobResult(view, { baseUrl: caller.baseUrl, outputs: deps.outputs, code });
    },
  );
}

const inputsByConfig = new WeakMap<Config, z.ZodRawShape>();

/**
 * The tool's input: every field of a render request but callbackUrl, and waitSeconds. A server
 * is made for every MCP request, the input once per configuration.
 */
function renderToolInput(config: Config): z.ZodRawShape {
  let input = inputsByConfig.get(config);
  if (input === undefined) {
    const rules = renderFieldRules(config);
    input = {
      ...Object.fromEntries(TOOL_FIELDS.map((name) => [name, describedField(rules, name)])),
      waitSeconds: waitSecondsSchema,
    };
    inputsByConfig.set(config, input);
  }
  return input;
}

/**
 * A field as the tool's schema shows it: the JSON Schema of its rule (as the OpenAPI document
 * shows it), over a value the request parser checks.
 */
function describedField(rules: ReturnType<typeof renderFieldRules>, name: RenderField) {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(rules[name].schema, {
    target: 'draft-7',
    io: 'input',
  });
  const field = z.unknown().meta(schema);
  return name === 'code' ? field : field.optional();
}
