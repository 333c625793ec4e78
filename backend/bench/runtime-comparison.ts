import type { DockerClient } from '../src/render-engine/docker-client/docker-client';
import { engineRuntimes } from '../src/render-engine/docker-client/engine-runtimes';
import { QUEUE_LABEL, WARM_LABEL } from '../src/render-engine/container-labels';
import type { Logger } from '../src/logging/logger';
import type { RuntimeComparison } from './bench-result';
import { startBenchService, type BenchService } from './bench-service';
import { RENDER_SCENES, requestBody, uniqueCode } from './scenes';
import { summarize } from './stats';

const RUNTIME = 'runsc';
const SIDES = ['runcCold', 'runcWarm', 'runscCold', 'runscWarm'] as const;
type Side = (typeof SIDES)[number];

/**
 * gVisor against the engine's default runtime, end to end through the service, without and with
 * a warm pool of one: four services in this process, each on a queue of its own, measured in
 * turns (the order rotates with each repetition), every run started while both pools are full.
 * Also the memory an idle warm container holds under each runtime.
 */
export async function compareRuntimes(options: {
  docker: DockerClient;
  redisUrl: string;
  runId: string;
  repetitions: number;
  concurrency: number;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  progress: (line: string) => void;
  onCleanup: (name: string, step: () => Promise<unknown>) => void;
}): Promise<RuntimeComparison> {
  const runtimes = await engineRuntimes(options.docker);
  if (!runtimes.includes(RUNTIME)) {
    throw new Error(
      `the Docker Engine has no runtime ${RUNTIME} (it has ${runtimes.join(', ')}): run \`npm run setup -- --gvisor\` as root, or leave out the part with --only`,
    );
  }
  const services = {} as Record<Side, BenchService>;
  for (const side of SIDES) {
    const service = await startBenchService({
      redisUrl: options.redisUrl,
      queueName: `bench-${side.toLowerCase()}-${options.runId}`,
      concurrency: options.concurrency,
      warmPoolSize: side.endsWith('Warm') ? 1 : 0,
      logger: options.logger,
      env: { ...options.env, RENDER_RUNTIME: side.startsWith('runsc') ? RUNTIME : '' },
    });
    services[side] = service;
    options.onCleanup(`stop the ${side} service`, () => service.close());
  }
  const poolsFull = () =>
    Promise.all([services.runcWarm.whenPoolFull(), services.runscWarm.whenPoolFull()]);

  await poolsFull();
  const idleWarmMemoryMb = {
    runc: await warmContainerMemoryMb(options.docker, services.runcWarm.config.QUEUE_NAME),
    runsc: await warmContainerMemoryMb(options.docker, services.runscWarm.config.QUEUE_NAME),
  };
  for (const side of SIDES) {
    const scene = RENDER_SCENES[0];
    if (scene === undefined) break;
    await poolsFull();
    await services[side].renderEndToEnd(
      requestBody(scene, uniqueCode(scene, `${side}-warm-up-${options.runId}`)),
    );
  }

  const runs = new Map<string, number[]>();
  for (let repetition = 1; repetition <= options.repetitions; repetition += 1) {
    for (const scene of RENDER_SCENES) {
      const shift = (repetition - 1) % SIDES.length;
      const order = [...SIDES.slice(shift), ...SIDES.slice(0, shift)];
      const measured: Partial<Record<Side, number>> = {};
      for (const side of order) {
        await poolsFull();
        const tag = `${options.runId}-${side}-${scene.key}-${repetition}`;
        const timing = await services[side].renderEndToEnd(
          requestBody(scene, uniqueCode(scene, tag)),
        );
        const key = `${scene.key}/${side}`;
        runs.set(key, [...(runs.get(key) ?? []), timing.totalMs]);
        measured[side] = timing.totalMs;
      }
      options.progress(
        `runtimes ${scene.key} ${repetition}/${options.repetitions}: ${SIDES.map((side) => `${side} ${((measured[side] ?? 0) / 1000).toFixed(2)} s`).join(', ')}`,
      );
    }
  }
  return {
    runtime: RUNTIME,
    idleWarmMemoryMb,
    scenes: RENDER_SCENES.map((scene) => {
      const of = (side: Side) => summarize(runs.get(`${scene.key}/${side}`) ?? []);
      const totals = {
        runcCold: of('runcCold'),
        runcWarm: of('runcWarm'),
        runscCold: of('runscCold'),
        runscWarm: of('runscWarm'),
      };
      return {
        scene: scene.key,
        description: scene.description,
        totalMs: totals,
        coldRatio: totals.runscCold.median / totals.runcCold.median,
        warmRatio: totals.runscWarm.median / totals.runcWarm.median,
      };
    }),
  };
}

/** What the one warm container of a queue holds in memory now (the engine's stats). */
async function warmContainerMemoryMb(docker: DockerClient, queueName: string): Promise<number> {
  const [warm] = await docker.listContainers({
    filters: { label: [`${WARM_LABEL}=true`, `${QUEUE_LABEL}=${queueName}`] },
  });
  if (warm === undefined) return 0;
  const stats = (await docker.getContainer(warm.Id).stats({ stream: false })) as {
    memory_stats?: { usage?: number };
  };
  return (stats.memory_stats?.usage ?? 0) / (1024 * 1024);
}
