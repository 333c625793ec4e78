import { z } from 'zod';
import {
  workerStatusSchema,
  type RenderImageStatus,
  type WorkerStatus,
} from '../worker-upkeep/worker-status';

/** What the readiness probes found; a probe that failed carries its error instead. */
export interface ReadinessProbes {
  redis: { ok: true } | { ok: false; error: string };
  /** The outputs' disk; absent when videos go to an object store. */
  disk?: { freeBytes: number } | { error: string };
  storage: { backend: 'local' | 's3'; location: string } & (
    { ok: true } | { ok: false; error: string }
  );
  minFreeMb: number;
  queueName: string;
  workers: { statuses: WorkerStatus[] } | { error: string };
}

export const readinessSchema = z
  .strictObject({
    status: z.enum(['ready', 'not_ready']),
    checks: z.strictObject({
      redis: z.strictObject({ ok: z.boolean(), error: z.string().optional() }),
      storage: z
        .strictObject({
          ok: z.boolean(),
          backend: z.enum(['local', 's3']).meta({ description: 'STORAGE' }),
          location: z
            .string()
            .meta({ description: 'The outputs folder, or the endpoint and bucket.' }),
          error: z.string().optional(),
        })
        .meta({
          description:
            'Whether videos can be kept and read (an object store: a probe object is written and removed).',
        }),
      disk: z
        .strictObject({
          ok: z.boolean(),
          freeMb: z.int().min(0).optional(),
          minFreeMb: z
            .int()
            .min(0)
            .meta({ description: 'MIN_FREE_DISK_MB; 0 turns the check off.' }),
          error: z.string().optional(),
        })
        .optional()
        .meta({ description: "Free space on the outputs' disk; absent with STORAGE=s3." }),
      workers: z.strictObject({
        ok: z.boolean(),
        count: z.int().min(0),
        workers: z.array(workerStatusSchema),
        error: z.string().optional(),
      }),
    }),
    problems: z.array(z.string()).meta({
      description: 'One line per failing part: what fails, where, and how to fix it.',
    }),
  })
  .meta({
    id: 'Readiness',
    description: 'Whether a render submitted now can finish, and what to fix when not.',
  });
export type Readiness = z.infer<typeof readinessSchema>;

const MB = 1024 * 1024;

/**
 * Ready means a render submitted now can finish: Redis answers, videos can be kept (the store
 * answers; a local disk has room), and
 * at least one worker reaches its Docker Engine, has the render image and takes jobs.
 */
export function readinessVerdict(probes: ReadinessProbes): Readiness {
  const problems: string[] = [];

  const redis = probes.redis.ok ? { ok: true } : { ok: false, error: probes.redis.error };
  if (!probes.redis.ok) {
    problems.push(
      `Redis does not answer: ${probes.redis.error} (fix: start Redis or point REDIS_URL at it)`,
    );
  }

  const storage = probes.storage;
  if (!probes.storage.ok) {
    problems.push(
      probes.storage.backend === 's3'
        ? `the object store cannot be used: ${probes.storage.error} (fix: start it or correct the S3_* settings; the bucket must exist and the credentials may write it)`
        : `the outputs folder ${probes.storage.location} cannot be used: ${probes.storage.error} (fix: create it or mount it readable at OUTPUTS_DIR)`,
    );
  }

  let disk: Readiness['checks']['disk'];
  if (probes.disk === undefined) {
    disk = undefined;
  } else if ('error' in probes.disk) {
    disk = { ok: false, minFreeMb: probes.minFreeMb, error: probes.disk.error };
    problems.push(`the outputs' disk cannot be checked: ${probes.disk.error}`);
  } else {
    const freeMb = Math.floor(probes.disk.freeBytes / MB);
    const ok = probes.minFreeMb === 0 || freeMb >= probes.minFreeMb;
    disk = { ok, freeMb, minFreeMb: probes.minFreeMb };
    if (!ok) {
      problems.push(
        `only ${freeMb} MiB are free on the outputs' disk, MIN_FREE_DISK_MB is ${probes.minFreeMb} (fix: free disk space or lower JOB_RETENTION_HOURS)`,
      );
    }
  }

  let workers: Readiness['checks']['workers'];
  if ('error' in probes.workers) {
    workers = { ok: false, count: 0, workers: [], error: probes.workers.error };
    problems.push(`the workers' statuses cannot be read: ${probes.workers.error}`);
  } else {
    const statuses = probes.workers.statuses;
    const problem = workersProblem(statuses, probes.queueName);
    workers = { ok: problem === undefined, count: statuses.length, workers: statuses };
    if (problem) problems.push(problem);
  }

  return {
    status: problems.length === 0 ? 'ready' : 'not_ready',
    checks: { redis, storage, ...(disk ? { disk } : {}), workers },
    problems,
  };
}

function workersProblem(statuses: WorkerStatus[], queueName: string): string | undefined {
  if (statuses.length === 0) {
    return `no worker is running for queue ${queueName} (fix: start a worker with the same REDIS_URL and QUEUE_NAME)`;
  }
  const reachable = statuses.filter((status) => status.engine.ok);
  if (reachable.length === 0) {
    const reasons = statuses.map(
      (status) =>
        `worker ${status.workerId}: ${status.engine.error ?? 'unknown error'}` +
        (status.engine.hint ? ` (fix: ${status.engine.hint})` : ''),
    );
    return `no worker reports a reachable Docker Engine: ${reasons.join('; ')}`;
  }
  const equipped = reachable.filter((status) => status.images.every((image) => image.present));
  if (equipped.length === 0) {
    const missing = reachable.map(
      (status) =>
        `worker ${status.workerId}: ${status.images
          .filter((image) => !image.present)
          .map(imageProblem)
          .join(', ')}`,
    );
    const pulled = reachable.some((status) =>
      status.images.some((image) => image.pulling || image.error),
    );
    return pulled
      ? `no worker has every render image: ${missing.join('; ')}`
      : `no worker has every render image: ${missing.join('; ')} (fix: run \`npm run prepare-image\` where the workers' engine runs)`;
  }
  if (equipped.every((status) => status.paused)) {
    const starting = equipped.map((status) => `worker ${status.workerId}`);
    return `no worker takes jobs yet: ${starting.join(', ')} still starting (fix: wait a few seconds; if it lasts, read the workers' logs)`;
  }
  return undefined;
}

/** What a worker's status says about a missing image: pulling, failed to pull, or just missing. */
function imageProblem(image: RenderImageStatus): string {
  const what = `image ${image.name} (Manim ${image.manimVersion})`;
  if (image.pulling) {
    return `${what} is missing and being pulled; jobs wait in the queue`;
  }
  if (image.error) {
    const retry = image.retryAt ? `, trying again at ${image.retryAt}` : '';
    return (
      `${what} is missing and pulling it failed: ${image.error}${retry}` +
      (image.hint ? ` (fix: ${image.hint})` : '')
    );
  }
  return `${what} is missing`;
}
