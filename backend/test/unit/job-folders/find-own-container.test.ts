import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  findOwnContainer,
  ownContainerError,
  type OwnContainerDeps,
} from '../../../src/job-folders/daemon-paths/own-container/find-own-container';
import type { InspectLike } from '../../../src/job-folders/daemon-paths/own-container/verify-own-container';

const FIXTURES = join(__dirname, '../../fixtures/proc');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const REAL_ID = '8022c56ec3b1925d38937fc5a00da5dce1c3df097b02030cc07ff532f4c9e20a';
const WORKER = '87eba76e7f3164534045ba922e7770fb58bbd14ad732bbf5ba6f11cc56989e6e';
const INNER = '33bf6fbd7cd8379785a21e233d8e09f824e7bab459168a96312c1c882c1d7e1f';
const REAL_INSPECT = (
  JSON.parse(fixture('real-docker-bind-volume.inspect.json')) as InspectLike[]
)[0] as InspectLike;

/** Fake proc files and a fake daemon holding the given containers (looked up by id prefix or name). */
function fakeDeps(options: {
  files: Record<string, string>;
  containers?: InspectLike[];
  hostname: string;
  inspectError?: Error;
}): OwnContainerDeps & { lookups: string[] } {
  const lookups: string[] = [];
  return {
    lookups,
    hostname: options.hostname,
    readFile: (path) => Promise.resolve(options.files[path]),
    inspect: (idOrName) => {
      lookups.push(idOrName);
      if (options.inspectError !== undefined) return Promise.reject(options.inspectError);
      const found = (options.containers ?? []).find(
        (container) => container.Id.startsWith(idOrName) || container.Name === `/${idOrName}`,
      );
      return Promise.resolve(found);
    },
  };
}

const realFiles = {
  '/proc/self/mountinfo': fixture('real-docker-bind-volume.mountinfo'),
  '/proc/self/cgroup': fixture('real-docker-bind-volume.cgroup'),
  '/.dockerenv': '',
};

describe('findOwnContainer', () => {
  it('finds the recorded Docker 20.10 container from its real /proc files and inspect', async () => {
    const deps = fakeDeps({
      files: realFiles,
      containers: [REAL_INSPECT],
      hostname: '8022c56ec3b1',
    });
    const result = await findOwnContainer(deps);
    expect(result.mode).toBe('container');
    if (result.mode !== 'container') return;
    expect(result.container.Id).toBe(REAL_ID);
    expect(result.candidate).toMatchObject({ source: 'mountinfo', value: REAL_ID });
    expect(result.warnings).toEqual([]);
    expect(deps.lookups).toEqual([REAL_ID]);
  });

  it('reports host mode, naming the files it read, when there is no sign of a container', async () => {
    const deps = fakeDeps({
      files: {
        '/proc/self/mountinfo': fixture('mountinfo-host.mountinfo'),
        '/proc/self/cgroup': fixture('cgroup-host-v2.cgroup'),
        '/proc/1/cpuset': '/\n',
      },
      hostname: 'laptop',
    });
    const result = await findOwnContainer(deps);
    expect(result.mode).toBe('host');
    expect(result).toMatchObject({
      reason: expect.stringContaining('/.dockerenv absent') as unknown,
    });
    expect(result).toMatchObject({
      reason: expect.stringContaining(
        '/proc/self/mountinfo (6 mounts, no /etc/hostname mount)',
      ) as unknown,
    });
    expect(deps.lookups).toEqual([]);
  });

  it('reports host mode when /proc cannot be read at all and no marker exists (e.g. macOS)', async () => {
    const result = await findOwnContainer(fakeDeps({ files: {}, hostname: 'mac' }));
    expect(result.mode).toBe('host');
    expect(result).toMatchObject({
      reason: expect.stringContaining('/proc/self/mountinfo missing or unreadable') as unknown,
    });
  });

  it('uses an explicit WORKER_CONTAINER name even when /proc cannot be read', async () => {
    const deps = fakeDeps({
      files: {},
      containers: [REAL_INSPECT],
      hostname: '8022c56ec3b1',
    });
    const result = await findOwnContainer(deps, { setting: 'suspicious_keller' });
    expect(result.mode).toBe('container');
    if (result.mode !== 'container') return;
    expect(result.candidate.source).toBe('setting');
    expect(result.warnings).toEqual([
      'mounts not cross-checked: /proc/self/mountinfo could not be read',
    ]);
  });

  it('falls back to the 12-hex hostname when only /.dockerenv shows a container', async () => {
    const deps = fakeDeps({
      files: { '/.dockerenv': '' },
      containers: [REAL_INSPECT],
      hostname: '8022c56ec3b1',
    });
    const result = await findOwnContainer(deps);
    expect(result).toMatchObject({ mode: 'container', candidate: { kind: 'id-prefix' } });
  });

  it('moves on to the next candidate when the first is not found (404)', async () => {
    const inner = { ...REAL_INSPECT, Id: INNER, Name: '/inner', Config: { Hostname: 'worker-1' } };
    const deps = fakeDeps({
      files: {
        '/proc/self/mountinfo': fixture('real-docker-bind-volume.mountinfo'),
        '/proc/self/cgroup': `0::/docker/${INNER}\n`,
      },
      containers: [inner],
      hostname: 'worker-1',
    });
    const result = await findOwnContainer(deps);
    expect(deps.lookups).toEqual([REAL_ID, INNER]);
    expect(result).toMatchObject({ mode: 'container', container: { Id: INNER } });
  });

  it('reports foreign-daemon when every id found in /proc is unknown to the daemon', async () => {
    const deps = fakeDeps({ files: realFiles, containers: [], hostname: '8022c56ec3b1' });
    const result = await findOwnContainer(deps);
    expect(result.mode).toBe('foreign-daemon');
    expect(result).toMatchObject({
      reason: expect.stringContaining(
        `${REAL_ID} (mountinfo): not found on this Docker daemon (404)`,
      ) as unknown,
    });
    expect(result).toMatchObject({
      reason: expect.stringContaining(
        `/etc/hostname from /var/lib/docker/containers/${REAL_ID}/hostname`,
      ) as unknown,
    });
  });

  it('reports unknown, with the rejection, when the only match fails verification', async () => {
    const deps = fakeDeps({ files: realFiles, containers: [REAL_INSPECT], hostname: 'worker-1' });
    const result = await findOwnContainer(deps);
    expect(result.mode).toBe('unknown');
    expect(result).toMatchObject({
      reason: expect.stringContaining(
        'its hostname "8022c56ec3b1" is not ours ("worker-1")',
      ) as unknown,
    });
  });

  it('reports unknown, with the error, when the daemon refuses the lookup (socket proxy 403)', async () => {
    const deps = fakeDeps({
      files: realFiles,
      hostname: '8022c56ec3b1',
      inspectError: new Error('(HTTP code 403) unexpected - Forbidden'),
    });
    const result = await findOwnContainer(deps);
    expect(result.mode).toBe('unknown');
    expect(result).toMatchObject({
      reason: expect.stringContaining(
        'inspect failed: (HTTP code 403) unexpected - Forbidden',
      ) as unknown,
    });
  });

  it('reports unknown when a container marker exists but no id can be found', async () => {
    const deps = fakeDeps({
      files: { '/run/.containerenv': '', '/proc/self/cgroup': '0::/\n' },
      hostname: 'manim-pod',
    });
    const result = await findOwnContainer(deps);
    expect(result).toMatchObject({
      mode: 'unknown',
      reason: expect.stringContaining('tried no container id or name to look up') as unknown,
    });
  });

  it('falls through to detection when WORKER_CONTAINER names no container, and warns about it', async () => {
    const deps = fakeDeps({
      files: realFiles,
      containers: [REAL_INSPECT],
      hostname: '8022c56ec3b1',
    });
    const result = await findOwnContainer(deps, { setting: 'old-worker-name' });
    expect(deps.lookups).toEqual(['old-worker-name', REAL_ID]);
    expect(result).toMatchObject({
      mode: 'container',
      warnings: ['WORKER_CONTAINER=old-worker-name ignored: not found on this Docker daemon (404)'],
    });
  });

  it('prefers the cgroup container id to a Kubernetes sandbox id from mountinfo', async () => {
    const container: InspectLike = {
      Id: WORKER,
      Name: '/k8s_worker',
      Config: { Hostname: 'manim-pod' },
    };
    const deps = fakeDeps({
      files: {
        '/proc/self/mountinfo': fixture('mountinfo-containerd-k8s.mountinfo'),
        '/proc/self/cgroup': fixture('cgroup-containerd-k8s.cgroup'),
      },
      containers: [container],
      hostname: 'manim-pod',
    });
    const result = await findOwnContainer(deps);
    expect(deps.lookups).toEqual([WORKER]);
    expect(result).toMatchObject({ mode: 'container', container: { Id: WORKER } });
  });
});

describe('ownContainerError', () => {
  it('carries the reason and a hint that fits the mode', () => {
    const error = ownContainerError({ mode: 'foreign-daemon', reason: 'all 404' });
    expect(error.message).toBe("The Docker daemon cannot see the worker's files: all 404");
    expect(error.hint).toContain('HOST_PATH_MAP');
    expect(error.hint).toContain('JOB_FILE_TRANSFER');
    expect(ownContainerError({ mode: 'unknown', reason: 'none confirmed' }).message).toBe(
      'Cannot tell which container the worker runs in: none confirmed',
    );
    expect(error.details).toEqual({ mode: 'foreign-daemon' });
    expect(error).toMatchObject({ code: 'worker_container_unknown', status: 503 });
  });
});
