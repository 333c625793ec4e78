import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import createClient from 'openapi-fetch';
import type { paths } from './api-schema';
import type { JobView, RenderRequest, ReusedJob, SceneClass, SubmittedJob } from './api-types';
import {
  CLIENT_ERROR_CODES,
  errorFromResponse,
  ManimRenderError,
  unreachableError,
} from './client-error';
import { isFinalEvent, readJobEvents, type JobEvent } from './job-events';

export interface ManimRenderClientOptions {
  /** Where the service runs, e.g. http://localhost:3001. */
  baseUrl: string;
  /** Sent as X-API-Key when the service has API_KEYS. */
  apiKey?: string;
  /** Another fetch, e.g. one with a proxy or a test double. */
  fetch?: typeof fetch;
}

/** The options of a render request besides its code. */
export type RenderFields = Omit<RenderRequest, 'code'>;

/** A file sent with a render: its path next to the scene (e.g. images/logo.png) and content. */
export interface UploadFile {
  path: string;
  content: Uint8Array | string;
}

/** The answer to a render request: a new job, or an earlier identical one (`reused: true`). */
export type SubmittedRender = SubmittedJob | ReusedJob;

/** How long to wait before following a job again when its event stream ended early. */
const RECONNECT_PAUSE_MS = 1000;
/** Attempts in a row that bring no event before following gives up. */
const MAX_EMPTY_RECONNECTS = 10;

/**
 * A typed client of the Manim render service (openapi-fetch over the types generated from its
 * OpenAPI description). Every failure is a ManimRenderError with the service's code, message, hint
 * and details; values are passed on as the server sends them, without checks of their own.
 */
export class ManimRenderClient {
  readonly baseUrl: string;
  private readonly api: ReturnType<typeof createClient<paths>>;

  constructor(options: ManimRenderClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.api = createClient<paths>({
      baseUrl: this.baseUrl,
      headers: options.apiKey === undefined ? {} : { 'X-API-Key': options.apiKey },
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
  }

  /** Queues a render of scene code (POST /api/animation/render, JSON). */
  async submit(request: RenderRequest): Promise<SubmittedRender> {
    return this.send(() => this.api.POST('/api/animation/render', { body: request }));
  }

  /**
   * Queues a render of a scene file with the files it reads or imports (multipart: `file` and
   * `assets`); the fields are those of a JSON request.
   */
  async submitFiles(
    scene: UploadFile,
    assets: readonly UploadFile[] = [],
    fields: RenderFields = {},
  ): Promise<SubmittedRender> {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) {
      if (value !== undefined && value !== null && value !== '') form.append(name, String(value));
    }
    form.append('file', new Blob([scene.content]), scene.path);
    for (const asset of assets) form.append('assets', new Blob([asset.content]), asset.path);
    return this.send(() =>
      this.api.POST('/api/animation/render', {
        // openapi-fetch sends FormData as it is, with its boundary; the types describe JSON.
        body: form as unknown as RenderRequest,
      }),
    );
  }

  /** The Scene classes a piece of code defines (POST /api/animation/scenes). */
  async scenes(code: string): Promise<SceneClass[]> {
    const list = await this.send(() => this.api.POST('/api/animation/scenes', { body: { code } }));
    return list.scenes;
  }

  /** The job as it is now: status, progress, result or error. */
  async getJob(id: string): Promise<JobView> {
    return this.send(() => this.api.GET('/api/animation/jobs/{id}', { params: { path: { id } } }));
  }

  /** Cancels a queued or running job; the view says whether it has stopped yet. */
  async cancel(id: string): Promise<JobView> {
    return this.send(() =>
      this.api.DELETE('/api/animation/jobs/{id}', { params: { path: { id } } }),
    );
  }

  /** What Manim printed for the job. */
  async logs(id: string): Promise<string[]> {
    const logs = await this.send(() =>
      this.api.GET('/api/animation/jobs/{id}/logs', { params: { path: { id } } }),
    );
    return logs.lines;
  }

  /**
   * Downloads a completed job's file to `target`, streamed; the file appears complete or not at
   * all (it is written beside it first). Resolves with its size.
   */
  async downloadVideo(id: string, target: string): Promise<{ path: string; bytes: number }> {
    const body = await this.send(() =>
      this.api.GET('/api/animation/jobs/{id}/video', {
        params: { path: { id } },
        parseAs: 'stream',
      }),
    );
    return saveStream(body, target);
  }

  /** Downloads a completed job's poster (its last frame as PNG) to `target`, as downloadVideo. */
  async downloadPoster(id: string, target: string): Promise<{ path: string; bytes: number }> {
    const body = await this.send(() =>
      this.api.GET('/api/animation/jobs/{id}/poster', {
        params: { path: { id } },
        parseAs: 'stream',
      }),
    );
    return saveStream(body, target);
  }

  /** The job's events (GET …/events) as they arrive, until the server ends the stream. */
  async *events(
    id: string,
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<JobEvent, void, undefined> {
    const body = await this.send(() =>
      this.api.GET('/api/animation/jobs/{id}/events', {
        params: { path: { id } },
        parseAs: 'stream',
        headers: { Accept: 'text/event-stream' },
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      }),
    );
    yield* readJobEvents(body as unknown as AsyncIterable<Uint8Array>);
  }

  /**
   * Follows the job until it has completed, failed or been cancelled, and resolves with its final
   * view; every event goes to `onEvent` first. A stream that ends early (the server restarted) is
   * followed again; a job that disappears rejects with its job_not_found error.
   */
  async follow(
    id: string,
    options: { onEvent?: (event: JobEvent) => void; signal?: AbortSignal } = {},
  ): Promise<JobView> {
    let emptyAttempts = 0;
    for (;;) {
      let sawEvent = false;
      try {
        for await (const event of this.events(id, options)) {
          sawEvent = true;
          options.onEvent?.(event);
          if (event.type === 'gone') throw new ManimRenderError(event.error, 404);
          if (isFinalEvent(event)) return event.job;
        }
      } catch (error) {
        if (!isPassing(error) || options.signal?.aborted === true) throw error;
      }
      emptyAttempts = sawEvent ? 0 : emptyAttempts + 1;
      if (emptyAttempts >= MAX_EMPTY_RECONNECTS) {
        throw new ManimRenderError(
          {
            code: CLIENT_ERROR_CODES.unexpected,
            message: `The event stream of job ${id} ended ${emptyAttempts} times without an event`,
            hint: 'Check the service and its proxies; the job view (GET /api/animation/jobs/:id) shows how the job is doing.',
          },
          0,
        );
      }
      await pause(RECONNECT_PAUSE_MS, options.signal);
    }
  }

  /** Runs one request; its data, or the error it came to. */
  private async send<Result extends { data?: unknown; error?: unknown; response: Response }>(
    request: () => Promise<Result>,
  ): Promise<NonNullable<Result['data']>> {
    let result: Result;
    try {
      result = await request();
    } catch (error) {
      if (error instanceof Error && error.name === 'AbortError') throw error;
      throw unreachableError(this.baseUrl, error);
    }
    const { data, error, response } = result;
    if (!response.ok || data === undefined || data === null) {
      throw errorFromResponse(response.status, error, response.url);
    }
    return data as NonNullable<Result['data']>;
  }
}

/** Writes a response body to `target` through a file beside it, so that it appears whole. */
async function saveStream(body: unknown, target: string): Promise<{ path: string; bytes: number }> {
  const partial = `${target}.part`;
  let bytes = 0;
  try {
    const source = Readable.fromWeb(body as NodeReadableStream<Uint8Array>);
    source.on('data', (chunk: Buffer) => (bytes += chunk.length));
    await pipeline(source, createWriteStream(partial));
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return { path: target, bytes };
}

/** Errors a reconnect may get past: no answer, or a server that is not ready again yet. */
function isPassing(error: unknown): boolean {
  return (
    error instanceof ManimRenderError &&
    (error.status === 0 || error.status === 502 || error.status === 503)
  );
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
