import { accessSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { AppError } from '../../errors/app-error';
import { diagnoseEngineAccess, type DockerEndpoint } from './socket-diagnosis';
import { currentProcessIdentity, readSocketFacts } from './socket-facts';
import { delay } from '../../timing/timing';

export type DockerClient = Docker;

/** A client for the engine named by DOCKER_HOST, or the default local socket. */
export function createDockerClient(): DockerClient {
  return new Docker();
}

/** Where the client connects, for messages: the socket path or host:port. */
export function describeDockerEndpoint(docker: DockerClient): string {
  const endpoint = dockerEndpoint(docker);
  if (endpoint.kind === 'unix') return endpoint.path;
  if (endpoint.kind === 'tcp') return `${endpoint.host}:${endpoint.port}`;
  return endpoint.description;
}

/** The client's endpoint as docker-modem resolved DOCKER_HOST. */
export function dockerEndpoint(docker: DockerClient): DockerEndpoint {
  const modem = docker.modem as {
    socketPath?: unknown;
    host?: unknown;
    port?: unknown;
    protocol?: unknown;
  };
  if (typeof modem.socketPath === 'string') return { kind: 'unix', path: modem.socketPath };
  // Without DOCKER_HOST docker-modem picks the socket lazily, with this rule.
  if (typeof modem.socketPath === 'function') return { kind: 'unix', path: defaultSocketPath() };
  if (typeof modem.host === 'string') {
    if (modem.protocol === 'ssh') return { kind: 'other', description: `ssh://${modem.host}` };
    return {
      kind: 'tcp',
      host: modem.host,
      port: String(modem.port ?? ''),
      tls: modem.protocol === 'https',
    };
  }
  return { kind: 'other', description: 'the default Docker endpoint' };
}

/** docker-modem's default: Docker Desktop's per-user socket when usable, else the system one. */
export function defaultSocketPath(): string {
  const userSocket = path.join(homedir(), '.docker', 'run', 'docker.sock');
  try {
    accessSync(userSocket);
    return userSocket;
  } catch {
    return '/var/run/docker.sock';
  }
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

/**
 * docker_unavailable for a failed connection. For a unix socket the socket is looked at (stat,
 * owner, mode, this process's uid and groups) so the message names the exact cause and the hint
 * the exact fix (socket-diagnosis.ts); otherwise a generic reason.
 */
export function engineUnavailableError(docker: DockerClient, error: unknown): AppError {
  const endpoint = describeDockerEndpoint(docker);
  const code = (error as { code?: unknown } | undefined)?.code;
  const diagnosed = diagnoseConnectionError(docker, error);
  if (diagnosed) {
    return new AppError('docker_unavailable', `Docker Engine unavailable: ${diagnosed.message}`, {
      hint: diagnosed.hint,
      details: { endpoint, errorCode: code, problem: diagnosed.problem },
      cause: error,
    });
  }
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

function diagnoseConnectionError(docker: DockerClient, error: unknown) {
  const failure = error as { code?: unknown; message?: unknown } | undefined;
  const code = typeof failure?.code === 'string' ? failure.code : undefined;
  const endpoint = dockerEndpoint(docker);
  // Over TCP a TLS mismatch comes as an HTTP answer without a code.
  if (code === undefined && endpoint.kind !== 'tcp') return undefined;
  try {
    return diagnoseEngineAccess({
      endpoint,
      ...(endpoint.kind === 'unix' ? { socket: readSocketFacts(endpoint.path) } : {}),
      process: currentProcessIdentity(),
      dockerHost: process.env.DOCKER_HOST,
      error: { code, message: typeof failure?.message === 'string' ? failure.message : undefined },
    });
  } catch {
    return undefined;
  }
}

/** Longest one /_ping of `waitForEngine` may take: an engine that accepts and never answers. */
const WAIT_PING_TIMEOUT_MS = 5_000;

/**
 * Resolves when the engine answers /_ping, asking again with backoff (0.2 s doubling to 2 s);
 * throws docker_unavailable, with the last reason, at the deadline. Each ping has a deadline of
 * its own, so an engine that never answers cannot hold this past `timeoutMs`.
 */
export async function waitForEngine(docker: DockerClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delayMs = 200;
  for (;;) {
    const remainingMs = Math.max(1, deadline - Date.now());
    try {
      await pingEngine(docker, Math.min(remainingMs, WAIT_PING_TIMEOUT_MS));
      return;
    } catch (error) {
      if (Date.now() + delayMs > deadline) throw error;
      await delay(delayMs);
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
