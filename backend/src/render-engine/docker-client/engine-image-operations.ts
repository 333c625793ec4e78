import { AppError } from '../../errors/app-error';
import type { Logger } from '../../logging/logger';
import { registryOfImage, type ImageOperations } from '../image-operations';
import { engineUnavailableError, isEngineUnreachable, type DockerClient } from './docker-client';
import { ImageStreamStalled, imageExists, pullImage, type ImageStreamEvent } from './image-streams';
/**
 * The engine's side of the puller: inspect, and a pull followed to the end of its stream. A pull
 * that reports no progress for `stallSeconds` is aborted; an error event inside the engine's 200
 * answer fails it like an HTTP error does. Both become image_missing naming the registry.
 */
export function enginePullOperations(
  docker: DockerClient,
  options: { stallSeconds: number; logger: Logger },
): ImageOperations {
  return {
    async exists(name) {
      try {
        return await imageExists(docker, name);
      } catch (error) {
        if (isEngineUnreachable(error)) throw engineUnavailableError(docker, error);
        throw error;
      }
    },
    async pull(name) {
      const registry = registryOfImage(name);
      const startedAt = Date.now();
      const layers = new Set<string>();
      options.logger.info('pulling image', { image: name, registry });
      try {
        await pullImage(docker, name, {
          stallTimeoutMs: options.stallSeconds * 1000,
          onEvent: (event) => noteLayer(event, layers),
        });
      } catch (error) {
        const failure = pullFailure(docker, name, registry, options.stallSeconds, error);
        options.logger.warn('image pull failed', {
          image: name,
          registry,
          code: failure.code,
          error: failure.message,
        });
        throw failure;
      }
      options.logger.info('image pulled', {
        image: name,
        registry,
        layers: layers.size,
        seconds: Math.round((Date.now() - startedAt) / 100) / 10,
      });
    },
  };
}

function noteLayer(event: ImageStreamEvent, layers: Set<string>): void {
  const id = (event as { id?: unknown }).id;
  if (typeof id === 'string' && event.status === 'Pull complete') layers.add(id);
}

const LOCAL_IMAGE_NOTE =
  'Without RENDER_IMAGE the worker uses the local image, which `npm run prepare-image` builds (it is never pulled).';

function pullFailure(
  docker: DockerClient,
  name: string,
  registry: string,
  stallSeconds: number,
  error: unknown,
): AppError {
  if (error instanceof AppError) return error;
  if (isEngineUnreachable(error)) return engineUnavailableError(docker, error);
  const details = { image: name, registry };
  if (error instanceof ImageStreamStalled) {
    return new AppError(
      'image_missing',
      `Pulling ${name} from ${registry} made no progress for ${stallSeconds} s; the pull was aborted`,
      {
        hint: `Check that ${registry} is reachable from the Docker Engine's host and answers (\`docker pull ${name}\` there shows the same), or raise RENDER_IMAGE_PULL_STALL_SECONDS for a slow registry; the image can also be loaded by hand (docker load). ${LOCAL_IMAGE_NOTE}`,
        details: { ...details, stallSeconds },
        cause: error,
      },
    );
  }
  const engineMessage = engineMessageOf(error);
  return new AppError(
    'image_missing',
    `Pulling ${name} from ${registry} failed: ${engineMessage}`,
    {
      hint: `Check the image name and tag, and that ${registry} is reachable from the Docker Engine's host. This service pulls without credentials: for a private registry, pull it by hand after \`docker login ${registry}\` (or docker load it). ${LOCAL_IMAGE_NOTE}`,
      details: { ...details, engineMessage },
      cause: error,
    },
  );
}

/**
 * The engine's own words. dockerode keeps the JSON body of an HTTP error in `json`, except for
 * streamed answers such as a pull's, where only its message carries it, after a prefix.
 */
function engineMessageOf(error: unknown): string {
  const json = (error as { json?: unknown } | undefined)?.json;
  const message = (json as { message?: unknown } | null | undefined)?.message;
  if (typeof message === 'string' && message.trim() !== '') return message.trim();
  const text = (error as Error).message;
  return /^\(HTTP code \d+\) [^-]*- ([\s\S]*)$/.exec(text)?.[1]?.trim() || text;
}
