import type { DockerClient } from '../../../src/render-engine/docker-client/docker-client';
import { waitForEngine } from '../../../src/render-engine/docker-client/docker-client';
import { readEngineFacts } from '../../../src/render-engine/docker-client/engine-facts';
import { AppError } from '../../../src/errors/app-error';

/** A client whose `/_ping` answers as `answer` says, on a socket that does not exist. */
function fakeEngine(answer: (attempt: number, signal: AbortSignal) => Promise<unknown>) {
  let attempts = 0;
  const client = {
    modem: { socketPath: '/nonexistent/docker.sock' },
    ping: (options: { abortSignal: AbortSignal }) => {
      attempts += 1;
      return answer(attempts, options.abortSignal);
    },
  };
  return { docker: client as unknown as DockerClient, attempts: () => attempts };
}

const refused = () =>
  Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));

/** A ping that never gets an answer: it ends only when its deadline aborts it. */
const silent = (_attempt: number, signal: AbortSignal) =>
  new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () =>
      reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
    );
  });

describe('waiting for the Docker Engine', () => {
  it('pings again with backoff until the engine answers', async () => {
    const engine = fakeEngine((attempt) => (attempt < 3 ? refused() : Promise.resolve('OK')));

    await waitForEngine(engine.docker, 30_000);

    expect(engine.attempts()).toBe(3);
  });

  it('gives up at the deadline with docker_unavailable and the reason', async () => {
    const engine = fakeEngine(refused);

    const failure = await waitForEngine(engine.docker, 500).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(AppError);
    expect((failure as AppError).code).toBe('docker_unavailable');
    expect(engine.attempts()).toBeGreaterThan(1);
  });

  it('is not held past its deadline by an engine that accepts and never answers', async () => {
    const engine = fakeEngine(silent);

    const failure = await waitForEngine(engine.docker, 300).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect((failure as AppError).code).toBe('docker_unavailable');
    expect((failure as AppError).message).toContain('did not answer within');
  });
});

describe('the engine facts', () => {
  it('come from one /version and one /info', async () => {
    const version = jest.fn(() =>
      Promise.resolve({ Version: '20.10.24', ApiVersion: '1.41', Os: 'linux', Arch: 'amd64' }),
    );
    const info = jest.fn(() =>
      Promise.resolve({
        OperatingSystem: 'Debian GNU/Linux 12 (bookworm)',
        SecurityOptions: ['name=seccomp,profile=default', 'name=userns'],
        ID: 'engine-1',
        NCPU: 8,
      }),
    );
    const docker = { version, info } as unknown as DockerClient;

    await expect(readEngineFacts(docker)).resolves.toEqual({
      serverVersion: '20.10.24',
      apiVersion: '1.41',
      os: 'linux',
      arch: 'amd64',
      operatingSystem: 'Debian GNU/Linux 12 (bookworm)',
      securityOptions: ['name=seccomp,profile=default', 'name=userns'],
      security: { userNamespaces: true, selinux: false, rootless: false },
      id: 'engine-1',
      cpus: 8,
    });
    expect(version).toHaveBeenCalledTimes(1);
    expect(info).toHaveBeenCalledTimes(1);
  });
});
