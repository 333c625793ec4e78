import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDockerClient } from '../src/render-engine/docker-client/docker-client';
import { imageExists } from '../src/render-engine/docker-client/image-streams';
import { defaultManimVersion, renderImageName } from '../src/render-image/render-image';
import { loadConfig } from '../src/config/load-config';
import { createLogger } from '../src/logging/logger';
import { resolveRenderUser } from '../src/pipeline/render-user';
import { measureApi } from './api-load';
import { createBareRunner, type BareRunner } from './bare-render';
import { removeLeftoverContainers } from './bench-containers';
import {
  BENCH_PARTS,
  parseBenchOptions,
  UsageError,
  type BenchOptions,
  type BenchPart,
} from './bench-options';
import { writeReport } from './bench-report';
import type {
  BenchResult,
  CarriedOverFrom,
  RepeatResult,
  SceneComparison,
  ThroughputComparison,
  ThroughputRound,
  WarmPoolComparison,
} from './bench-result';
import { compareSplit } from './split-comparison';
import { startBenchService, type BenchService } from './bench-service';
import { judgeTargets } from './bench-targets';
import { collectVersions, describeMachine, machineSummary } from './machine-info';
import { startPrivateRedis } from './private-redis';
import { compareRuntimes } from './runtime-comparison';
import { measureScaling } from './scaling';
import { RENDER_SCENES, requestBody, THROUGHPUT_SCENE, uniqueCode } from './scenes';
import { summarize } from './stats';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..');
/** WARM_POOL_SIZE of the service the warm part measures; jobs there come one at a time. */
const WARM_POOL_SIZE = 1;
const CLEANUP_STEP_LIMIT_MS = 30_000;

function progress(line: string): void {
  const clock = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[bench ${clock}] ${line}\n`);
}

/** Cleanup steps run last-registered first, each bounded, on success, failure and Ctrl-C. */
class Cleanup {
  private readonly steps: Array<{ name: string; run: () => Promise<unknown> }> = [];
  private running: Promise<void> | undefined;

  add(name: string, run: () => Promise<unknown>): void {
    this.steps.push({ name, run });
  }

  runAll(): Promise<void> {
    this.running ??= (async () => {
      for (const step of [...this.steps].reverse()) {
        let timer: NodeJS.Timeout | undefined;
        const limit = new Promise<string>((resolve) => {
          timer = setTimeout(() => resolve('took too long'), CLEANUP_STEP_LIMIT_MS);
        });
        const outcome = await Promise.race([
          step.run().then(
            () => undefined,
            (error: unknown) => (error as Error).message,
          ),
          limit,
        ]);
        clearTimeout(timer);
        if (outcome !== undefined) progress(`cleanup: ${step.name}: ${outcome}`);
      }
    })();
    return this.running;
  }
}

async function main(): Promise<void> {
  if (!existsSync(path.join(PROJECT_ROOT, 'backend', 'bench'))) {
    throw new Error(`run the compiled bench from dist/backend/bench (root: ${PROJECT_ROOT})`);
  }
  const options = parseBenchOptions(process.argv.slice(2), process.env, PROJECT_ROOT);
  if (options.reportOnly) {
    const recorded = JSON.parse(
      await readFile(path.join(options.outDir, 'performance.json'), 'utf8'),
    ) as BenchResult;
    const written = await writeReport(options.outDir, {
      ...recorded,
      targets: judgeTargets(recorded),
    });
    progress(`rewrote ${path.relative(PROJECT_ROOT, written.markdown)} from the recorded run`);
    return;
  }
  const startedAt = performance.now();
  const runId = randomUUID().slice(0, 8);
  const cores = os.availableParallelism();
  const machine = describeMachine();
  const logger = createLogger({
    level: 'warn',
    service: 'bench',
    silent: process.env.BENCH_LOGS !== '1',
    toStderr: true,
  });

  const docker = createDockerClient();
  await docker.ping().catch((error: Error) => {
    throw new Error(`the Docker Engine does not answer (${error.message}); run \`npm run setup\``);
  });
  const benchConfig = loadConfig(process.env);
  const image = renderImageName(benchConfig, defaultManimVersion(benchConfig));
  if (!(await imageExists(docker, image))) {
    throw new Error(`the render image ${image} is missing; run \`npm run setup\``);
  }

  const cleanup = new Cleanup();
  const interrupt = (signal: NodeJS.Signals) => {
    progress(`${signal}: cleaning up`);
    void cleanup.runAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  try {
    const redis = await startPrivateRedis();
    cleanup.add('stop redis-server', () => redis.stop());
    progress(`redis-server ${redis.version} on ${redis.url}; run ${runId}; ${cores} cores`);

    const service = await startBenchService({
      redisUrl: redis.url,
      queueName: `bench-${runId}`,
      concurrency: cores,
      warmPoolSize: 0,
      logger,
      env: process.env,
    });
    cleanup.add('stop the service', () => service.close());
    let warmService: BenchService | undefined;
    const scalingJobIds = new Set<string>();
    cleanup.add('remove containers', () =>
      removeLeftoverContainers(
        docker,
        runId,
        new Set([...service.jobIds, ...(warmService?.jobIds ?? []), ...scalingJobIds]),
        new Set([service.config.QUEUE_NAME, warmService?.config.QUEUE_NAME ?? '']),
      ),
    );
    if (options.parts.has('warm')) {
      warmService = await startBenchService({
        redisUrl: redis.url,
        queueName: `bench-warm-${runId}`,
        concurrency: cores,
        warmPoolSize: WARM_POOL_SIZE,
        logger,
        env: process.env,
      });
      const started = warmService;
      cleanup.add('stop the service with the warm pool', () => started.close());
    }
    const { config } = service;
    const bareDir = await mkdtemp(path.join(tmpdir(), 'manim-bench-bare-'));
    cleanup.add('remove bare job folders', () => rm(bareDir, { recursive: true, force: true }));
    const bare = createBareRunner({
      docker,
      image,
      config,
      renderUser: resolveRenderUser(config.RENDER_USER, {
        uid: process.getuid?.() ?? 0,
        gid: process.getgid?.() ?? 0,
      }),
      tempDir: bareDir,
      runId,
    });
    const versions = await collectVersions(docker, image, redis.version, PROJECT_ROOT);
    const phases = { service, bare, options, runId };

    const renderingParts: BenchPart[] = ['renders', 'throughput', 'repeats', 'warm'];
    if (renderingParts.some((part) => options.parts.has(part))) {
      await warmUp(phases, warmService);
    }
    const renders = options.parts.has('renders') ? await measureRenders(phases) : undefined;
    const throughput = options.parts.has('throughput')
      ? await measureThroughput({ ...phases, concurrency: cores })
      : undefined;
    const api = options.parts.has('api')
      ? await measureApi({
          redisUrl: redis.url,
          queueName: `bench-api-${runId}`,
          seconds: options.apiSeconds,
          rounds: options.apiRounds,
          maxRequests: options.apiMaxRequests,
          connections: options.apiConnections,
          // cache: false: every submission is a new job, not an answer from an identical one.
          submitBody: { ...requestBody(THROUGHPUT_SCENE, THROUGHPUT_SCENE.code), cache: false },
          logFile: path.join(bareDir, 'api-process.log'),
          env: process.env,
          progress,
        })
      : undefined;
    const repeats = options.parts.has('repeats') ? await measureRepeats(phases) : undefined;
    const warm = warmService
      ? await measureWarmPool({ ...phases, warmService, poolSize: WARM_POOL_SIZE })
      : undefined;
    const runtimes = options.parts.has('runtimes')
      ? await compareRuntimes({
          docker,
          redisUrl: redis.url,
          runId,
          repetitions: options.repetitions,
          concurrency: cores,
          logger,
          env: process.env,
          progress,
          onCleanup: (name, step) => cleanup.add(name, step),
        })
      : undefined;
    const scaling = options.parts.has('scaling')
      ? await measureScaling({
          image,
          workerCounts: options.scalingWorkerCounts,
          jobs: options.scalingJobs,
          idleSeconds: options.scalingIdleSeconds,
          runId,
          workDir: path.join(bareDir, 'scaling'),
          env: process.env,
          progress,
          jobIds: scalingJobIds,
          onCleanup: (name, step) => cleanup.add(name, step),
        })
      : undefined;

    const split = options.parts.has('split')
      ? await compareSplit({
          bare,
          redisUrl: redis.url,
          runId,
          repetitions: options.splitRepetitions,
          concurrency: cores,
          logger,
          env: process.env,
          progress,
          onCleanup: (name, step) => cleanup.add(name, step),
        })
      : undefined;

    machine.loadAverage.end = os.loadavg()[0] ?? 0;
    const partial: Omit<BenchResult, 'targets'> = {
      generatedAt: new Date().toISOString(),
      mode: options.quick ? 'quick' : 'full',
      durationSeconds: (performance.now() - startedAt) / 1000,
      settings: {
        repetitions: options.repetitions,
        throughputJobs: options.throughputJobs,
        throughputRounds: options.throughputRounds,
        workerConcurrency: cores,
        apiSeconds: options.apiSeconds,
        apiRounds: options.apiRounds,
        apiConnections: options.apiConnections,
        scalingJobs: options.scalingJobs,
        serviceLimits: {
          renderCpus: config.RENDER_CPUS,
          renderMemoryMb: config.RENDER_MEMORY_MB,
          renderPidsLimit: config.RENDER_PIDS_LIMIT,
        },
      },
      machine,
      versions,
      ...(renders ? { renders } : {}),
      ...(throughput ? { throughput } : {}),
      ...(api ? { api } : {}),
      ...(repeats ? { repeats } : {}),
      ...(warm ? { warm } : {}),
      ...(scaling ? { scaling } : {}),
      ...(runtimes ? { runtimes } : {}),
      ...(split ? { split } : {}),
    };
    const combined = await carryOverUnmeasured(partial, options);
    const result: BenchResult = { ...combined, targets: judgeTargets(combined) };
    const written = await writeReport(options.outDir, result);
    for (const verdict of result.targets) {
      progress(
        `${verdict.met === null ? 'UNJUDGED' : verdict.met ? 'met     ' : 'MISSED  '} ${verdict.name}: ${verdict.measured}, ${verdict.runs} runs (${verdict.target})`,
      );
    }
    progress(
      `wrote ${path.relative(PROJECT_ROOT, written.json)} and ${path.relative(PROJECT_ROOT, written.markdown)}`,
    );
  } finally {
    await cleanup.runAll();
    progress(`done in ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);
  }
}

interface Phases {
  service: BenchService;
  bare: BareRunner;
  options: BenchOptions;
  runId: string;
}

/** One render of each kind, not recorded: the first container after a while pays for cold caches. */
async function warmUp(
  { service, bare, runId }: Phases,
  warmService: BenchService | undefined,
): Promise<void> {
  progress('warm-up: one bare run and one service render');
  await bare.run(THROUGHPUT_SCENE, uniqueCode(THROUGHPUT_SCENE, `warm-${runId}`), `warm-${runId}`);
  await service.renderEndToEnd(
    requestBody(THROUGHPUT_SCENE, uniqueCode(THROUGHPUT_SCENE, `warm-service-${runId}`)),
  );
  if (warmService) {
    await warmService.whenPoolFull();
    await warmService.renderEndToEnd(
      requestBody(THROUGHPUT_SCENE, uniqueCode(THROUGHPUT_SCENE, `warm-pool-${runId}`)),
    );
  }
}

/**
 * Each scene three ways, in turns: the bare run, the service without a pool, and the service
 * with a warm pool. Every run starts when the pool is full, so that no container the pool starts
 * in the background runs beside a measured bare or cold render; the replacement started when a
 * warm render takes its container does run beside that render, as it would in service.
 */
async function measureWarmPool(
  phases: Phases & { warmService: BenchService; poolSize: number },
): Promise<WarmPoolComparison> {
  const { service, warmService, bare, options, runId } = phases;
  const sides = ['bare', 'cold', 'warm'] as const;
  type Side = (typeof sides)[number];
  const bareRuns = new Map<string, Awaited<ReturnType<BareRunner['run']>>[]>();
  const coldRuns = new Map<string, Awaited<ReturnType<BenchService['renderEndToEnd']>>[]>();
  const warmRuns = new Map<string, Awaited<ReturnType<BenchService['renderEndToEnd']>>[]>();
  const add = <T>(runs: Map<string, T[]>, key: string, run: T) =>
    runs.set(key, [...(runs.get(key) ?? []), run]);
  for (let repetition = 1; repetition <= options.repetitions; repetition += 1) {
    for (const scene of RENDER_SCENES) {
      const tag = `${runId}-warm-${scene.key}-${repetition}`;
      const measure: Record<Side, () => Promise<number>> = {
        bare: async () => {
          const timing = await bare.run(scene, uniqueCode(scene, `bare-${tag}`), `pool-${tag}`);
          add(bareRuns, scene.key, timing);
          return timing.totalMs;
        },
        cold: async () => {
          const timing = await service.renderEndToEnd(
            requestBody(scene, uniqueCode(scene, `cold-${tag}`)),
          );
          add(coldRuns, scene.key, timing);
          return timing.totalMs;
        },
        warm: async () => {
          const timing = await warmService.renderEndToEnd(
            requestBody(scene, uniqueCode(scene, `warm-${tag}`)),
          );
          add(warmRuns, scene.key, timing);
          return timing.totalMs;
        },
      };
      const shift = (repetition - 1) % sides.length;
      const order = [...sides.slice(shift), ...sides.slice(0, shift)];
      const measured: Partial<Record<Side, number>> = {};
      for (const side of order) {
        await warmService.whenPoolFull();
        measured[side] = await measure[side]();
      }
      progress(
        `warm pool ${scene.key} ${repetition}/${options.repetitions}: bare ${seconds(measured.bare ?? 0)}, service ${seconds(measured.cold ?? 0)}, with the pool ${seconds(measured.warm ?? 0)}`,
      );
    }
  }
  return {
    poolSize: phases.poolSize,
    scenes: RENDER_SCENES.map((scene) => {
      const bareOfScene = bareRuns.get(scene.key) ?? [];
      const coldOfScene = coldRuns.get(scene.key) ?? [];
      const warmOfScene = warmRuns.get(scene.key) ?? [];
      const bareTotal = summarize(bareOfScene.map((run) => run.totalMs));
      const warmTotal = summarize(warmOfScene.map((run) => run.totalMs));
      return {
        scene: scene.key,
        description: scene.description,
        bare: { runs: bareOfScene, totalMs: bareTotal },
        cold: { runs: coldOfScene, totalMs: summarize(coldOfScene.map((run) => run.totalMs)) },
        warm: { runs: warmOfScene, totalMs: warmTotal },
        ratio: warmTotal.median / bareTotal.median,
      };
    }),
  };
}

/**
 * A run of some parts only (`--only`) keeps the other parts of the performance.json it replaces,
 * each marked with the run it was measured in.
 */
async function carryOverUnmeasured(
  measured: Omit<BenchResult, 'targets'>,
  options: BenchOptions,
): Promise<Omit<BenchResult, 'targets'>> {
  const skipped = BENCH_PARTS.filter((part) => !options.parts.has(part));
  const file = path.join(options.outDir, 'performance.json');
  if (skipped.length === 0 || !existsSync(file)) return measured;
  const previous = JSON.parse(await readFile(file, 'utf8')) as BenchResult;
  const previousRun: CarriedOverFrom = {
    generatedAt: previous.generatedAt,
    mode: previous.mode,
    gitCommit: previous.versions.gitCommit,
    loadAverage: previous.machine.loadAverage,
    machine: machineSummary(previous.machine),
  };
  const combined: Omit<BenchResult, 'targets'> = { ...measured };
  const carriedOver: NonNullable<BenchResult['carriedOver']> = {};
  for (const part of skipped) {
    if (previous[part] === undefined) continue;
    Object.assign(combined, { [part]: previous[part] });
    carriedOver[part] = previous.carriedOver?.[part] ?? previousRun;
  }
  return Object.keys(carriedOver).length === 0 ? measured : { ...combined, carriedOver };
}

async function measureRenders({
  service,
  bare,
  options,
  runId,
}: Phases): Promise<SceneComparison[]> {
  const bareRuns = new Map<string, Awaited<ReturnType<BareRunner['run']>>[]>();
  const serviceRuns = new Map<string, Awaited<ReturnType<BenchService['renderEndToEnd']>>[]>();
  for (let repetition = 1; repetition <= options.repetitions; repetition += 1) {
    for (const scene of RENDER_SCENES) {
      const tag = `${runId}-${scene.key}-${repetition}`;
      const runBare = async () => {
        const timing = await bare.run(scene, uniqueCode(scene, `bare-${tag}`), tag);
        bareRuns.set(scene.key, [...(bareRuns.get(scene.key) ?? []), timing]);
        return timing.totalMs;
      };
      const runService = async () => {
        const body = requestBody(scene, uniqueCode(scene, `service-${tag}`));
        const timing = await service.renderEndToEnd(body);
        serviceRuns.set(scene.key, [...(serviceRuns.get(scene.key) ?? []), timing]);
        return timing.totalMs;
      };
      // Taken in turns, so that a machine that gets busier during the run hurts neither side more.
      const [first, second] = repetition % 2 === 1 ? [runBare, runService] : [runService, runBare];
      const firstMs = await first();
      const secondMs = await second();
      const [bareMs, serviceMs] = repetition % 2 === 1 ? [firstMs, secondMs] : [secondMs, firstMs];
      progress(
        `render ${scene.key} ${repetition}/${options.repetitions}: bare ${seconds(bareMs)}, service ${seconds(serviceMs)}`,
      );
    }
  }
  return RENDER_SCENES.map((scene) => {
    const bareOfScene = bareRuns.get(scene.key) ?? [];
    const serviceOfScene = serviceRuns.get(scene.key) ?? [];
    const bareTotal = summarize(bareOfScene.map((run) => run.totalMs));
    const serviceTotal = summarize(serviceOfScene.map((run) => run.totalMs));
    return {
      scene: scene.key,
      description: scene.description,
      bare: { runs: bareOfScene, totalMs: bareTotal },
      service: { runs: serviceOfScene, totalMs: serviceTotal },
      overheadMs: serviceTotal.median - bareTotal.median,
      ratio: serviceTotal.median / bareTotal.median,
    };
  });
}

async function measureThroughput(
  phases: Phases & { concurrency: number },
): Promise<ThroughputComparison> {
  const { service, bare, options, runId, concurrency } = phases;
  const jobs = options.throughputJobs;
  const scene = THROUGHPUT_SCENE;
  const round = (wallMs: number): ThroughputRound => ({
    wallMs,
    jobsPerMinute: (jobs * 60_000) / wallMs,
  });

  const bareRound = async (index: number) => {
    const started = performance.now();
    await runPool(jobs, concurrency, (job) => {
      const tag = `${runId}-throughput-${index}-${job}`;
      return bare.run(scene, uniqueCode(scene, `bare-${tag}`), tag);
    });
    return round(performance.now() - started);
  };
  const serviceRound = async (index: number) => {
    const started = performance.now();
    const ids = await Promise.all(
      Array.from({ length: jobs }, (_unused, job) =>
        service.submit(
          requestBody(scene, uniqueCode(scene, `service-${runId}-throughput-${index}-${job}`)),
        ),
      ),
    );
    await Promise.all(ids.map((id) => service.completion(id).then(() => service.download(id))));
    return round(performance.now() - started);
  };

  const bareRounds: ThroughputRound[] = [];
  const serviceRounds: ThroughputRound[] = [];
  for (let index = 1; index <= options.throughputRounds; index += 1) {
    if (index % 2 === 1) {
      bareRounds.push(await bareRound(index));
      serviceRounds.push(await serviceRound(index));
    } else {
      serviceRounds.push(await serviceRound(index));
      bareRounds.push(await bareRound(index));
    }
    const last = (rounds: ThroughputRound[]) => rounds[rounds.length - 1]?.jobsPerMinute ?? 0;
    progress(
      `throughput ${index}/${options.throughputRounds}: ${jobs} jobs, bare ${last(bareRounds).toFixed(1)}/min, service ${last(serviceRounds).toFixed(1)}/min`,
    );
  }
  const bareRate = summarize(bareRounds.map((entry) => entry.jobsPerMinute));
  const serviceRate = summarize(serviceRounds.map((entry) => entry.jobsPerMinute));
  return {
    scene: scene.key,
    jobs,
    concurrency,
    bare: { rounds: bareRounds, jobsPerMinute: bareRate },
    service: { rounds: serviceRounds, jobsPerMinute: serviceRate },
    ratio: serviceRate.median / bareRate.median,
  };
}

async function measureRepeats({ service, options, runId }: Phases): Promise<RepeatResult> {
  const scene = THROUGHPUT_SCENE;
  const body = requestBody(scene, uniqueCode(scene, `repeat-${runId}`));
  const first = await service.renderEndToEnd(body);
  const repeats = [];
  for (let repetition = 1; repetition <= options.repetitions; repetition += 1) {
    const timing = await service.renderEndToEnd(body);
    repeats.push(timing);
    progress(`repeat ${repetition}/${options.repetitions}: ${seconds(timing.totalMs)}`);
  }
  return {
    scene: scene.key,
    first,
    repeats,
    totalMs: summarize(repeats.map((timing) => timing.totalMs)),
  };
}

/** Runs `count` tasks with at most `limit` at a time. */
async function runPool<T>(
  count: number,
  limit: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
  return results;
}

function seconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(2)} s`;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
