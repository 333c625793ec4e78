import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InspectLike } from '../../../src/job-folders/daemon-paths/own-container/verify-own-container';
import {
  buildMountTable,
  describeMountTable,
  isSameOrUnder,
  normaliseContainerPath,
  pathDepth,
} from '../../../src/job-folders/daemon-paths/mount-table';

const FIXTURES = join(__dirname, '../../fixtures/proc');
const inspectFixture = (name: string): InspectLike =>
  (JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as InspectLike[])[0] as InspectLike;

describe('buildMountTable', () => {
  it('normalises the recorded inspect and remembers the --tmpfs mount from HostConfig.Tmpfs', () => {
    const inspect = inspectFixture('real-docker-bind-volume.inspect.json');
    const table = buildMountTable(inspect.Mounts, inspect.HostConfig?.Tmpfs);
    expect(table.mounts).toEqual([
      {
        type: 'volume',
        name: 'dood-capture-vol',
        source: '/var/lib/docker/volumes/dood-capture-vol/_data',
        destination: '/app/data',
        readWrite: true,
        driver: 'local',
      },
      {
        type: 'bind',
        name: undefined,
        source: '/tmp/dood-capture/out',
        destination: '/app/outputs',
        readWrite: true,
        driver: undefined,
      },
    ]);
    expect(table.nonShareable).toEqual([{ destination: '/app/scratch', kind: 'tmpfs' }]);
  });

  it('drops tmpfs and the Docker socket from the recorded host-network inspect but remembers them', () => {
    const inspect = inspectFixture('real-docker-host-network.inspect.json');
    const table = buildMountTable(inspect.Mounts, inspect.HostConfig?.Tmpfs);
    expect(table.mounts.map((mount) => mount.destination)).toEqual(['/app/anon', '/app/outputs']);
    expect(table.nonShareable).toEqual([
      { destination: '/app/outputs/cache', kind: 'tmpfs' },
      { destination: '/var/run/docker.sock', kind: 'socket' },
    ]);
  });

  it('sorts by depth, deepest first', () => {
    const table = buildMountTable([
      { Type: 'volume', Name: 'app', Source: '/v/app', Destination: '/app', RW: true },
      { Type: 'bind', Source: '/', Destination: '/', RW: true },
      { Type: 'bind', Source: '/srv/out', Destination: '/app/outputs', RW: true },
      { Type: 'bind', Source: '/srv/deep', Destination: '/app/outputs/a/b', RW: true },
    ]);
    expect(table.mounts.map((mount) => mount.destination)).toEqual([
      '/app/outputs/a/b',
      '/app/outputs',
      '/app',
      '/',
    ]);
  });

  it('normalises destinations: trailing slash, repeated slashes, dot segments', () => {
    const table = buildMountTable([
      { Type: 'bind', Source: '/srv/out/', Destination: '/app//outputs/./', RW: false },
    ]);
    expect(table.mounts[0]).toMatchObject({
      destination: '/app/outputs',
      source: '/srv/out/',
      readWrite: false,
    });
  });

  it('keeps image, npipe and cluster mounts and entries without a source out of the table', () => {
    const table = buildMountTable([
      { Type: 'image', Source: '', Destination: '/models' },
      { Type: 'npipe', Source: '\\\\.\\pipe\\docker_engine', Destination: '/pipe' },
      { Type: 'cluster', Source: '', Destination: '/csi' },
      { Type: 'bind', Source: '', Destination: '/lost' },
      { Type: 'volume', Source: '', Destination: '/nameless' },
    ]);
    expect(table.mounts).toEqual([]);
    expect(table.nonShareable.map((entry) => entry.kind).sort()).toEqual([
      'bind',
      'cluster',
      'image',
      'npipe',
      'volume',
    ]);
  });

  it('keeps a named volume that shows no Mountpoint, since it can still be mounted by name', () => {
    const table = buildMountTable([
      { Type: 'volume', Name: 'nfs-outputs', Source: '', Driver: 'rclone', Destination: '/out' },
    ]);
    expect(table.mounts).toEqual([
      expect.objectContaining({ type: 'volume', name: 'nfs-outputs', driver: 'rclone' }),
    ]);
  });

  it('tolerates a missing Mounts list', () => {
    expect(buildMountTable(undefined)).toEqual({ mounts: [], nonShareable: [] });
    expect(buildMountTable(null, null)).toEqual({ mounts: [], nonShareable: [] });
  });

  it('describes the table for error messages', () => {
    const inspect = inspectFixture('real-docker-host-network.inspect.json');
    expect(describeMountTable(buildMountTable(inspect.Mounts))).toBe(
      '/app/anon (volume b2bca8f9fd5ec9b3c4b92d8a5676fdc692c5d1280be7ed64bde32f2d8e9a25ca, rw), ' +
        '/app/outputs (bind from /tmp/dood-capture/out, rw), /app/outputs/cache (tmpfs), ' +
        '/var/run/docker.sock (socket)',
    );
    expect(describeMountTable(buildMountTable([]))).toBe('none');
  });
});

describe('path helpers', () => {
  it('matches a directory only on a component boundary', () => {
    expect(isSameOrUnder('/app/out', '/app/out')).toBe(true);
    expect(isSameOrUnder('/app/out/job', '/app/out')).toBe(true);
    expect(isSameOrUnder('/app/out2', '/app/out')).toBe(false);
    expect(isSameOrUnder('/anything', '/')).toBe(true);
  });

  it('counts path components and normalises paths', () => {
    expect([pathDepth('/'), pathDepth('/app'), pathDepth('/app/out')]).toEqual([0, 1, 2]);
    expect(normaliseContainerPath('/app/out/../temp/')).toBe('/app/temp');
    expect(normaliseContainerPath('/')).toBe('/');
  });
});
