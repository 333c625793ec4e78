import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Queue } from 'bullmq';
import { submitNewJob } from './bench-http';
import { freePort } from './private-redis';
import { startApiChild, stopChild } from './service-children';
import { latencyPercentiles, summarize, type LatencyPercentiles, type Summary } from './stats';

export interface LoadRound {
  seconds: number;
  responses2xx: number;
  non2xx: number;
  errors: number;
  requestsPerSecond: number;
}

export interface EndpointLoad {
  endpoint: string;
  method: 'GET' | 'POST';
  connections: number;
  rounds: LoadRound[];
  requestsPerSecond: Summary;
  /** Over every 2xx response of every round, in milliseconds. */
  latencyMs: LatencyPercentiles;
}

export interface ApiLoadResult {
  logLevel: string;
  status: EndpointLoad;
  submit: EndpointLoad;
  /** Jobs left in the submit queue after it was obliterated (0 expected). */
  jobsLeftAfterCleanup: number;
}

export interface ApiLoadOptions {
  redisUrl: string;
  queueName: string;
  seconds: number;
  rounds: number;
  maxRequests: number;
  connections: number;
  submitBody: Record<string, unknown>;
  logFile: string;
  env: NodeJS.ProcessEnv;
  progress: (line: string) => void;
}

const WARM_UP_SECONDS = 1;
const LOG_LEVEL = 'info';

/**
 * The API alone, in a process of its own (as deployed) so that the load generator here does not
 * share its event loop. Its queue has no worker: submitted jobs only wait, and the queue is
 * obliterated afterwards.
 */
export async function measureApi(options: ApiLoadOptions): Promise<ApiLoadResult> {
  const port = await freePort();
  // Its request log goes to a file: writing it is part of the API's cost, reading it is not.
  const api = await startApiChild(
    port,
    {
      ...options.env,
      REDIS_URL: options.redisUrl,
      QUEUE_NAME: options.queueName,
      LOG_LEVEL,
      // The load comes from one address; with limits on it would measure 429s.
      RATE_LIMIT_RENDERS_PER_MINUTE: '0',
      RATE_LIMIT_REQUESTS_PER_MINUTE: '0',
      // Nothing consumes this queue; the cap would answer 503 once it holds 1000 jobs.
      MAX_QUEUED_JOBS: '100000000',
    },
    options.logFile,
  );
  const url = `http://127.0.0.1:${port}`;
  const queue = new Queue(options.queueName, { connection: { url: options.redisUrl } });
  try {
    const statusPath = `/api/animation/jobs/${await submitNewJob(url, options.submitBody)}`;
    const status = await measureEndpoint(url, options, {
      endpoint: 'GET /api/animation/jobs/:id',
      method: 'GET',
      path: statusPath,
    });
    const submit = await measureEndpoint(url, options, {
      endpoint: 'POST /api/animation/render',
      method: 'POST',
      path: '/api/animation/render',
      body: JSON.stringify(options.submitBody),
    });
    await queue.obliterate({ force: true });
    const counts = await queue.getJobCounts();
    const jobsLeftAfterCleanup = Object.values(counts).reduce((sum, count) => sum + count, 0);
    return { logLevel: LOG_LEVEL, status, submit, jobsLeftAfterCleanup };
  } finally {
    await queue.close();
    await stopChild(api);
  }
}

async function measureEndpoint(
  url: string,
  options: ApiLoadOptions,
  target: { endpoint: string; method: 'GET' | 'POST'; path: string; body?: string },
): Promise<EndpointLoad> {
  const run = (seconds: number) => loadRound(url, options, target, seconds);
  options.progress(`api ${target.endpoint}: warm-up ${WARM_UP_SECONDS} s`);
  await run(WARM_UP_SECONDS);
  const rounds: LoadRound[] = [];
  const latencies: number[] = [];
  for (let round = 1; round <= options.rounds; round += 1) {
    const { summary, latencyMs } = await run(options.seconds);
    rounds.push(summary);
    latencies.push(...latencyMs);
    options.progress(
      `api ${target.endpoint} ${round}/${options.rounds}: ${summary.requestsPerSecond.toFixed(0)} req/s` +
        (summary.non2xx + summary.errors > 0
          ? ` (${summary.non2xx} non-2xx, ${summary.errors} errors)`
          : ''),
    );
  }
  return {
    endpoint: target.endpoint,
    method: target.method,
    connections: options.connections,
    rounds,
    requestsPerSecond: summarize(rounds.map((round) => round.requestsPerSecond)),
    latencyMs: latencyPercentiles(latencies),
  };
}

function loadRound(
  url: string,
  options: ApiLoadOptions,
  target: { method: 'GET' | 'POST'; path: string; body?: string },
  seconds: number,
): Promise<{ summary: LoadRound; latencyMs: number[] }> {
  return new Promise((resolve, reject) => {
    // autocannon's own histogram keeps whole milliseconds; its response events carry the exact time.
    const latencyMs: number[] = [];
    const startedAt = performance.now();
    const instance = autocannon(
      {
        url: `${url}${target.path}`,
        method: target.method,
        connections: options.connections,
        duration: seconds,
        maxOverallRequests: options.maxRequests,
        ...(target.body === undefined
          ? {}
          : { body: target.body, headers: { 'content-type': 'application/json' } }),
      },
      (error, result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        const elapsedSeconds = (performance.now() - startedAt) / 1000;
        resolve({
          summary: {
            seconds: elapsedSeconds,
            responses2xx: result['2xx'],
            non2xx: result.non2xx,
            errors: result.errors,
            requestsPerSecond: result['2xx'] / elapsedSeconds,
          },
          latencyMs,
        });
      },
    );
    instance.on('response', (_client, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode >= 200 && statusCode < 300) latencyMs.push(responseTime);
    });
  });
}
