import { runtimesOf } from '../render-engine/docker-client/engine-runtimes';
import { stat, realpath } from 'node:fs/promises';
import { hostname } from 'node:os';
import { deploymentScope } from '../config/redis-settings';
import { ConfigError, loadConfig } from '../config/load-config';
import { withDaemonEndpoint } from '../job-folders/daemon-paths/daemon-path-translator';
import { probeDirectoryThroughContainer } from '../job-folders/daemon-paths/daemon-paths';
import {
  createDockerClient,
  dockerEndpoint,
  pingEngine,
  type DockerClient,
} from '../render-engine/docker-client/docker-client';
import { imageExists } from '../render-engine/docker-client/image-streams';
import {
  createOwnContainerDeps,
  findOwnContainer,
} from '../job-folders/daemon-paths/own-container/find-own-container';
import type { ContainerOwner } from '../render-engine/container-labels';
import { renderImages } from '../render-image/render-image';
import {
  currentProcessIdentity,
  readSocketFacts,
} from '../render-engine/docker-client/socket-facts';
import { AppError } from '../errors/app-error';
import { createOutputStore } from '../outputs/create-output-store';
import { createLogger } from '../logging/logger';
import { pingRedis } from '../redis/redis-connection';
import type { DoctorDeps, DoctorEngine } from './doctor-checks';

const PING_TIMEOUT_MS = 5_000;
const REDIS_TIMEOUT_MS = 3_000;

/** The real world for the doctor: the environment, the file system, the engine and Redis. */
export function createDoctorDeps(env: NodeJS.ProcessEnv = process.env): DoctorDeps {
  let config: DoctorDeps['config'];
  try {
    const loaded = loadConfig(env);
    config = { config: loaded, renderImages: renderImages(loaded) };
  } catch (error) {
    config = {
      error:
        error instanceof AppError
          ? error
          : error instanceof ConfigError
            ? new AppError('config_invalid', error.message, { details: error.details })
            : new AppError('config_invalid', `Invalid configuration: ${(error as Error).message}`),
    };
  }
  let engine: DoctorDeps['engine'];
  try {
    engine = doctorEngine(
      createDockerClient(),
      'error' in config
        ? undefined
        : {
            image: config.renderImages[0]?.name ?? '',
            runtime: config.config.RENDER_RUNTIME,
            // Its probes belong to its deployment, so that a worker sweeps one the doctor
            // left behind (killed while probing).
            owner: {
              queueName: config.config.QUEUE_NAME,
              scope: deploymentScope(config.config),
              workerId: `doctor-${hostname()}-${process.pid}`,
            },
          },
    );
  } catch (error) {
    engine = { error: `DOCKER_HOST=${env.DOCKER_HOST ?? ''}: ${(error as Error).message}` };
  }
  return {
    env: { dockerHost: env.DOCKER_HOST, home: env.HOME, xdgRuntimeDir: env.XDG_RUNTIME_DIR },
    identity: currentProcessIdentity(),
    socketFacts: readSocketFacts,
    config,
    engine,
    async realDirectory(dir) {
      try {
        return (await stat(dir)).isDirectory() ? await realpath(dir) : undefined;
      } catch {
        return undefined;
      }
    },
    redisVersion: (settings) => pingRedis(settings, REDIS_TIMEOUT_MS),
    async checkOutputStore(loaded) {
      const store = createOutputStore(loaded);
      await store.check();
      return { location: store.location };
    },
  };
}

function doctorEngine(
  docker: DockerClient,
  probe: { image: string; runtime: string; owner: ContainerOwner } | undefined,
): DoctorEngine {
  const logger = createLogger({ level: 'error', service: 'doctor', silent: true });
  return {
    endpoint: dockerEndpoint(docker),
    ping: () => pingEngine(docker, PING_TIMEOUT_MS),
    async version() {
      const version = await docker.version();
      return {
        version: version.Version,
        apiVersion: version.ApiVersion,
        os: version.Os,
        arch: version.Arch,
      };
    },
    async info() {
      const info = (await docker.info()) as {
        SecurityOptions?: unknown;
        OperatingSystem?: unknown;
        DefaultRuntime?: unknown;
      };
      return {
        runtimes: runtimesOf(info),
        defaultRuntime: typeof info.DefaultRuntime === 'string' ? info.DefaultRuntime : 'runc',
        securityOptions: Array.isArray(info.SecurityOptions)
          ? info.SecurityOptions.filter((option): option is string => typeof option === 'string')
          : [],
        operatingSystem:
          typeof info.OperatingSystem === 'string' ? info.OperatingSystem : 'unknown',
      };
    },
    imageExists: (image) => imageExists(docker, image),
    // As the worker does: a plain host reaching its daemon over TCP or SSH is not that daemon's host.
    findOwnContainer: async (setting) =>
      withDaemonEndpoint(
        await findOwnContainer(createOwnContainerDeps(docker), { setting }),
        dockerEndpoint(docker),
      ),
    probeDirectory(workerDir, daemonDir, user) {
      if (probe === undefined) throw new Error('no render image configured');
      return probeDirectoryThroughContainer(
        {
          docker,
          logger,
          image: probe.image,
          owner: probe.owner,
          user,
          runtime: probe.runtime,
        },
        workerDir,
        daemonDir,
      );
    },
  };
}
