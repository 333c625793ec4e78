import {
  createDaemonPathTranslator,
  withDaemonEndpoint,
} from '../../../src/job-folders/daemon-paths/daemon-path-translator';
import type { OwnContainer } from '../../../src/job-folders/daemon-paths/own-container/find-own-container';
import type { InspectMount } from '../../../src/job-folders/daemon-paths/mount-table';
import { AppError } from '../../../src/errors/app-error';

const WORKER_ID = 'a'.repeat(64);

function inContainer(mounts: InspectMount[]): OwnContainer {
  return {
    mode: 'container',
    container: { Id: WORKER_ID, Name: '/manim-worker', Mounts: mounts },
    candidate: { value: WORKER_ID, kind: 'id', source: 'mountinfo', evidence: 'test' },
    reason: 'container /manim-worker (aaaaaaaaaaaa) is this container (from mountinfo)',
    warnings: [],
  };
}

function thrownBy(action: () => unknown): AppError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected an AppError');
}

const bind = (source: string, destination: string, rw = true): InspectMount => ({
  Type: 'bind',
  Source: source,
  Destination: destination,
  RW: rw,
});

describe('createDaemonPathTranslator', () => {
  it('passes paths through unchanged on the host', () => {
    const translator = createDaemonPathTranslator({
      own: { mode: 'host', reason: 'no sign of a container' },
      apiVersion: '1.41',
      hostPathMap: [],
    });
    expect(translator.mode).toBe('host');
    expect(translator.translate('/srv/temp/job-1')).toBe('/srv/temp/job-1');
  });

  describe('in a container the daemon knows', () => {
    const own = inContainer([
      bind('/var/run/docker.sock', '/var/run/docker.sock'),
      bind('/srv/manim/temp', '/app/temp'),
      bind('/srv/manim/outputs', '/app/outputs'),
      bind('/srv/readonly', '/app/readonly', false),
      {
        Type: 'volume',
        Name: 'manim-data',
        Source: '/var/lib/docker/volumes/manim-data/_data',
        Destination: '/data',
        Driver: 'local',
        RW: true,
      },
    ]);

    it('maps a job folder on a bind mount to the host path behind it', () => {
      const translator = createDaemonPathTranslator({ own, apiVersion: '1.41', hostPathMap: [] });
      expect(translator.translate('/app/temp/job-1')).toBe('/srv/manim/temp/job-1');
      expect(translator.mounts).toContain('/app/temp (bind from /srv/manim/temp, rw)');
    });

    it('binds a folder inside a named volume through its Mountpoint, on old and new engines', () => {
      for (const apiVersion of ['1.41', '1.45']) {
        const translator = createDaemonPathTranslator({ own, apiVersion, hostPathMap: [] });
        expect(translator.translate('/data/temp/job-1')).toBe(
          '/var/lib/docker/volumes/manim-data/_data/temp/job-1',
        );
      }
    });

    it('fails with worker_path_not_shared naming the path, the mounts and the fix', () => {
      const translator = createDaemonPathTranslator({ own, apiVersion: '1.41', hostPathMap: [] });
      const error = thrownBy(() => translator.translate('/tmp/temp/job-1'));
      expect(error.code).toBe('worker_path_not_shared');
      expect(error.message).toContain('/tmp/temp/job-1');
      expect(error.message).toContain('/app/temp (bind from /srv/manim/temp, rw)');
      expect(error.hint).toContain('HOST_PATH_MAP');
      expect(error.details).toMatchObject({
        workerPath: '/tmp/temp/job-1',
        translation: 'NO_MOUNT_COVERS',
        container: WORKER_ID.slice(0, 12),
      });
    });

    it('fails with worker_mount_read_only for a job folder on a read-only mount', () => {
      const translator = createDaemonPathTranslator({ own, apiVersion: '1.41', hostPathMap: [] });
      expect(thrownBy(() => translator.translate('/app/readonly/job-1')).code).toBe(
        'worker_mount_read_only',
      );
    });

    it('uses HOST_PATH_MAP for folders no mount covers', () => {
      const translator = createDaemonPathTranslator({
        own,
        apiVersion: '1.41',
        hostPathMap: [{ container: '/tmp/temp', host: '/srv/elsewhere' }],
      });
      expect(translator.translate('/tmp/temp/job-1')).toBe('/srv/elsewhere/job-1');
    });

    it('refuses the volume root itself, which has no host directory to bind by name', () => {
      const translator = createDaemonPathTranslator({
        own: inContainer([{ Type: 'volume', Name: 'v1', Destination: '/data', RW: true }]),
        apiVersion: '1.45',
        hostPathMap: [],
      });
      expect(thrownBy(() => translator.translate('/data')).code).toBe('worker_path_not_shared');
    });
  });

  describe('in a container that cannot be identified', () => {
    const own: OwnContainer = { mode: 'unknown', reason: 'no container id to look up' };

    it('fails with worker_container_unknown naming the path and what was read', () => {
      const translator = createDaemonPathTranslator({ own, apiVersion: '1.41', hostPathMap: [] });
      const error = thrownBy(() => translator.translate('/app/temp/job-1'));
      expect(error.code).toBe('worker_container_unknown');
      expect(error.status).toBe(503);
      expect(error.message).toContain('/app/temp/job-1');
      expect(error.message).toContain('no container id to look up');
      expect(error.hint).toContain('WORKER_CONTAINER');
      expect(error.details).toEqual({ mode: 'unknown', workerPath: '/app/temp/job-1' });
    });

    it('uses HOST_PATH_MAP when it covers the path', () => {
      const translator = createDaemonPathTranslator({
        own: { mode: 'foreign-daemon', reason: 'all 404' },
        apiVersion: '1.41',
        hostPathMap: [{ container: '/app/temp', host: '/srv/manim/temp' }],
      });
      expect(translator.translate('/app/temp/job-1')).toBe('/srv/manim/temp/job-1');
      expect(thrownBy(() => translator.translate('/app/outputs/x')).code).toBe(
        'worker_container_unknown',
      );
    });

    it('passes paths unchanged below a directory a probe showed the daemon shares', () => {
      const translator = createDaemonPathTranslator({
        own,
        apiVersion: '1.41',
        hostPathMap: [],
        sharedDirs: ['/work/temp/'],
      });
      expect(translator.translate('/work/temp/job-1')).toBe('/work/temp/job-1');
      expect(translator.summary).toContain('/work/temp');
      expect(thrownBy(() => translator.translate('/work/temp2/job-1')).code).toBe(
        'worker_container_unknown',
      );
    });
  });
});

describe('withDaemonEndpoint', () => {
  const onHost: OwnContainer = { mode: 'host', reason: 'no sign of a container' };

  it('keeps a worker on the host with a local socket as it is', () => {
    expect(withDaemonEndpoint(onHost, { kind: 'unix', path: '/var/run/docker.sock' })).toBe(onHost);
    expect(
      withDaemonEndpoint(onHost, { kind: 'other', description: 'the default Docker endpoint' }),
    ).toBe(onHost);
  });

  it("treats a daemon over TCP or SSH as one that may not see the worker's paths", () => {
    const overTcp = withDaemonEndpoint(onHost, {
      kind: 'tcp',
      host: '10.0.0.5',
      port: '2376',
      tls: true,
    });
    expect(overTcp).toEqual({
      mode: 'foreign-daemon',
      reason: expect.stringContaining('https://10.0.0.5:2376 may run on another machine'),
    });
    expect(overTcp.reason).toContain('no sign of a container');
    expect(
      withDaemonEndpoint(onHost, { kind: 'other', description: 'ssh://builder@render-box' }),
    ).toMatchObject({ mode: 'foreign-daemon', reason: expect.stringContaining('ssh://builder@') });
  });

  it('leaves a worker in a container to its own detection', () => {
    const own = inContainer([]);
    const endpoint = { kind: 'tcp', host: 'dind', port: '2375', tls: false } as const;
    expect(withDaemonEndpoint(own, endpoint)).toBe(own);
  });

  it('then passes no path through unless HOST_PATH_MAP or a probe says so', () => {
    const own = withDaemonEndpoint(onHost, { kind: 'tcp', host: 'dind', port: '2375', tls: false });
    const translator = createDaemonPathTranslator({ own, apiVersion: '1.41', hostPathMap: [] });
    expect(thrownBy(() => translator.translate('/srv/manim/temp/job-1')).hint).toContain(
      'JOB_FILE_TRANSFER',
    );
  });
});
