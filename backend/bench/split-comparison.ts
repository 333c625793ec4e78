import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { Job, Queue } from 'bullmq';
import type { RenderResult } from '../src/job/render-job';
import type { Logger } from '../src/logging/logger';
import { createWorkerRedis } from '../src/redis/redis-connection';
import type { BareRunner } from './bare-render';
import { SPLIT_SIDES, type SplitComparison, type SplitSide } from './bench-result';
import { startBenchService, type BenchService } from './bench-service';
import { editLoopScenes, LONG_SCENE, requestBody, uniqueCode } from './scenes';
import { summarize } from './stats';

/**
 * Split rendering of the long reference scene: the bare single container, and the service with
 * `chunks` 1, 2 and auto, measured in turns (the order changes with each repetition), with the
 * machine's CPU time during each run. The split runs' own timings (plan, ranges, join) feed a
 * model of wall time against the number of ranges when each range has a host of its own.
 */
export async function compareSplit(options: {
  bare: BareRunner;
  redisUrl: string;
  runId: string;
  repetitions: number;
  concurrency: number;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  progress: (line: string) => void;
  onCleanup: (name: string, step: () => Promise<unknown>) => void;
}): Promise<SplitComparison> {
  const queueName = `bench-split-${options.runId}`;
  const service = await startPartService(options, queueName, 'split', {});
  // Reads the split runs' own timings, which the job view leaves out.
  const connection = createWorkerRedis(service.config);
  const queue = new Queue(queueName, { connection, prefix: service.config.QUEUE_PREFIX });
  options.onCleanup('close the split queue', async () => {
    await queue.close();
    connection.disconnect();
  });

  const wall: Record<SplitSide, number[]> = { bare: [], chunks1: [], chunks2: [], auto: [] };
  const cpu: Record<SplitSide, number[]> = { bare: [], chunks1: [], chunks2: [], auto: [] };
  const timings: Record<'chunks2' | 'auto', NonNullable<RenderResult['splitTimings']>[]> = {
    chunks2: [],
    auto: [],
  };
  const autoChunks: number[] = [];
  const chunksOf: Record<Exclude<SplitSide, 'bare'>, number | 'auto'> = {
    chunks1: 1,
    chunks2: 2,
    auto: 'auto',
  };

  for (let repetition = 1; repetition <= options.repetitions; repetition += 1) {
    // Rotated, and reversed every other time, so that no side always follows the same one.
    const rotated = SPLIT_SIDES.map(
      (_, index) => SPLIT_SIDES[(index + repetition) % SPLIT_SIDES.length] as SplitSide,
    );
    const order = repetition % 2 === 0 ? rotated.reverse() : rotated;
    for (const side of order) {
      const tag = `split-${side}-${options.runId}-${repetition}`;
      const code = uniqueCode(LONG_SCENE, tag);
      const cpuBefore = await machineCpuSeconds();
      const startedAt = performance.now();
      if (side === 'bare') {
        await options.bare.run(LONG_SCENE, code, tag);
      } else {
        const body = { ...requestBody(LONG_SCENE, code), chunks: chunksOf[side], cache: false };
        const id = await service.submit(body);
        await service.completion(id);
        await service.download(id);
        const result = (await Job.fromId(queue, id))?.returnvalue as RenderResult | undefined;
        if (side !== 'chunks1' && result?.splitTimings) timings[side].push(result.splitTimings);
        if (side === 'auto') autoChunks.push(result?.chunks ?? 1);
      }
      wall[side].push(performance.now() - startedAt);
      cpu[side].push((await machineCpuSeconds()) - cpuBefore);
      options.progress(
        `split ${side} ${repetition}/${options.repetitions}: ${((wall[side].at(-1) ?? 0) / 1000).toFixed(1)} s wall, ${(cpu[side].at(-1) ?? 0).toFixed(1)} s CPU`,
      );
    }
  }

  const editLoop = await measureEditLoop(options);

  const sides = Object.fromEntries(
    SPLIT_SIDES.map((side) => [
      side,
      {
        wallMs: summarize(wall[side]),
        cpuSeconds: summarize(cpu[side]),
        ...(side === 'chunks2' || side === 'auto' ? { timings: timings[side] } : {}),
      },
    ]),
  ) as SplitComparison['sides'];
  return {
    scene: LONG_SCENE.key,
    description: LONG_SCENE.description,
    maxChunks: service.config.SPLIT_MAX_CHUNKS,
    sides,
    autoChunks,
    model: wallModel(sides.bare.wallMs.median, timings.chunks2),
    editLoop,
  };
}

/**
 * The edit loop: on a service that reuses plays (PLAY_REUSE=everyone, an open API as one
 * tenant), the scene is rendered, then rendered again with its last play changed; the second
 * render is measured. Each repetition moves the scene a little, so it reuses nothing of another.
 */
async function measureEditLoop(
  options: Parameters<typeof compareSplit>[0],
): Promise<NonNullable<SplitComparison['editLoop']>> {
  const queueName = `bench-reuse-${options.runId}`;
  const service = await startPartService(options, queueName, 'edit loop', {
    PLAY_REUSE: 'everyone',
  });
  const wall: number[] = [];
  const reusedPlays: number[] = [];
  for (let repetition = 1; repetition <= options.repetitions; repetition += 1) {
    const { original, edited } = editLoopScenes(repetition);
    await service.renderEndToEnd({ ...requestBody(LONG_SCENE, original), cache: false });
    const startedAt = performance.now();
    const id = await service.submit({ ...requestBody(LONG_SCENE, edited), cache: false });
    await service.completion(id);
    await service.download(id);
    wall.push(performance.now() - startedAt);
    const view = (await (await fetch(`${service.url}/api/animation/jobs/${id}`)).json()) as {
      result?: { reusedPlays?: number };
    };
    reusedPlays.push(view.result?.reusedPlays ?? 0);
    options.progress(
      `split edit loop ${repetition}/${options.repetitions}: ${((wall.at(-1) ?? 0) / 1000).toFixed(1)} s, ${reusedPlays.at(-1) ?? 0} plays reused`,
    );
  }
  return { wallMs: summarize(wall), reusedPlays };
}

/**
 * Wall time with n ranges, each on a host of its own as fast as this one: the plan pass, the
 * slowest range (it steps through (n-1)/n of the scene before drawing 1/n of it) and the join.
 * Stepping the whole scene costs what the plan pass costs; drawing all of it what the bare run
 * costs.
 */
export function wallModel(
  bareMs: number,
  runs: NonNullable<RenderResult['splitTimings']>[],
): { ranges: number; predictedMs: number }[] {
  if (runs.length === 0) return [];
  const median = (values: number[]) => summarize(values).median;
  const planMs = median(runs.map((run) => run.planMs));
  const joinMs = median(runs.map((run) => run.joinMs));
  return [1, 2, 4, 8].map((ranges) => ({
    ranges,
    predictedMs: Math.round(planMs + (planMs * (ranges - 1)) / ranges + bareMs / ranges + joinMs),
  }));
}

/** Busy CPU time of the whole machine so far (every core), from /proc/stat. */
async function machineCpuSeconds(): Promise<number> {
  const [line = ''] = (await readFile('/proc/stat', 'utf8')).split('\n');
  const [, ...fields] = line.trim().split(/\s+/);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields.map(Number);
  // USER_HZ is 100 on Linux.
  return (user + nice + system + irq + softirq + steal) / 100;
}

/** A service of this part on its own queue, stopped at cleanup; `env` adds to the bench's. */
async function startPartService(
  options: Parameters<typeof compareSplit>[0],
  queueName: string,
  name: string,
  env: NodeJS.ProcessEnv,
): Promise<BenchService> {
  const service = await startBenchService({
    redisUrl: options.redisUrl,
    queueName,
    concurrency: options.concurrency,
    warmPoolSize: 0,
    logger: options.logger,
    env: { ...options.env, ...env },
  });
  options.onCleanup(`stop the ${name} service`, () => service.close());
  return service;
}
