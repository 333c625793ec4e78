import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueueEvents } from 'bullmq';
import type { Express } from 'express';
import type { Config, ConfigVariableName } from '../../../src/config/config-schema';
import { loadConfig } from '../../../src/config/load-config';
import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger, type Logger } from '../../../src/logging/logger';
import { startApiProcess } from '../../../src/processes/api-process';
import { startWorkerProcess } from '../../../src/processes/worker-process';
import { createWorkerRedis } from '../../../src/redis/redis-connection';
import type { JobView } from '../../../src/job/render-job';
import type { RenderProgress } from '../../../src/job/job-progress';
import { testEnvironment, testQueueName } from './test-environment';

export interface TestService {
  url: string;
  config: Config;
  /** The API's express application, as its composition root built it. */
  app: Express;
  /** POST /api/animation/render with a JSON body. */
  submit(body: Record<string, unknown>): Promise<{ status: number; body: SubmitBody }>;
  /** POST /api/animation/render as multipart/form-data: text fields, then files. */
  submitForm(
    fields: Record<string, string>,
    files: Array<{ field: string; name: string; content: Buffer | string }>,
  ): Promise<{ status: number; body: SubmitBody }>;
  getJob(id: string): Promise<JobView>;
  /** Resolves with the job view once the job has completed or failed. */
  waitForEnd(id: string): Promise<JobView>;
  /** Resolves once a worker has taken the job. */
  waitForActive(id: string): Promise<void>;
  /** Every progress update published for the job from now on, in order. */
  recordProgress(id: string): RenderProgress[];
  close(): Promise<void>;
}

export interface SubmitBody {
  id: string;
  status: string;
  reused?: boolean;
  result?: { fileName: string };
  links: { self: string; video: string; poster: string };
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

/**
 * The real service for one test file: the API and a worker through their own composition roots,
 * on the shared test Redis with a queue of its own, the real engine and the real render image.
 */
export async function startTestService(
  options: {
    env?: Partial<Record<ConfigVariableName, string>>;
    worker?: boolean;
    /** The key the service's own reads of jobs carry, for a service with API_KEYS. */
    apiKey?: string;
    /** Keeps every log line of the API and the worker here (all levels), instead of dropping them. */
    logLines?: string[];
  } = {},
): Promise<TestService> {
  const environment = testEnvironment();
  const root = await mkdtemp(path.join(tmpdir(), 'manim-render-test-'));
  const config = loadConfig({
    REDIS_URL: environment.redisUrl,
    QUEUE_NAME: testQueueName(),
    OUTPUTS_DIR: path.join(root, 'outputs'),
    TEMP_DIR: path.join(root, 'temp'),
    PORT: '0',
    HOST: '127.0.0.1',
    RENDER_IMAGE: environment.renderImageSetting,
    MANIM_VERSIONS: environment.manimVersions,
    // Tests send many requests from one address; the limits have tests of their own.
    RATE_LIMIT_RENDERS_PER_MINUTE: '0',
    RATE_LIMIT_REQUESTS_PER_MINUTE: '0',
    ...options.env,
  });
  const logger =
    options.logLines === undefined
      ? createLogger({ level: 'warn', service: 'test', silent: process.env.TEST_LOGS !== '1' })
      : capturingLogger(options.logLines);
  // The service's own kind of connection, so that a Redis behind sentinels is followed too.
  const eventsRedis = createWorkerRedis(config);
  const queueEvents = new QueueEvents(config.QUEUE_NAME, {
    connection: eventsRedis,
    prefix: config.QUEUE_PREFIX,
  });
  // Redis going away is what some tests do; the reconnect is ioredis's business.
  eventsRedis.on('error', () => undefined);
  queueEvents.on('error', () => undefined);
  // Tests may wait for many jobs at once, each with listeners of its own.
  queueEvents.setMaxListeners(100);
  await queueEvents.waitUntilReady();
  let api: Awaited<ReturnType<typeof startApiProcess>>;
  let worker: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
  try {
    api = await startApiProcess(config, logger);
    worker = options.worker === false ? undefined : await startWorkerProcess(config, logger);
  } catch (error) {
    await queueEvents.close();
    eventsRedis.disconnect();
    throw error;
  }

  const getJob = async (id: string): Promise<JobView> => {
    const response = await fetch(`${api.url}/api/animation/jobs/${id}`, {
      headers: options.apiKey === undefined ? {} : { 'x-api-key': options.apiKey },
    });
    if (response.status !== 200) throw new Error(`GET job ${id} answered ${response.status}`);
    return (await response.json()) as JobView;
  };

  return {
    url: api.url,
    config,
    app: api.app,
    async submit(body) {
      const response = await fetch(`${api.url}/api/animation/render`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as SubmitBody };
    },
    async submitForm(fields, files) {
      const form = new FormData();
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      for (const file of files) {
        form.append(file.field, new Blob([file.content]), file.name);
      }
      const response = await fetch(`${api.url}/api/animation/render`, {
        method: 'POST',
        body: form,
      });
      return { status: response.status, body: (await response.json()) as SubmitBody };
    },
    getJob,
    async waitForEnd(id) {
      const ended = nextEvent(queueEvents, id, ['completed', 'failed']);
      const current = await getJob(id);
      if (current.status === 'queued' || current.status === 'active') await ended;
      return getJob(id);
    },
    recordProgress(id) {
      const updates: RenderProgress[] = [];
      queueEvents.on('progress', ({ jobId, data }) => {
        if (jobId === id) updates.push(data as RenderProgress);
      });
      return updates;
    },
    async waitForActive(id) {
      const active = nextEvent(queueEvents, id, ['active']);
      if ((await getJob(id)).status === 'queued') await active;
    },
    async close() {
      await worker?.close();
      await api.close();
      await queueEvents.close();
      eventsRedis.disconnect();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** The service's own logger at its most talkative, writing its JSON lines into `lines`. */
function capturingLogger(lines: string[]): Logger {
  const logger = createLogger({ level: 'debug', service: 'test' });
  logger.clear();
  logger.add(
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(
            ...chunk
              .toString('utf8')
              .split('\n')
              .filter((line) => line !== ''),
          );
          done();
        },
      }),
    }),
  );
  return logger;
}

function nextEvent(
  queueEvents: QueueEvents,
  id: string,
  events: Array<'active' | 'completed' | 'failed'>,
): Promise<void> {
  return new Promise((resolve) => {
    const listener = ({ jobId }: { jobId: string }) => {
      if (jobId !== id) return;
      for (const event of events) queueEvents.off(event, listener);
      resolve();
    };
    for (const event of events) queueEvents.on(event, listener);
  });
}
