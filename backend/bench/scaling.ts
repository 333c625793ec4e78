import type { ChildProcess } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startDockerInDocker } from '../test/integration/support/docker-in-docker';
import type { ScalingResult, ScalingRound } from './bench-result';
import { freePort, startPrivateRedis } from './private-redis';
import { aboveBaseline, usageBetween, type RedisUsage } from './redis-usage';
import { ScalingClient } from './scaling-client';
import { THROUGHPUT_SCENE } from './scenes';
import { cpuSecondsOf, spawnServiceProcess, startApiChild, stopChild } from './service-children';
import { delay } from '../src/timing/timing';

const STATUS_POLLS = 200;
const PINGS = 2000;

export interface ScalingOptions {
  image: string;
  workerCounts: number[];
  jobs: number;
  idleSeconds: number;
  runId: string;
  /** Folders and logs of this part go here. */
  workDir: string;
  env: NodeJS.ProcessEnv;
  progress: (line: string) => void;
  /** Every job this part submits is added here, for the bench's container sweep. */
  jobIds: Set<string>;
  /** Registers a step of the bench's cleanup (run also when it is interrupted). */
  onCleanup: (name: string, step: () => Promise<unknown>) => void;
}

/**
 * How throughput and the load on Redis and the API grow with the number of worker processes.
 * One API process and N worker processes, each with WORKER_CONCURRENCY=1, on a Redis of this
 * part's own (so that its counters hold nothing else); the workers alternate between the
 * machine's Docker Engine and a Docker-in-Docker engine, which sees none of the host's folders,
 * as a second worker host would.
 */
export async function measureScaling(options: ScalingOptions): Promise<ScalingResult> {
  const { progress } = options;
  await mkdir(options.workDir, { recursive: true });
  const redis = await startPrivateRedis();
  options.onCleanup('stop the scaling part’s redis-server', () => redis.stop());
  progress('scaling: starting a Docker-in-Docker engine');
  const dind = await startDockerInDocker({ images: [options.image] });
  options.onCleanup('stop the Docker-in-Docker engine', () => dind.stop());

  const queueName = `bench-scaling-${options.runId}`;
  const outputsDir = path.join(options.workDir, 'outputs');
  const common: NodeJS.ProcessEnv = {
    ...options.env,
    REDIS_URL: redis.url,
    QUEUE_NAME: queueName,
    OUTPUTS_DIR: outputsDir,
    RATE_LIMIT_RENDERS_PER_MINUTE: '0',
    RATE_LIMIT_REQUESTS_PER_MINUTE: '0',
  };
  const port = await freePort();
  const api = await startApiChild(
    port,
    { ...common, TEMP_DIR: path.join(options.workDir, 'api-temp') },
    path.join(options.workDir, 'api.log'),
  );
  options.onCleanup('stop the scaling part’s API', () => stopChild(api));
  const client = new ScalingClient(
    `http://127.0.0.1:${port}`,
    redis.url,
    queueName,
    options.jobIds,
  );
  await client.ready();
  options.onCleanup('close the scaling part’s event reader', () => client.close());

  // What Redis and the API do with no worker: their own timers and the event readers.
  const apiCpu = () => cpuSecondsOf(api.pid ?? 0);
  const quiet = await client.usage();
  const quietApi = await apiCpu();
  await delay(options.idleSeconds * 1000);
  const baselineUsage = usageBetween(quiet, await client.usage());
  const baseline = {
    redisCommandsPerSecond: baselineUsage.commands / options.idleSeconds,
    redisCpuMsPerSecond: (baselineUsage.cpuSeconds * 1000) / options.idleSeconds,
    apiCpuMsPerSecond: (((await apiCpu()) - quietApi) * 1000) / options.idleSeconds,
  };
  const reference = await client.measurePings(PINGS, baseline);

  const rounds: ScalingRound[] = [];
  for (const count of options.workerCounts) {
    const workers: Array<{ child: ChildProcess; logFile: string; engine: 'machine' | 'dind' }> = [];
    try {
      for (let index = 0; index < count; index += 1) {
        const engine = index % 2 === 0 ? 'machine' : 'dind';
        const folder = path.join(options.workDir, `n${count}-worker-${index}`);
        await mkdir(folder, { recursive: true });
        const logFile = path.join(folder, 'worker.log');
        const env: NodeJS.ProcessEnv = {
          ...common,
          TEMP_DIR: path.join(folder, 'temp'),
          WORKER_CONCURRENCY: '1',
          WARM_POOL_SIZE: '0',
          LOG_LEVEL: 'info',
          ...(engine === 'dind' ? { DOCKER_HOST: dind.dockerHost } : {}),
        };
        workers.push({ child: spawnServiceProcess('worker', env, logFile), logFile, engine });
      }
      await client.waitForWorkers(count);
      // One job per worker first: an engine's first container after a while pays for cold caches.
      await client.renderAll(count, `${options.runId}-n${count}-warm`);

      const idleBefore = await client.usage();
      await delay(options.idleSeconds * 1000);
      const idle = usageBetween(idleBefore, await client.usage());

      const renderedBefore = await Promise.all(
        workers.map((worker) => completedIn(worker.logFile)),
      );
      const before = await client.usage();
      const apiBefore = await apiCpu();
      const started = performance.now();
      await client.renderAll(options.jobs, `${options.runId}-n${count}`);
      const wallMs = performance.now() - started;
      const used = usageBetween(before, await client.usage());
      const apiCpuSeconds = (await apiCpu()) - apiBefore;

      const rendered = await Promise.all(
        workers.map(async (worker, index) => ({
          engine: worker.engine,
          jobs: (await completedIn(worker.logFile)) - (renderedBefore[index] ?? 0),
        })),
      );
      const round = scalingRound({
        count,
        jobs: options.jobs,
        wallMs,
        used,
        idle,
        idleSeconds: options.idleSeconds,
        apiCpuSeconds,
        rendered,
        baseline,
      });
      rounds.push(round);
      progress(
        `scaling ${count} worker(s): ${options.jobs} jobs in ${(wallMs / 1000).toFixed(1)} s, ${round.jobsPerMinute.toFixed(1)}/min; ${round.perJob.redisCommands.toFixed(0)} Redis commands and ${round.perJob.redisCpuMs.toFixed(2)} ms of Redis CPU per job`,
      );
    } finally {
      await Promise.all(workers.map((worker) => stopChild(worker.child, 30_000)));
    }
  }

  const statusPoll = await client.measureStatusPolls(STATUS_POLLS, apiCpu, baseline);
  const first = rounds[0]?.jobsPerMinute ?? 0;
  return {
    scene: THROUGHPUT_SCENE.key,
    jobs: options.jobs,
    idleSeconds: options.idleSeconds,
    dockerInDocker: { storageDriver: dind.storageDriver, privileged: dind.privileged },
    baseline,
    redisCpuMsPerPing: reference,
    rounds,
    speedup: rounds.map((round) => ({
      workers: round.workers,
      ratio: first > 0 ? round.jobsPerMinute / first : 0,
    })),
    statusPoll,
  };
}

function scalingRound(input: {
  count: number;
  jobs: number;
  wallMs: number;
  used: RedisUsage;
  idle: RedisUsage;
  idleSeconds: number;
  apiCpuSeconds: number;
  rendered: Array<{ engine: 'machine' | 'dind'; jobs: number }>;
  baseline: ScalingResult['baseline'];
}): ScalingRound {
  const { jobs, used, idle, baseline } = input;
  const workerSeconds = input.count * input.idleSeconds;
  const wallSeconds = input.wallMs / 1000;
  const topCommands = Object.entries(used.byCommand)
    .sort(([, left], [, right]) => right - left)
    .slice(0, 8)
    .map(([command, calls]) => ({ command, perJob: calls / jobs }));
  const renderedOn = (engine: 'machine' | 'dind') =>
    input.rendered
      .filter((worker) => worker.engine === engine)
      .reduce((sum, worker) => sum + worker.jobs, 0);
  return {
    workers: input.count,
    workersPerEngine: {
      machine: input.rendered.filter((worker) => worker.engine === 'machine').length,
      dockerInDocker: input.rendered.filter((worker) => worker.engine === 'dind').length,
    },
    // Counted in the workers' logs.
    jobsRenderedPerEngine: { machine: renderedOn('machine'), dockerInDocker: renderedOn('dind') },
    jobs,
    wallMs: input.wallMs,
    jobsPerMinute: (jobs * 60_000) / input.wallMs,
    perJob: {
      redisCommands: used.commands / jobs,
      redisScripts: used.scripts / jobs,
      redisCpuMs: aboveBaseline(used.cpuSeconds, baseline.redisCpuMsPerSecond, wallSeconds) / jobs,
      apiCpuMs: aboveBaseline(input.apiCpuSeconds, baseline.apiCpuMsPerSecond, wallSeconds) / jobs,
    },
    idle: {
      seconds: input.idleSeconds,
      redisCommandsPerWorkerSecond: Math.max(
        0,
        (idle.commands - baseline.redisCommandsPerSecond * input.idleSeconds) / workerSeconds,
      ),
      redisCpuMsPerWorkerSecond: Math.max(
        0,
        (idle.cpuSeconds * 1000 - baseline.redisCpuMsPerSecond * input.idleSeconds) / workerSeconds,
      ),
    },
    topCommands,
  };
}

async function completedIn(logFile: string): Promise<number> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line.includes('"message":"render completed"')).length;
}
