import { readinessVerdict, type ReadinessProbes } from '../../../src/api/readiness';
import type { WorkerStatus } from '../../../src/worker-upkeep/worker-status';

const MB = 1024 * 1024;

function worker(id: string, change: Partial<WorkerStatus> = {}): WorkerStatus {
  return {
    workerId: id,
    hostname: 'vm',
    pid: 42,
    startedAt: '2026-01-01T00:00:00.000Z',
    engine: { ok: true },
    images: [{ manimVersion: '0.22.0', name: 'manim-render:test', present: true }],
    paused: false,
    ...change,
  };
}

const unreachable = (id: string) =>
  worker(id, {
    engine: {
      ok: false,
      error: 'Docker Engine unavailable: permission denied on /var/run/docker.sock',
      hint: "Run the worker as a member of the socket's group.",
    },
    paused: true,
  });

function probes(change: Partial<ReadinessProbes> = {}): ReadinessProbes {
  return {
    redis: { ok: true },
    storage: { ok: true, backend: 'local', location: '/srv/outputs' },
    disk: { freeBytes: 5000 * MB },
    minFreeMb: 1024,
    queueName: 'renders',
    workers: { statuses: [worker('vm-1')] },
    ...change,
  };
}

describe('the readiness verdict', () => {
  it('is ready when Redis answers, the disk has room and a worker can render', () => {
    const verdict = readinessVerdict(probes());
    expect(verdict.status).toBe('ready');
    expect(verdict.problems).toEqual([]);
    expect(verdict.checks).toEqual({
      redis: { ok: true },
      storage: { ok: true, backend: 'local', location: '/srv/outputs' },
      disk: { ok: true, freeMb: 5000, minFreeMb: 1024 },
      workers: { ok: true, count: 1, workers: [worker('vm-1')] },
    });
  });

  it('is ready when one worker of several can render', () => {
    const verdict = readinessVerdict(
      probes({ workers: { statuses: [unreachable('vm-1'), worker('vm-2')] } }),
    );
    expect(verdict.status).toBe('ready');
    expect(verdict.checks.workers.count).toBe(2);
  });

  it('names each worker, its engine problem and the fix when no worker reaches its engine', () => {
    const verdict = readinessVerdict(
      probes({ workers: { statuses: [unreachable('vm-1'), unreachable('vm-2')] } }),
    );
    expect(verdict.status).toBe('not_ready');
    expect(verdict.checks.workers.ok).toBe(false);
    expect(verdict.problems).toEqual([
      'no worker reports a reachable Docker Engine: ' +
        "worker vm-1: Docker Engine unavailable: permission denied on /var/run/docker.sock (fix: Run the worker as a member of the socket's group.); " +
        "worker vm-2: Docker Engine unavailable: permission denied on /var/run/docker.sock (fix: Run the worker as a member of the socket's group.)",
    ]);
  });

  it('says no worker runs when none has announced itself', () => {
    const verdict = readinessVerdict(probes({ workers: { statuses: [] } }));
    expect(verdict.status).toBe('not_ready');
    expect(verdict.problems).toEqual([
      expect.stringContaining('no worker is running for queue renders'),
    ]);
  });

  it('names the missing render image when the workers reach their engine without it', () => {
    const verdict = readinessVerdict(
      probes({
        workers: {
          statuses: [
            worker('vm-1', {
              images: [{ manimVersion: '0.22.0', name: 'manim-render:test', present: false }],
            }),
          ],
        },
      }),
    );
    expect(verdict.status).toBe('not_ready');
    expect(verdict.problems).toEqual([
      expect.stringContaining('worker vm-1: image manim-render:test (Manim 0.22.0) is missing'),
    ]);
    expect(verdict.problems[0]).toContain('npm run prepare-image');
  });

  it('says a worker pulls its missing render image while jobs wait', () => {
    const image = {
      manimVersion: '0.22.0',
      name: 'registry.example/render:1',
      present: false,
      pulling: true,
    };
    const verdict = readinessVerdict(
      probes({ workers: { statuses: [worker('vm-1', { images: [image], paused: true })] } }),
    );
    expect(verdict.status).toBe('not_ready');
    expect(verdict.problems).toEqual([
      'no worker has every render image: worker vm-1: image registry.example/render:1 (Manim 0.22.0) is missing and being pulled; jobs wait in the queue',
    ]);
  });

  it('names why the pull of the render image failed, the fix and the next try', () => {
    const image = {
      manimVersion: '0.22.0',
      name: 'registry.example/render:1',
      present: false,
      error: 'Pulling registry.example/render:1 from registry.example failed: manifest unknown',
      hint: 'Check the image name and tag.',
      retryAt: '2026-01-01T00:05:00.000Z',
    };
    const verdict = readinessVerdict(
      probes({ workers: { statuses: [worker('vm-1', { images: [image], paused: true })] } }),
    );
    expect(verdict.problems).toEqual([
      'no worker has every render image: worker vm-1: image registry.example/render:1 (Manim 0.22.0) is missing and pulling it failed: Pulling registry.example/render:1 from registry.example failed: manifest unknown, trying again at 2026-01-01T00:05:00.000Z (fix: Check the image name and tag.)',
    ]);
  });

  it('is not ready while the only able worker is still starting and takes no jobs', () => {
    const verdict = readinessVerdict(
      probes({ workers: { statuses: [worker('vm-1', { paused: true })] } }),
    );
    expect(verdict.status).toBe('not_ready');
    expect(verdict.problems).toEqual([
      expect.stringContaining('no worker takes jobs yet: worker vm-1 still starting'),
    ]);
  });

  it('has no disk check when videos go to an object store', () => {
    const storage = { ok: true, backend: 's3', location: 'http://store:8333 (bucket v)' } as const;
    const { disk: _ignored, ...withoutDisk } = probes({ storage });
    const verdict = readinessVerdict(withoutDisk);
    expect(verdict.status).toBe('ready');
    expect(verdict.checks).not.toHaveProperty('disk');
    expect(verdict.checks.storage).toEqual(storage);
  });

  it('is not ready when the object store cannot be written, and names it and the fix', () => {
    const verdict = readinessVerdict(
      probes({
        storage: {
          ok: false,
          backend: 's3',
          location: 'http://store:8333 (bucket v)',
          error: 'the output store at http://store:8333 (bucket v) cannot be used: ECONNREFUSED',
        },
      }),
    );
    expect(verdict.status).toBe('not_ready');
    expect(verdict.checks.storage.ok).toBe(false);
    expect(verdict.problems).toEqual([
      expect.stringMatching(/^the object store cannot be used: .*ECONNREFUSED.*\(fix: .*S3_\*/),
    ]);
  });

  it('is not ready when the disk has less room than MIN_FREE_DISK_MB', () => {
    const verdict = readinessVerdict(probes({ disk: { freeBytes: 100 * MB } }));
    expect(verdict.status).toBe('not_ready');
    expect(verdict.checks.disk).toEqual({ ok: false, freeMb: 100, minFreeMb: 1024 });
    expect(verdict.problems).toEqual([expect.stringContaining('only 100 MiB are free')]);
  });

  it('ignores the disk when MIN_FREE_DISK_MB is 0', () => {
    const verdict = readinessVerdict(probes({ disk: { freeBytes: 0 }, minFreeMb: 0 }));
    expect(verdict.checks.disk?.ok).toBe(true);
  });

  it('names every failing part at once', () => {
    const verdict = readinessVerdict(
      probes({
        redis: { ok: false, error: 'connect ECONNREFUSED 127.0.0.1:6379' },
        disk: { error: 'EACCES: permission denied, mkdir /outputs' },
        workers: { error: 'Connection is closed.' },
      }),
    );
    expect(verdict.status).toBe('not_ready');
    expect(verdict.checks.redis).toEqual({
      ok: false,
      error: 'connect ECONNREFUSED 127.0.0.1:6379',
    });
    expect(verdict.problems).toEqual([
      expect.stringContaining('Redis does not answer: connect ECONNREFUSED 127.0.0.1:6379'),
      expect.stringContaining("the outputs' disk cannot be checked: EACCES"),
      expect.stringContaining("the workers' statuses cannot be read: Connection is closed."),
    ]);
  });
});
