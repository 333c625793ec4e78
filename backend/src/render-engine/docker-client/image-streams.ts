import type { DockerClient } from './docker-client';

/** One JSON event of a pull or build stream from the Docker API. */
export interface ImageStreamEvent {
  status?: string;
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** A pull or build stream that carried no event for `stallMs`; it was aborted. */
export class ImageStreamStalled extends Error {
  constructor(readonly stallMs: number) {
    super(`no progress for ${stallMs / 1000} s`);
    this.name = 'ImageStreamStalled';
  }
}

/** An `{error}` event inside a stream the engine answered with 200. */
export class ImageStreamFailed extends Error {
  constructor(readonly engineMessage: string) {
    super(engineMessage);
    this.name = 'ImageStreamFailed';
  }
}

/**
 * Follows a pull or build stream to its end. The engine reports failures inside a 200 response,
 * so every event is checked for `error`; a stream that stays silent for `stallTimeoutMs` is
 * aborted.
 */
export function followImageStream(
  docker: DockerClient,
  stream: NodeJS.ReadableStream,
  options: { stallTimeoutMs: number; onEvent?: (event: ImageStreamEvent) => void },
): Promise<ImageStreamEvent[]> {
  return new Promise((resolve, reject) => {
    let failure: Error | undefined;
    let stallTimer: NodeJS.Timeout | undefined;
    const armStallTimer = () => {
      if (stallTimer) clearTimeout(stallTimer);
      stallTimer = setTimeout(() => {
        failure = new ImageStreamStalled(options.stallTimeoutMs);
        (stream as unknown as { destroy?: (error?: Error) => void }).destroy?.(failure);
      }, options.stallTimeoutMs);
    };
    armStallTimer();
    docker.modem.followProgress(
      stream,
      (error: Error | null, events: ImageStreamEvent[]) => {
        if (stallTimer) clearTimeout(stallTimer);
        const streamError = events?.find((event) => event.error !== undefined);
        if (failure) reject(failure);
        else if (error) reject(error);
        else if (streamError)
          reject(
            new ImageStreamFailed(
              streamError.errorDetail?.message ?? streamError.error ?? 'unknown error',
            ),
          );
        else resolve(events ?? []);
      },
      (event: ImageStreamEvent) => {
        armStallTimer();
        options.onEvent?.(event);
      },
    );
  });
}

export async function imageExists(docker: DockerClient, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}

/**
 * Pulls `name` to the end of its stream. The engine answers only once the registry has, so the
 * stall limit covers the wait for the answer too.
 */
export async function pullImage(
  docker: DockerClient,
  name: string,
  options: { stallTimeoutMs: number; onEvent?: (event: ImageStreamEvent) => void },
): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.stallTimeoutMs);
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.pull(name, { abortSignal: controller.signal });
  } catch (error) {
    if (controller.signal.aborted) throw new ImageStreamStalled(options.stallTimeoutMs);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  await followImageStream(docker, stream, options);
}
