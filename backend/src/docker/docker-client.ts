import Docker from 'dockerode';
import { AppError } from '../errors/app-error';

export type DockerClient = Docker;

/** A client for the engine named by DOCKER_HOST, or the default local socket. */
export function createDockerClient(): DockerClient {
  return new Docker();
}

/** Where the client connects, for messages: the socket path or host:port. */
export function describeDockerEndpoint(docker: DockerClient): string {
  const modem = docker.modem as { socketPath?: unknown; host?: unknown; port?: unknown };
  if (typeof modem.socketPath === 'string') return modem.socketPath;
  if (typeof modem.host === 'string') return `${modem.host}:${String(modem.port ?? '')}`;
  return 'the default Docker endpoint';
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

/** True for errors that mean the engine could not be reached at all. */
export function isEngineUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && CONNECTION_ERROR_CODES.has(code);
}

export function engineUnavailableError(docker: DockerClient, error: unknown): AppError {
  const endpoint = describeDockerEndpoint(docker);
  const code = (error as { code?: unknown } | undefined)?.code;
  const reason =
    code === 'EACCES'
      ? `permission denied on ${endpoint}`
      : code === 'ENOENT'
        ? `${endpoint} does not exist`
        : code === 'ECONNREFUSED'
          ? `nothing listens on ${endpoint}`
          : (error as Error).message;
  const hint =
    code === 'EACCES'
      ? `Run the worker as a member of the socket's group (ls -ln ${endpoint} shows the gid; in Compose: group_add: ['<gid>']).`
      : 'Start the Docker Engine (`npm run setup` does it when run as root) or point DOCKER_HOST at a running one.';
  return new AppError('docker_unavailable', `Docker Engine unavailable: ${reason}`, {
    hint,
    details: { endpoint, errorCode: code },
    cause: error,
  });
}

/** Resolves when the engine answers /_ping, or throws docker_unavailable at the deadline. */
export async function waitForEngine(docker: DockerClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delayMs = 200;
  for (;;) {
    try {
      await docker.ping();
      return;
    } catch (error) {
      if (Date.now() + delayMs > deadline) throw engineUnavailableError(docker, error);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, 2000);
    }
  }
}

/** One /_ping with a deadline; throws docker_unavailable (with the fix) when it gets no answer. */
export async function pingEngine(docker: DockerClient, timeoutMs: number): Promise<void> {
  try {
    // dockerode takes the abort signal, its types do not know it.
    const ping = docker.ping.bind(docker) as (options: {
      abortSignal: AbortSignal;
    }) => Promise<unknown>;
    await ping({ abortSignal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const name = (error as { name?: unknown } | undefined)?.name;
    if (name === 'AbortError' || name === 'TimeoutError') {
      throw engineUnavailableError(
        docker,
        new Error(`${describeDockerEndpoint(docker)} did not answer within ${timeoutMs} ms`),
      );
    }
    throw engineUnavailableError(docker, error);
  }
}
