import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ErrorBody } from '../../errors/app-error';
import { jobLinks, posterFileOf, type JobView } from '../../job/render-job';
import type { OutputStore } from '../../outputs/output-store';
import type { Caller } from '../../tenants/caller';

/** Posters larger than this are linked, not sent inline (a 4k frame can be several MB). */
const MAX_INLINE_POSTER_BYTES = 4 * 1024 * 1024;
/** The last lines of Manim's output a failure shows; the read_log tool has the rest. */
const FAILURE_LOG_LINES = 12;

/** Who called a tool, for links and for the jobs it submits. */
export interface ToolCaller {
  /** Whom the HTTP request speaks for: the jobs it reaches, and the owner of those it submits. */
  caller: Caller;
  requestId?: string;
  /** `http(s)://host[:port]` as the client reached this server: links are absolute. */
  baseUrl: string;
}

/**
 * What a model reads about a job: its state and where its files are. The links carry a token
 * (browserLinks) when the view has them, so that a person's browser opens them without a key.
 */
export function jobSummary(view: JobView, baseUrl: string): Record<string, unknown> {
  const links = jobLinks(view.id);
  const media = view.browserLinks;
  const { id, status, progress, options, result, error } = view;
  return {
    id,
    status,
    ...(status === 'queued' || status === 'active' ? { progress } : {}),
    ...(view.position !== undefined ? { position: view.position } : {}),
    scene: options.scene,
    options,
    ...(result
      ? {
          result: {
            fileName: result.fileName,
            contentType: result.contentType,
            sizeBytes: result.sizeBytes,
            videoUrl: baseUrl + (media?.video ?? links.video),
            ...(result.posterUrl ? { posterUrl: baseUrl + (media?.poster ?? links.poster) } : {}),
            ...(result.chunks !== undefined ? { chunks: result.chunks } : {}),
          },
        }
      : {}),
    ...(error ? { error: { code: error.code, message: error.message, hint: error.hint } } : {}),
    links: {
      job: baseUrl + links.self,
      events: baseUrl + (media?.events ?? `${links.self}/events`),
      ...(media ? { tokensExpireAt: media.expiresAt } : {}),
    },
  };
}

/**
 * A job as a tool's answer: a completed one with its poster as an image (so that a model that
 * reads images can look at its own result), a failed one as an error naming the cause and the
 * line of the scene, one still under way with how to follow it.
 */
export async function jobResult(
  view: JobView,
  context: { baseUrl: string; outputs: OutputStore; code?: string },
): Promise<CallToolResult> {
  const summary = text(JSON.stringify(jobSummary(view, context.baseUrl), null, 2));
  switch (view.status) {
    case 'completed': {
      const poster = await posterImage(view, context.outputs);
      const said = `Rendered ${view.result?.fileName ?? ''}. The image below is its last frame.`;
      return {
        content: poster
          ? [text(said), poster, summary]
          : [text(`Rendered ${view.result?.fileName ?? ''}.`), summary],
      };
    }
    case 'failed':
      return {
        isError: true,
        content: [text(failureText(view.error, context.code, 'The render failed')), summary],
      };
    case 'cancelled':
      return { isError: true, content: [text('The render was cancelled.'), summary] };
    default:
      return {
        content: [
          text(
            `The render is ${view.status} (${view.progress.percent}%). Call get_job with this id (and waitSeconds) to wait for it, or cancel_job to stop it.`,
          ),
          summary,
        ],
      };
  }
}

/** A refused request (bad input, unknown job, a full queue) as a tool error. */
export function errorResult(error: ErrorBody, code?: string): CallToolResult {
  return { isError: true, content: [text(failureText(error, code, 'The request was refused'))] };
}

/**
 * The error a model acts on: its code and message, the line of the scene that failed (quoted
 * when the code is at hand), what to do, and the end of Manim's output.
 */
export function failureText(
  error: ErrorBody | undefined,
  code: string | undefined,
  heading: string,
): string {
  if (error === undefined) return `${heading}.`;
  const details = error.details ?? {};
  const lines = [`${heading}: ${error.code}: ${error.message}`];
  const line = typeof details.line === 'number' ? details.line : undefined;
  if (line !== undefined) {
    const source = code?.split(/\r?\n/)[line - 1];
    lines.push(
      source === undefined ? `At line ${line} of the scene.` : `Line ${line}: ${source.trim()}`,
    );
  }
  if (Array.isArray(details.problems)) {
    for (const problem of details.problems as Array<{ field?: unknown; message?: unknown }>) {
      lines.push(`- ${String(problem.field)}: ${String(problem.message)}`);
    }
  }
  lines.push(`Hint: ${error.hint}`);
  if (Array.isArray(details.logTail) && details.logTail.length > 0) {
    lines.push(
      '',
      "The end of Manim's output:",
      ...details.logTail.slice(-FAILURE_LOG_LINES).map(String),
    );
  }
  return lines.join('\n');
}

async function posterImage(
  view: JobView,
  outputs: OutputStore,
): Promise<CallToolResult['content'][number] | undefined> {
  if (view.result?.posterUrl === undefined) return undefined;
  const file = posterFileOf(view.options, view.result);
  const dir = await mkdtemp(path.join(tmpdir(), 'mcp-poster-'));
  try {
    const target = path.join(dir, 'poster.png');
    await outputs.fetch({ jobId: view.id, fileName: file.fileName }, target);
    if ((await stat(target)).size > MAX_INLINE_POSTER_BYTES) return undefined;
    const data = (await readFile(target)).toString('base64');
    return { type: 'image', data, mimeType: file.contentType };
  } catch {
    // The links still lead to the files; a poster that cannot be read now is left out.
    return undefined;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function text(value: string): { type: 'text'; text: string } {
  return { type: 'text', text: value };
}
