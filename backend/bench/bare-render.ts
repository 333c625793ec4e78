import { stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type Docker from 'dockerode';
import { parseRenderRequest } from '../src/api/render-request';
import type { Config } from '../src/config/config-schema';
import type { DockerClient } from '../src/render-engine/docker-client/docker-client';
import type { RenderOptions } from '../src/job/render-job';
import {
  buildManimArgs,
  manimConfigFile,
  RENDER_CONTAINER_PATHS,
  RENDER_ENVIRONMENT,
} from '../src/manim/manim-command';
import { findRenderOutput } from '../src/manim/output-discovery';
import { createJobWorkspace, type FileOwner } from '../src/job-folders/job-workspace';
import { BENCH_RUN_LABEL } from './bench-containers';
import { requestBody, type BenchScene } from './scenes';
import { TIMED_OUT, withinDeadline } from '../src/timing/timing';

export interface BareRunTiming {
  /** createContainer through removal: what `docker run --rm` costs for this render. */
  totalMs: number;
  createMs: number;
  /** start() until the container has exited. */
  runMs: number;
  removeMs: number;
  outputBytes: number;
}

export interface BareRunner {
  run(scene: BenchScene, code: string, tag: string): Promise<BareRunTiming>;
}

const BARE_RUN_LIMIT_MS = 600_000;

/**
 * The floor: the render image runs the scene as a plain `docker run --rm -v <job>:/job -w /job
 * -u <user> -e … <image> manim …` would, with the service's argv, environment, manim.cfg and
 * mount layout, and none of its limits, sandbox options or output capture.
 */
export function createBareRunner(deps: {
  docker: DockerClient;
  image: string;
  config: Config;
  renderUser: FileOwner;
  tempDir: string;
  runId: string;
}): BareRunner {
  return {
    async run(scene, code, tag) {
      const { options } = parseRenderRequest({ fields: requestBody(scene, code) }, deps.config);
      const workspace = await createJobWorkspace({
        tempDir: deps.tempDir,
        jobId: `bare-${tag}`,
        files: {
          [RENDER_CONTAINER_PATHS.sceneFileName]: code,
          [RENDER_CONTAINER_PATHS.configFileName]: manimConfigFile(),
        },
        dirs: [RENDER_CONTAINER_PATHS.mediaDirName, RENDER_CONTAINER_PATHS.homeDirName],
        renderUser: deps.renderUser,
      });
      try {
        const timing = await runOnce(deps, workspace.dir, options);
        const files = await workspace.listFiles(RENDER_CONTAINER_PATHS.mediaDirName);
        const output = findRenderOutput(files, options);
        if (!output) {
          throw new Error(`bare run of ${scene.key} wrote no output; files: ${files.join(', ')}`);
        }
        const file = workspace.pathOf(`${RENDER_CONTAINER_PATHS.mediaDirName}/${output.path}`);
        return { ...timing, outputBytes: (await stat(file)).size };
      } finally {
        await workspace.remove();
      }
    },
  };
}

async function runOnce(
  deps: { docker: DockerClient; image: string; renderUser: FileOwner; runId: string },
  jobDir: string,
  options: RenderOptions,
): Promise<Omit<BareRunTiming, 'outputBytes'>> {
  const { docker } = deps;
  const createdAt = performance.now();
  const container = await docker.createContainer({
    Image: deps.image,
    Cmd: buildManimArgs(options),
    WorkingDir: RENDER_CONTAINER_PATHS.workingDir,
    Env: Object.entries(RENDER_ENVIRONMENT).map(([name, value]) => `${name}=${value}`),
    User: `${deps.renderUser.uid}:${deps.renderUser.gid}`,
    Labels: { [BENCH_RUN_LABEL]: deps.runId },
    HostConfig: {
      Mounts: [
        { Type: 'bind', Source: jobDir, Target: RENDER_CONTAINER_PATHS.jobDir, ReadOnly: false },
      ],
    },
  });
  let removed = false;
  try {
    const startedAt = performance.now();
    const exited = container.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
    exited.catch(() => undefined);
    await container.start();
    const status = await withLimit(exited, BARE_RUN_LIMIT_MS, () => container.kill());
    const exitedAt = performance.now();
    if (status.StatusCode !== 0) {
      throw new Error(
        `bare run exited with ${status.StatusCode}:\n${await logTail(container).catch(() => '')}`,
      );
    }
    await container.remove({ v: true });
    removed = true;
    const removedAt = performance.now();
    return {
      totalMs: removedAt - createdAt,
      createMs: startedAt - createdAt,
      runMs: exitedAt - startedAt,
      removeMs: removedAt - exitedAt,
    };
  } finally {
    if (!removed) await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}

async function withLimit<T>(promise: Promise<T>, ms: number, onLimit: () => Promise<unknown>) {
  const outcome = await withinDeadline(promise, ms);
  if (outcome !== TIMED_OUT) return outcome;
  onLimit().catch(() => undefined);
  throw new Error(`bare run took longer than ${ms / 1000} s`);
}

async function logTail(container: Docker.Container): Promise<string> {
  const logs = await container.logs({ stdout: true, stderr: true, tail: 30, follow: false });
  // Without a TTY the log is a series of frames: an 8-byte header (stream, size) and the bytes.
  const parts: Buffer[] = [];
  for (let offset = 0; offset + 8 <= logs.length;) {
    const size = logs.readUInt32BE(offset + 4);
    parts.push(logs.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
