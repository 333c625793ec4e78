import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHostPathMap } from '../../../src/config/host-path-map';
import { AppError } from '../../../src/errors/app-error';
import type { InspectLike } from '../../../src/job-folders/daemon-paths/own-container/verify-own-container';
import {
  buildMountTable,
  type InspectMount,
  type MountTable,
} from '../../../src/job-folders/daemon-paths/mount-table';
import {
  apiVersionAtLeast,
  joinHostPath,
  translateWorkerPath,
  translationFailureToAppError,
  type TranslateOptions,
  type TranslationFailure,
  type TranslationResult,
} from '../../../src/job-folders/daemon-paths/translate-path';

const FIXTURES = join(__dirname, '../../fixtures/proc');
const inspectFixture = (name: string): InspectLike =>
  (JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as InspectLike[])[0] as InspectLike;

const ANON = 'b2bca8f9fd5ec9b3c4b92d8a5676fdc692c5d1280be7ed64bde32f2d8e9a25ca';
const OLD_API: TranslateOptions = { apiVersion: '1.41', needsWrite: true };
const NEW_API: TranslateOptions = { apiVersion: '1.45', needsWrite: true };

const bind = (destination: string, source: string, rw = true): InspectMount => ({
  Type: 'bind',
  Source: source,
  Destination: destination,
  RW: rw,
});
const volume = (destination: string, name: string, rw = true): InspectMount => ({
  Type: 'volume',
  Name: name,
  Source: `/var/lib/docker/volumes/${name}/_data`,
  Destination: destination,
  Driver: 'local',
  RW: rw,
});
const table = (...mounts: InspectMount[]): MountTable => buildMountTable(mounts);

function mountOf(result: TranslationResult): unknown {
  if (!result.ok) throw new Error(`expected success, got ${result.code}: ${result.message}`);
  return result.mount;
}

function failureOf(result: TranslationResult): TranslationFailure {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.mount)}`);
  return result;
}

describe('translateWorkerPath', () => {
  describe('matching the worker mounts', () => {
    it('binds the source itself when the path is exactly a bind destination (mirror target)', () => {
      const result = translateWorkerPath(
        '/app/outputs',
        table(bind('/app/outputs', '/srv/out')),
        OLD_API,
      );
      expect(mountOf(result)).toEqual({
        type: 'bind',
        source: '/srv/out',
        target: '/app/outputs',
        readOnly: false,
      });
    });

    it('appends the rest of the path to the source for a path below a bind', () => {
      const result = translateWorkerPath(
        '/app/outputs/job-1',
        table(bind('/app/outputs', '/srv/out')),
        OLD_API,
      );
      expect(mountOf(result)).toMatchObject({
        source: '/srv/out/job-1',
        target: '/app/outputs/job-1',
      });
    });

    it('does not treat /app/out2 as being under /app/out', () => {
      const result = translateWorkerPath(
        '/app/out2/job',
        table(bind('/app/out', '/srv/out')),
        OLD_API,
      );
      expect(failureOf(result).code).toBe('NO_MOUNT_COVERS');
    });

    it('ignores trailing slashes on either side and resolves . and .. segments', () => {
      const mounts = table(bind('/app/outputs/', '/srv/out/'));
      expect(mountOf(translateWorkerPath('/app/outputs/job-1/', mounts, OLD_API))).toMatchObject({
        source: '/srv/out/job-1',
        target: '/app/outputs/job-1',
      });
      expect(
        mountOf(translateWorkerPath('/app/temp/../outputs/./job-1', mounts, OLD_API)),
      ).toMatchObject({
        source: '/srv/out/job-1',
        target: '/app/outputs/job-1',
      });
    });

    it('rejects a relative path', () => {
      const failure = failureOf(
        translateWorkerPath('outputs/job-1', table(bind('/', '/')), OLD_API),
      );
      expect(failure.code).toBe('RELATIVE_PATH');
      expect(failure.message).toContain('"outputs/job-1"');
    });

    it('picks the longest prefix: a bind inside a volume wins over the volume', () => {
      const mounts = table(volume('/app', 'app-data'), bind('/app/outputs', '/srv/out'));
      expect(mountOf(translateWorkerPath('/app/outputs/job', mounts, OLD_API))).toMatchObject({
        type: 'bind',
        source: '/srv/out/job',
      });
    });

    it('reports NOT_ON_DISK for a path on a tmpfs below the best mount', () => {
      const mounts = buildMountTable([
        volume('/app', 'app-data'),
        bind('/app/outputs', '/srv/out'),
        { Type: 'tmpfs', Source: '', Destination: '/app/outputs/cache' },
      ]);
      const failure = failureOf(translateWorkerPath('/app/outputs/cache/job', mounts, OLD_API));
      expect(failure.code).toBe('NOT_ON_DISK');
      expect(failure.message).toContain('tmpfs mount /app/outputs/cache');
      expect(failure.hint).toContain('-v <host dir>:/app/outputs/cache');
    });

    it('binds below a root bind (Destination /)', () => {
      const result = translateWorkerPath('/app/temp/job', table(bind('/', '/')), OLD_API);
      expect(mountOf(result)).toMatchObject({ source: '/app/temp/job', target: '/app/temp/job' });
      const rooted = translateWorkerPath(
        '/app/temp/job',
        table(bind('/', '/mnt/rootfs/')),
        OLD_API,
      );
      expect(mountOf(rooted)).toMatchObject({ source: '/mnt/rootfs/app/temp/job' });
    });

    it('reports NO_MOUNT_COVERS for a path in the container layer, naming the path, the mounts and the fix', () => {
      const failure = failureOf(
        translateWorkerPath('/app/temp/job-1', table(bind('/app/outputs', '/srv/out')), OLD_API),
      );
      expect(failure.code).toBe('NO_MOUNT_COVERS');
      expect(failure.message).toBe(
        'Worker path /app/temp/job-1 is not on any bind mount or volume of the worker container, so a render container cannot see it (worker mounts: /app/outputs (bind from /srv/out, rw)).',
      );
      expect(failure.hint).toContain('Add -v <host dir>:<dir> to the worker container');
      expect(failure.hint).toContain('HOST_PATH_MAP=<dir>=<host dir>');
    });
  });

  describe('volumes', () => {
    it('mounts a named volume by name when the path is its root', () => {
      const result = translateWorkerPath(
        '/app/temp',
        table(volume('/app/temp', 'manim-temp')),
        OLD_API,
      );
      expect(mountOf(result)).toEqual({
        type: 'volume',
        source: 'manim-temp',
        target: '/app/temp',
        readOnly: false,
      });
    });

    it('mounts a sub-path of a volume with VolumeOptions.Subpath from API 1.45', () => {
      const result = translateWorkerPath(
        '/app/temp/job-1/media',
        table(volume('/app/temp', 'manim-temp')),
        NEW_API,
      );
      expect(mountOf(result)).toEqual({
        type: 'volume',
        source: 'manim-temp',
        target: '/app/temp/job-1/media',
        readOnly: false,
        subpath: 'job-1/media',
      });
    });

    it('binds the local volume directory plus the sub-path below API 1.45 (engine here: 1.41)', () => {
      const result = translateWorkerPath(
        '/app/temp/job-1',
        table(volume('/app/temp', 'manim-temp')),
        OLD_API,
      );
      expect(mountOf(result)).toEqual({
        type: 'bind',
        source: '/var/lib/docker/volumes/manim-temp/_data/job-1',
        target: '/app/temp/job-1',
        readOnly: false,
      });
    });

    it('refuses a volume sub-path below API 1.45 when the driver is not local', () => {
      const mounts = table({ ...volume('/app/temp', 'shared'), Driver: 'rclone', Source: '' });
      const failure = failureOf(translateWorkerPath('/app/temp/job-1', mounts, OLD_API));
      expect(failure.code).toBe('VOLUME_SUBPATH_UNSUPPORTED');
      expect(failure.message).toContain(
        "the engine's API 1.41 cannot mount a volume sub-path (needs 1.45)",
      );
      expect(failure.hint).toContain('Upgrade the Docker Engine to API 1.45');
    });

    it('mounts an anonymous volume by its 64-hex name, from the recorded inspect', () => {
      const inspect = inspectFixture('real-docker-host-network.inspect.json');
      const mounts = buildMountTable(inspect.Mounts, inspect.HostConfig?.Tmpfs);
      expect(mountOf(translateWorkerPath('/app/anon', mounts, OLD_API))).toEqual({
        type: 'volume',
        source: ANON,
        target: '/app/anon',
        readOnly: false,
      });
      expect(mountOf(translateWorkerPath('/app/anon/job', mounts, OLD_API))).toMatchObject({
        type: 'bind',
        source: `/var/lib/docker/volumes/${ANON}/_data/job`,
      });
    });
  });

  describe('read-only mounts', () => {
    it('reports READ_ONLY_MOUNT when the render must write to a read-only mount', () => {
      const failure = failureOf(
        translateWorkerPath(
          '/app/inputs/job',
          table(bind('/app/inputs', '/srv/in', false)),
          OLD_API,
        ),
      );
      expect(failure.code).toBe('READ_ONLY_MOUNT');
      expect(failure.message).toContain('read-only bind /app/inputs (from /srv/in)');
    });

    it('emits a read-only mount when the render only reads', () => {
      const result = translateWorkerPath(
        '/app/inputs/job',
        table(bind('/app/inputs', '/srv/in', false)),
        {
          apiVersion: '1.41',
          needsWrite: false,
        },
      );
      expect(mountOf(result)).toMatchObject({ readOnly: true, source: '/srv/in/job' });
    });
  });

  describe('HOST_PATH_MAP', () => {
    it('applies HOST_PATH_MAP when no mount covers the path', () => {
      const result = translateWorkerPath('/app/temp/job-1', table(), {
        ...OLD_API,
        hostPathMap: [{ container: '/app/temp', host: '/srv/manim/temp' }],
      });
      expect(mountOf(result)).toEqual({
        type: 'bind',
        source: '/srv/manim/temp/job-1',
        target: '/app/temp/job-1',
        readOnly: false,
      });
      expect(result).toMatchObject({ via: 'HOST_PATH_MAP /app/temp=/srv/manim/temp' });
    });

    it('lets a deeper real mount win over a HOST_PATH_MAP entry', () => {
      const result = translateWorkerPath(
        '/app/outputs/job',
        table(bind('/app/outputs', '/srv/real-out')),
        {
          ...OLD_API,
          hostPathMap: [{ container: '/app', host: '/srv/mapped-app' }],
        },
      );
      expect(mountOf(result)).toMatchObject({ source: '/srv/real-out/job' });
    });

    it('lets a deeper HOST_PATH_MAP entry override a coarser real mount', () => {
      const result = translateWorkerPath('/app/outputs/job', table(volume('/app', 'app')), {
        ...OLD_API,
        hostPathMap: [{ container: '/app/outputs', host: '/srv/out' }],
      });
      expect(mountOf(result)).toMatchObject({ type: 'bind', source: '/srv/out/job' });
    });

    it('keeps the real mount on a tie with a HOST_PATH_MAP entry', () => {
      const result = translateWorkerPath(
        '/app/outputs/job',
        table(bind('/app/outputs', '/srv/real')),
        {
          ...OLD_API,
          hostPathMap: [{ container: '/app/outputs', host: '/srv/mapped' }],
        },
      );
      expect(mountOf(result)).toMatchObject({ source: '/srv/real/job' });
    });
  });

  describe('host path forms', () => {
    it('joins a Windows source with backslashes', () => {
      const result = translateWorkerPath(
        '/app/outputs/job 1/media',
        table(bind('/app/outputs', 'C:\\data\\manim')),
        OLD_API,
      );
      expect(mountOf(result)).toMatchObject({ source: 'C:\\data\\manim\\job 1\\media' });
    });

    it('keeps a Docker Desktop /run/desktop/mnt/host source as it is and appends with slashes', () => {
      const result = translateWorkerPath(
        '/app/outputs/job',
        table(bind('/app/outputs', '/run/desktop/mnt/host/c/Users/Alice/manim')),
        OLD_API,
      );
      expect(mountOf(result)).toMatchObject({
        source: '/run/desktop/mnt/host/c/Users/Alice/manim/job',
      });
    });

    it('keeps spaces and unicode intact', () => {
      const result = translateWorkerPath(
        '/app/my outputs/vidéo ∑/job',
        table(bind('/app/my outputs', '/srv/Données partagées')),
        OLD_API,
      );
      expect(mountOf(result)).toEqual({
        type: 'bind',
        source: '/srv/Données partagées/vidéo ∑/job',
        target: '/app/my outputs/vidéo ∑/job',
        readOnly: false,
      });
    });
  });

  describe('mounts below the path and the Docker socket', () => {
    it('carries the worker mounts below the path along, shallowest first, and lists tmpfs ones it cannot', () => {
      const mounts = buildMountTable([
        bind('/app', '/srv/app'),
        bind('/app/temp/job/fonts', '/srv/fonts', false),
        volume('/app/temp/job/cache', 'tex-cache'),
        volume('/app/temp/job/cache/deep', 'deep'),
        { Type: 'tmpfs', Source: '', Destination: '/app/temp/job/scratch' },
        bind('/app/other', '/srv/other'),
      ]);
      const result = translateWorkerPath('/app/temp/job', mounts, OLD_API);
      if (!result.ok) throw new Error(result.message);
      expect(result.mount).toMatchObject({ source: '/srv/app/temp/job' });
      expect(result.nested).toEqual([
        { type: 'volume', source: 'tex-cache', target: '/app/temp/job/cache', readOnly: false },
        { type: 'bind', source: '/srv/fonts', target: '/app/temp/job/fonts', readOnly: true },
        { type: 'volume', source: 'deep', target: '/app/temp/job/cache/deep', readOnly: false },
      ]);
      expect(result.hiddenBelow).toEqual(['/app/temp/job/scratch']);
    });

    it('never forwards the Docker socket, even below a carried path', () => {
      const inspect = inspectFixture('real-docker-host-network.inspect.json');
      const mounts = buildMountTable([...(inspect.Mounts ?? []), bind('/', '/')]);
      const failure = failureOf(translateWorkerPath('/var/run/docker.sock', mounts, OLD_API));
      expect(failure.code).toBe('DOCKER_SOCKET');
      const result = translateWorkerPath('/var/run', mounts, OLD_API);
      if (!result.ok) throw new Error(result.message);
      expect(result.nested).toEqual([]);
      expect(result.hiddenBelow).toEqual(['/var/run/docker.sock']);
    });

    it('translates the recorded job folder below the real bind mount', () => {
      const inspect = inspectFixture('real-docker-bind-volume.inspect.json');
      const mounts = buildMountTable(inspect.Mounts, inspect.HostConfig?.Tmpfs);
      expect(mountOf(translateWorkerPath('/app/outputs/job-1', mounts, OLD_API))).toEqual({
        type: 'bind',
        source: '/tmp/dood-capture/out/job-1',
        target: '/app/outputs/job-1',
        readOnly: false,
      });
      expect(failureOf(translateWorkerPath('/app/scratch/job-1', mounts, OLD_API)).code).toBe(
        'NOT_ON_DISK',
      );
    });
  });
});

describe('joinHostPath', () => {
  it('joins POSIX, Windows drive and UNC sources', () => {
    expect(joinHostPath('/srv/out', '')).toBe('/srv/out');
    expect(joinHostPath('/srv/out/', '/a/b')).toBe('/srv/out/a/b');
    expect(joinHostPath('/', '/a')).toBe('/a');
    expect(joinHostPath('C:\\', '/a/b')).toBe('C:\\a\\b');
    expect(joinHostPath('\\\\server\\share', '/a')).toBe('\\\\server\\share\\a');
  });
});

describe('apiVersionAtLeast', () => {
  it('compares major and minor numerically and treats an unparsable version as too old', () => {
    expect(apiVersionAtLeast('1.45', '1.45')).toBe(true);
    expect(apiVersionAtLeast('1.100', '1.45')).toBe(true);
    expect(apiVersionAtLeast('1.41', '1.45')).toBe(false);
    expect(apiVersionAtLeast('2.0', '1.45')).toBe(true);
    expect(apiVersionAtLeast('latest', '1.45')).toBe(false);
  });
});

describe('parseHostPathMap', () => {
  it('parses the documented format', () => {
    expect(parseHostPathMap('/app/outputs=/srv/manim/outputs;/app/temp=/srv/manim/temp')).toEqual({
      ok: true,
      entries: [
        { container: '/app/outputs', host: '/srv/manim/outputs' },
        { container: '/app/temp', host: '/srv/manim/temp' },
      ],
    });
  });

  it('ignores whitespace and empty entries, normalises the worker side and trims host separators', () => {
    expect(parseHostPathMap(' /app/out/ = /srv/out/ ; ; /w=C:\\data\\')).toEqual({
      ok: true,
      entries: [
        { container: '/app/out', host: '/srv/out' },
        { container: '/w', host: 'C:\\data' },
      ],
    });
    expect(parseHostPathMap('')).toEqual({ ok: true, entries: [] });
  });

  it('lists every problem with its entry number', () => {
    expect(parseHostPathMap('/app/out;app/temp=/srv/temp;/x=relative;/a=/b;/a/=/c')).toEqual({
      ok: false,
      problems: [
        'entry 1 "/app/out": missing "=" (expected <worker dir>=<host dir>)',
        'entry 2 "app/temp=/srv/temp": the worker dir "app/temp" must be an absolute path',
        'entry 3 "/x=relative": the host dir "relative" must be an absolute path',
        'entry 5 "/a/=/c": /a is mapped more than once',
      ],
    });
  });
});

describe('translationFailureToAppError', () => {
  it('keeps the message and hint and records the translation code', () => {
    const failure = failureOf(translateWorkerPath('/nowhere', table(), OLD_API));
    const error = translationFailureToAppError(failure, { jobId: 'j1' });
    expect(error).toBeInstanceOf(AppError);
    expect(error.message).toBe(failure.message);
    expect(error.hint).toBe(failure.hint);
    expect(error.details).toEqual({ jobId: 'j1', translation: 'NO_MOUNT_COVERS' });
  });

  it('maps a read-only mount to worker_mount_read_only, a bug to internal, the rest to worker_path_not_shared', () => {
    const notShared = failureOf(translateWorkerPath('/nowhere', table(), OLD_API));
    expect(translationFailureToAppError(notShared)).toMatchObject({
      code: 'worker_path_not_shared',
      status: 503,
    });
    const readOnly = { ...notShared, code: 'READ_ONLY_MOUNT' as const };
    expect(translationFailureToAppError(readOnly)).toMatchObject({
      code: 'worker_mount_read_only',
      status: 503,
    });
    const relative = failureOf(translateWorkerPath('temp/job', table(), OLD_API));
    expect(translationFailureToAppError(relative).code).toBe('internal');
  });
});
