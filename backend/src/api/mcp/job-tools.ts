import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '../../errors/app-error';
import { isPlausibleJobId } from '../job-id';
import { detectSceneClasses } from '../../manim/scene-detection';
import { waitForJob } from './job-waiter';
import { progressNotifier } from './progress-notifications';
import { waitSecondsSchema, type ToolDeps } from './render-tool';
import { errorResult, jobResult, jobSummary, type ToolCaller } from './tool-results';

/** How long cancel_job waits for a running render's container to be stopped. */
const CANCEL_WAIT_MS = 5000;
const DEFAULT_LOG_LINES = 80;

const jobIdSchema = z.string().min(1).max(200).describe('The job id render_scene answered with.');

/** get_job, cancel_job, read_log and list_scenes: the job routes and the scene route as tools. */
export function registerJobTools(server: McpServer, deps: ToolDeps, caller: ToolCaller): void {
  const jobs = deps.jobs(caller.caller);
  const notFound = (id: string): CallToolResult =>
    errorResult(
      new AppError('job_not_found', `No job with id ${JSON.stringify(id.slice(0, 64))}`).toBody(),
    );

  server.registerTool(
    'get_job',
    {
      title: 'Get a render job',
      description:
        'The state of a render job; a completed one comes with its last frame as an image, a failed one with its error. With waitSeconds it first waits for the job to end, sending progress notifications.',
      inputSchema: { jobId: jobIdSchema, waitSeconds: waitSecondsSchema },
    },
    async ({ jobId, waitSeconds }, extra) => {
      if (!isPlausibleJobId(jobId)) return notFound(jobId);
      const view = await waitForJob({ jobs, events: deps.events }, jobId, {
        waitMs: (waitSeconds ?? 0) * 1000,
        signal: extra.signal,
        ...progressNotifier(extra),
      });
      if (view === undefined) return notFound(jobId);
      return jobResult(view, { baseUrl: caller.baseUrl, outputs: deps.outputs });
    },
  );

  server.registerTool(
    'cancel_job',
    {
      title: 'Cancel a render job',
      description:
        'Stops a queued or running render. A job that has already ended is left as it is.',
      inputSchema: { jobId: jobIdSchema },
    },
    async ({ jobId }) => {
      if (!isPlausibleJobId(jobId)) return notFound(jobId);
      const cancel = await jobs.cancel(jobId, CANCEL_WAIT_MS);
      if (cancel.outcome === 'not_found') return notFound(jobId);
      const said =
        cancel.outcome === 'finished'
          ? `The job had already ended as ${cancel.job.status}; nothing was cancelled.`
          : cancel.outcome === 'cancelled'
            ? 'The job is cancelled.'
            : 'The job was told to stop; it ends in a moment.';
      return {
        content: [
          { type: 'text', text: said },
          { type: 'text', text: JSON.stringify(jobSummary(cancel.job, caller.baseUrl), null, 2) },
        ],
      };
    },
  );

  server.registerTool(
    'read_log',
    {
      title: "Read a render job's log",
      description:
        'What Manim printed for the job (its log, then tracebacks and warnings): the last lines, to see why a render failed or what it did. Empty until the render has run.',
      inputSchema: {
        jobId: jobIdSchema,
        lines: z
          .int()
          .min(1)
          .max(2000)
          .optional()
          .describe(`How many of the last lines; default ${DEFAULT_LOG_LINES}.`),
      },
    },
    async ({ jobId, lines }) => {
      const view = isPlausibleJobId(jobId) ? await jobs.find(jobId) : undefined;
      if (view === undefined) return notFound(jobId);
      const all = ((await jobs.logs(jobId)) ?? []).flatMap((entry) => entry.split('\n'));
      const shown = all.slice(-(lines ?? DEFAULT_LOG_LINES));
      const heading =
        all.length === 0
          ? `Job ${jobId} is ${view.status}; Manim has printed nothing for it yet.`
          : `Job ${jobId} is ${view.status}; the last ${shown.length} of ${all.length} lines:`;
      return { content: [{ type: 'text', text: [heading, ...shown].join('\n') }] };
    },
  );

  server.registerTool(
    'list_scenes',
    {
      title: 'List the scenes in code',
      description:
        'The Scene classes a piece of Manim code defines, with their lines, found as render_scene finds them (the code is read, never run). Pass one as render_scene\'s "scene" when the code has several.',
      inputSchema: { code: z.string().describe('Python source.') },
    },
    async ({ code }) => {
      const sizeBytes = Buffer.byteLength(code, 'utf8');
      if (sizeBytes > deps.config.MAX_CODE_BYTES) {
        return errorResult(
          new AppError(
            'payload_too_large',
            `Scene code is ${sizeBytes} bytes (UTF-8), over the limit of ${deps.config.MAX_CODE_BYTES} bytes`,
          ).toBody(),
        );
      }
      const scenes = detectSceneClasses(code);
      const said =
        scenes.length === 0
          ? 'The code defines no Scene class (or is not valid Python).'
          : scenes.map((scene) => `${scene.name} (line ${scene.line})`).join('\n');
      return { content: [{ type: 'text', text: said }] };
    },
  );
}
