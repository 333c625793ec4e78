import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { QueueEvents } from 'bullmq';
import type { Config } from '../src/config/config-schema';
import { loadConfig } from '../src/config/load-config';
import type { Logger } from '../src/logging/logger';
import { startApiProcess, type ApiProcess } from '../src/processes/api-process';
import { startWorkerProcess, type WorkerProcess } from '../src/processes/worker-process';
import type { JobView } from '../src/job/render-job';
import { downloadVideo } from './bench-http';
import { JobEnds, type JobEnd } from './job-ends';

export interface EndToEndTiming {
  /** POST until the video is downloaded. */
  totalMs: number;
  submitMs: number;
  /** From the 202 until the completed event arrived. */
  waitMs: number;
  downloadMs: number;
  /** The worker's own duration of the job (workspace, container, moving the file). */
  workerMs: number | null;
  /** Queued until a worker took it, from the job's timestamps (millisecond resolution). */
  pickupMs: number | null;
  outputBytes: number;
}

export interface BenchService {
  url: string;
  config: Config;
  /** Resolves once every warm container of the worker is ready (at once without a pool). */
  whenPoolFull(): Promise<void>;
  /** Every job id this service accepted, for the container sweep. */
  readonly jobIds: ReadonlySet<string>;
  submit(body: Record<string, unknown>): Promise<string>;
  /** Resolves when the job's completed event has arrived; rejects if it failed. */
  completion(id: string): Promise<JobEnd>;
  download(id: string): Promise<number>;
  renderEndToEnd(body: Record<string, unknown>): Promise<EndToEndTiming>;
  close(): Promise<void>;
}

const JOB_LIMIT_MS = 600_000;

/**
 * The real service in this process: the API and a worker through their composition roots, on a
 * queue of their own. Completion is observed through BullMQ's QueueEvents, never by polling.
 */
export async function startBenchService(options: {
  redisUrl: string;
  queueName: string;
  concurrency: number;
  /** WARM_POOL_SIZE of the worker; the bench sets it so that the environment cannot. */
  warmPoolSize: number;
  logger: Logger;
  env: NodeJS.ProcessEnv;
}): Promise<BenchService> {
  const root = await mkdtemp(path.join(tmpdir(), 'manim-bench-service-'));
  const config = loadConfig({
    ...options.env,
    REDIS_URL: options.redisUrl,
    QUEUE_NAME: options.queueName,
    OUTPUTS_DIR: path.join(root, 'outputs'),
    TEMP_DIR: path.join(root, 'temp'),
    PORT: '0',
    HOST: '127.0.0.1',
    WORKER_CONCURRENCY: String(options.concurrency),
    WARM_POOL_SIZE: String(options.warmPoolSize),
    RATE_LIMIT_RENDERS_PER_MINUTE: '0',
    RATE_LIMIT_REQUESTS_PER_MINUTE: '0',
  });
  const events = new QueueEvents(config.QUEUE_NAME, { connection: { url: options.redisUrl } });
  let api: ApiProcess | undefined;
  let worker: WorkerProcess | undefined;
  try {
    await events.waitUntilReady();
    api = await startApiProcess(config, options.logger);
    worker = await startWorkerProcess(config, options.logger);
  } catch (error) {
    await api?.close();
    await events.close();
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  return serviceOf(config, root, events, api, worker);
}

function serviceOf(
  config: Config,
  root: string,
  events: QueueEvents,
  api: ApiProcess,
  worker: WorkerProcess,
): BenchService {
  const ends = new JobEnds(events);
  const jobIds = new Set<string>();
  const finishedOnSubmit = new Set<string>();

  const submit = async (body: Record<string, unknown>): Promise<string> => {
    const response = await fetch(`${api.url}/api/animation/render`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as { id?: string };
    // 200: an identical render had already completed and its job is the answer.
    if ((response.status !== 202 && response.status !== 200) || !answer.id) {
      throw new Error(`POST answered ${response.status}: ${JSON.stringify(answer)}`);
    }
    jobIds.add(answer.id);
    if (response.status === 200) finishedOnSubmit.add(answer.id);
    return answer.id;
  };

  const download = (id: string): Promise<number> => downloadVideo(api.url, id);

  const pickupOf = async (id: string): Promise<number | null> => {
    const response = await fetch(`${api.url}/api/animation/jobs/${id}`);
    const view = (await response.json()) as JobView;
    if (!view.startedAt) return null;
    return Date.parse(view.startedAt) - Date.parse(view.createdAt);
  };

  return {
    url: api.url,
    config,
    whenPoolFull: () => worker.warmPool.whenFull(),
    jobIds,
    submit,
    completion: (id) => ends.wait(id, JOB_LIMIT_MS),
    download,
    async renderEndToEnd(body) {
      const startedAt = performance.now();
      const id = await submit(body);
      const submittedAt = performance.now();
      const end = finishedOnSubmit.has(id)
        ? { at: submittedAt, workerMs: null }
        : await ends.wait(id, JOB_LIMIT_MS);
      const outputBytes = await download(id);
      const doneAt = performance.now();
      return {
        totalMs: doneAt - startedAt,
        submitMs: submittedAt - startedAt,
        waitMs: end.at - submittedAt,
        downloadMs: doneAt - end.at,
        workerMs: end.workerMs,
        pickupMs: await pickupOf(id),
        outputBytes,
      };
    },
    async close() {
      await worker.close();
      await api.close();
      await events.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
