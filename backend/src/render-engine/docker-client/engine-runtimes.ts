import { AppError } from '../../errors/app-error';
import { RUNTIME_MISSING } from '../render-engine';
import { describeDockerEndpoint, type DockerClient } from './docker-client';

/** The daemon.json entry that registers gVisor as `runsc`, as `npm run setup -- --gvisor` writes it. */
export const RUNSC_DAEMON_ENTRY =
  '"runtimes": {"runsc": {"path": "/usr/bin/runsc", "runtimeArgs": ["--network=none"]}}';

/** The runtimes the engine can start containers with (`docker info`'s Runtimes). */
export async function engineRuntimes(docker: DockerClient): Promise<string[]> {
  return runtimesOf(await docker.info());
}

/** The runtime names in a `docker info` answer, sorted. */
export function runtimesOf(info: unknown): string[] {
  const runtimes = (info as { Runtimes?: Record<string, unknown> } | undefined)?.Runtimes;
  return Object.keys(runtimes ?? {}).sort();
}

/**
 * Throws runtime_missing, with the lines to add and the reload, unless the engine has `runtime`;
 * an empty name is the engine's default, which it always has.
 */
export async function ensureRuntime(docker: DockerClient, runtime: string): Promise<void> {
  if (runtime === '') return;
  const available = await engineRuntimes(docker);
  if (!available.includes(runtime)) throw runtimeMissingError(docker, runtime, available);
}

/** How to give the engine a runtime it lacks: the daemon.json lines and the reload. */
export function runtimeMissingHint(runtime: string): string {
  const reload =
    'then reload the engine: sudo systemctl reload docker, or sudo kill -HUP $(pidof dockerd)';
  return runtime === 'runsc'
    ? `Install gVisor on the engine's host (Debian: sudo apt-get install runsc), add ${RUNSC_DAEMON_ENTRY} to /etc/docker/daemon.json (merged with what is there), ${reload}. \`npm run setup -- --gvisor\` does all of it when run as root. Or unset RENDER_RUNTIME.`
    : `Add the runtime to "runtimes" in /etc/docker/daemon.json on the engine's host, ${reload}. Or unset RENDER_RUNTIME.`;
}

export function runtimeMissingError(
  docker: DockerClient,
  runtime: string,
  available: string[] | undefined,
): AppError {
  const endpoint = describeDockerEndpoint(docker);
  const has = available === undefined ? '' : ` (it has ${available.join(', ') || 'none'})`;
  return new AppError(
    'runtime_missing',
    `The Docker Engine at ${endpoint} has no container runtime "${runtime}" (RENDER_RUNTIME)${has}`,
    {
      hint: runtimeMissingHint(runtime),
      details: { runtime, endpoint, available, problem: RUNTIME_MISSING },
    },
  );
}
