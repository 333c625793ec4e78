import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  candidateFromSetting,
  idFromCpuset,
  idPrefixFromHostname,
  idsFromCgroup,
  idsFromMountinfo,
  mountPointsFromMountinfo,
  orderCandidates,
  parseMountinfo,
  unescapeMountinfoField,
  type ContainerIdCandidate,
} from '../../../src/job-folders/daemon-paths/own-container/container-id-candidates';

const FIXTURES = join(__dirname, '../../fixtures/proc');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

/** Ids of the hand-written samples (see the fixtures' README). */
const WORKER = '87eba76e7f3164534045ba922e7770fb58bbd14ad732bbf5ba6f11cc56989e6e';
const OUTER = '560e3e12b1e0dafa161e62fb3327ad65c98b7cd53849b17c627e8d3e1d419d6a';
const INNER = '33bf6fbd7cd8379785a21e233d8e09f824e7bab459168a96312c1c882c1d7e1f';
const LAYER = 'dac1d7cfa95021764849fd102524e141488c5e3a90f861dbb5a12d9ac8584f85';
const ANON_VOLUME = 'ba8d60a5642bbc591953ecd44e54e371a38f5780579d01c17c1e531ccb0ef406';
const SANDBOX = 'b7ad567477c83756aab9a542b2be04f77dbae25115d85f22070d74d8cc4779dc';
const REAL_ID = '8022c56ec3b1925d38937fc5a00da5dce1c3df097b02030cc07ff532f4c9e20a';

const values = (candidates: ContainerIdCandidate[]): string[] => candidates.map((c) => c.value);

describe('idsFromCgroup', () => {
  it('finds the id in cgroup v1 /docker/<id> lines and reports it once for all 13 lines', () => {
    expect(values(idsFromCgroup(fixture('cgroup-v1-docker.cgroup')))).toEqual([WORKER]);
  });

  it('finds the id in the systemd driver form /system.slice/docker-<id>.scope', () => {
    expect(values(idsFromCgroup(fixture('cgroup-v1-systemd-scope.cgroup')))).toEqual([WORKER]);
    expect(values(idsFromCgroup(fixture('cgroup-v2-systemd-scope.cgroup')))).toEqual([WORKER]);
  });

  it('finds the id under a custom parent /docker-ce/docker/<id>', () => {
    expect(values(idsFromCgroup(fixture('cgroup-v1-docker-ce.cgroup')))).toEqual([WORKER]);
  });

  it('returns the inner id of a nested /docker/<outer>/docker/<inner> path, never the outer', () => {
    const ids = values(idsFromCgroup(fixture('cgroup-nested.cgroup')));
    expect(ids).toEqual([INNER]);
    expect(ids).not.toContain(OUTER);
  });

  it.each([
    [
      'Kubernetes cgroupfs',
      `11:memory:/kubepods/besteffort/pod0e4f5c1a-8d2b-4b7e-9a51-3c2d1e0f9a8b/${WORKER}`,
    ],
    [
      'Kubernetes systemd',
      `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0e4f5c1a_8d2b.slice/docker-${WORKER}.scope`,
    ],
    ['ECS', `9:perf_event:/ecs/5a1f3e2b-7c4d-4e8f-9a0b-1c2d3e4f5a6b/${WORKER}`],
    ['GitHub Actions job container', `5:cpuacct:/actions_job/${WORKER}`],
    ['a sub-cgroup below the id', `1:name=systemd:/docker/${WORKER}/user.slice`],
    [
      'containerd with a colon in the path',
      `0::/system.slice/containerd.service/kubepods-besteffort-pod0e4f.slice:cri-containerd:${WORKER}`,
    ],
    ['cri-containerd scope', `0::/kubepods.slice/cri-containerd-${WORKER}.scope`],
    ['CRI-O scope', `0::/kubepods.slice/kubepods-pod0e4f.slice/crio-${WORKER}.scope`],
    ['Podman libpod scope', `0::/machine.slice/libpod-${WORKER}.scope`],
    [
      'Podman libpod scope with a container sub-cgroup',
      `0::/machine.slice/libpod-${WORKER}.scope/container`,
    ],
  ])('finds the id in a %s path', (_layout, line) => {
    expect(values(idsFromCgroup(line))).toEqual([WORKER]);
  });

  it('yields nothing, and does not throw, for host lines, empty paths and malformed lines', () => {
    expect(idsFromCgroup(fixture('cgroup-malformed.cgroup'))).toEqual([]);
    expect(idsFromCgroup(fixture('cgroup-host-v2.cgroup'))).toEqual([]);
    expect(idsFromCgroup('')).toEqual([]);
  });

  it('yields nothing for cgroup v2 with a private namespace (0::/)', () => {
    expect(idsFromCgroup(fixture('cgroup-v2-namespaced.cgroup'))).toEqual([]);
  });

  it('does not take a 64-hex run out of a longer hex string', () => {
    expect(idsFromCgroup(`0::/docker/${WORKER}ff`)).toEqual([]);
  });

  it('keeps the line it used as evidence', () => {
    const [candidate] = idsFromCgroup(fixture('cgroup-v2-systemd-scope.cgroup'));
    expect(candidate).toEqual({
      value: WORKER,
      kind: 'id',
      source: 'cgroup',
      evidence: `0::/system.slice/docker-${WORKER}.scope`,
    });
  });

  it('reads the id from the real cgroup v1 sample of Docker 20.10', () => {
    expect(values(idsFromCgroup(fixture('real-docker-bind-volume.cgroup')))).toEqual([REAL_ID]);
  });
});

describe('idFromCpuset', () => {
  it('takes the last id of the cpuset path and ignores the root cpuset', () => {
    expect(idFromCpuset(`/docker/${OUTER}/docker/${INNER}\n`)?.value).toBe(INNER);
    expect(idFromCpuset('/\n')).toBeUndefined();
  });
});

describe('idsFromMountinfo', () => {
  it('takes the id from the /etc/hostname source of rootful Docker (/var/lib/docker/containers/<id>/hostname)', () => {
    const [first] = idsFromMountinfo(fixture('real-docker-bind-volume.mountinfo'));
    expect(first).toEqual({
      value: REAL_ID,
      kind: 'id',
      source: 'mountinfo',
      evidence: `/etc/hostname is mounted from /var/lib/docker/containers/${REAL_ID}/hostname`,
    });
  });

  it('takes the id from Docker Desktop (/docker/containers/<id>/hostname)', () => {
    expect(values(idsFromMountinfo(fixture('mountinfo-docker-desktop.mountinfo')))).toEqual([
      WORKER,
    ]);
  });

  it('takes the id when the data root is its own filesystem (/<id>/hostname)', () => {
    expect(values(idsFromMountinfo(fixture('mountinfo-separate-data-root.mountinfo')))).toEqual([
      WORKER,
    ]);
  });

  it('takes the id from Podman (.../overlay-containers/<id>/userdata/hostname)', () => {
    expect(values(idsFromMountinfo(fixture('mountinfo-podman-rootless.mountinfo')))).toEqual([
      WORKER,
    ]);
  });

  it('takes the inner id when the runtime files live inside another container volume', () => {
    const ids = values(idsFromMountinfo(fixture('mountinfo-nested.mountinfo')));
    expect(ids).toEqual([INNER]);
    expect(ids).not.toContain(ANON_VOLUME);
  });

  it('never takes an overlay upperdir layer id or a volume id, even when those lines come first', () => {
    const text = fixture('mountinfo-rootful-misleading.mountinfo');
    expect(text.indexOf(LAYER)).toBeLessThan(text.indexOf(WORKER));
    expect(text.indexOf(ANON_VOLUME)).toBeLessThan(text.indexOf(WORKER));
    expect(values(idsFromMountinfo(text))).toEqual([WORKER]);
  });

  it('prefers /etc/hostname over /etc/hosts and /etc/resolv.conf, whatever the line order', () => {
    const line = (id: string, file: string): string =>
      `900 800 8:1 /var/lib/docker/containers/${id}/${file.slice(5)} ${file} rw - ext4 /dev/sda1 rw`;
    const text = [
      line(OUTER, '/etc/resolv.conf'),
      line(INNER, '/etc/hosts'),
      line(WORKER, '/etc/hostname'),
    ].join('\n');
    expect(values(idsFromMountinfo(text))).toEqual([WORKER, INNER, OUTER]);
  });

  it('marks a containerd pod sandbox id as such, since it is not the container itself', () => {
    expect(idsFromMountinfo(fixture('mountinfo-containerd-k8s.mountinfo'))).toEqual([
      expect.objectContaining({ value: SANDBOX, kind: 'sandbox-id' }),
    ]);
  });

  it('finds nothing on a host, where container overlays are visible but /etc/hostname is not mounted', () => {
    expect(idsFromMountinfo(fixture('mountinfo-host.mountinfo'))).toEqual([]);
  });

  it('ignores a 64-hex directory that is not followed by a runtime file name', () => {
    const text = `900 800 8:1 /var/lib/docker/containers/${WORKER}/mounts/secrets /etc/hostname rw - ext4 /dev/sda1 rw`;
    expect(idsFromMountinfo(text)).toEqual([]);
  });

  it('copes with lines longer than 64 KiB', () => {
    const lowerdirs = Array.from(
      { length: 3000 },
      (_, i) => `/var/lib/docker/overlay2/l/LAYER${i}`,
    );
    const overlay = `77 52 0:39 / / rw,relatime - overlay overlay rw,lowerdir=${lowerdirs.join(':')},upperdir=/var/lib/docker/overlay2/${LAYER}/diff`;
    expect(overlay.length).toBeGreaterThan(64 * 1024);
    const text = `${overlay}\n97 77 254:0 /var/lib/docker/containers/${WORKER}/hostname /etc/hostname rw - ext4 /dev/vda rw\n`;
    expect(values(idsFromMountinfo(text))).toEqual([WORKER]);
  });
});

describe('parseMountinfo', () => {
  it('undoes octal escapes in mount points (\\040 is a space)', () => {
    const points = mountPointsFromMountinfo(fixture('mountinfo-rootful-misleading.mountinfo'));
    expect(points.has('/app/my outputs')).toBe(true);
    expect(unescapeMountinfoField('a\\011b\\134c\\012d')).toBe('a\tb\\c\nd');
  });

  it('reads the filesystem type and source after the optional fields', () => {
    const [root] = parseMountinfo(fixture('real-docker-bind-volume.mountinfo'));
    expect(root).toMatchObject({
      mountPoint: '/',
      root: '/',
      fsType: 'overlay',
      mountSource: 'overlay',
    });
  });

  it('skips lines that are too short instead of throwing', () => {
    expect(parseMountinfo('garbage\n\n1 2 3\n')).toEqual([]);
  });

  it('lists every mount point of the real sample, including binds and the named volume', () => {
    const points = mountPointsFromMountinfo(fixture('real-docker-bind-volume.mountinfo'));
    expect(points).toEqual(expect.any(Set));
    for (const point of ['/', '/app/outputs', '/app/data', '/app/scratch', '/etc/hostname']) {
      expect(points.has(point)).toBe(true);
    }
  });
});

describe('idPrefixFromHostname and candidateFromSetting', () => {
  it('treats a 12-hex hostname as an id prefix', () => {
    expect(idPrefixFromHostname('8022c56ec3b1')).toMatchObject({
      value: '8022c56ec3b1',
      kind: 'id-prefix',
      source: 'hostname',
    });
  });

  it.each(['worker-1', 'vm', 'manim-pod-7d9f8c6b5-x2x4z', '8022C56EC3B1', '8022c56ec3b'])(
    'does not treat the hostname %s as an id prefix',
    (hostname) => {
      expect(idPrefixFromHostname(hostname)).toBeUndefined();
    },
  );

  it('classifies WORKER_CONTAINER as an id, an id prefix or a name', () => {
    expect(candidateFromSetting(WORKER)?.kind).toBe('id');
    expect(candidateFromSetting('87eba76e7f31')?.kind).toBe('id-prefix');
    expect(candidateFromSetting(' manim-worker ')).toMatchObject({
      value: 'manim-worker',
      kind: 'name',
    });
    expect(candidateFromSetting('  ')).toBeUndefined();
  });
});

describe('orderCandidates', () => {
  const mountinfoId = (value: string): ContainerIdCandidate => ({
    value,
    kind: 'id',
    source: 'mountinfo',
    evidence: 'test',
  });
  const cgroupId = (value: string): ContainerIdCandidate => ({
    value,
    kind: 'id',
    source: 'cgroup',
    evidence: 'test',
  });

  it('puts the explicit setting first, then the detected ids', () => {
    const ordered = orderCandidates({ setting: 'manim-worker', detected: [mountinfoId(WORKER)] });
    expect(values(ordered)).toEqual(['manim-worker', WORKER]);
  });

  it('puts the ids that start with a 12-hex hostname before the other detected ids', () => {
    const ordered = orderCandidates({
      detected: [mountinfoId(OUTER), cgroupId(INNER)],
      hostname: INNER.slice(0, 12),
    });
    expect(values(ordered)).toEqual([INNER, OUTER]);
  });

  it('removes duplicates found by several sources, keeping the first', () => {
    const ordered = orderCandidates({
      detected: [mountinfoId(WORKER), cgroupId(WORKER), cgroupId(INNER)],
    });
    expect(ordered.map((c) => `${c.value}:${c.source}`)).toEqual([
      `${WORKER}:mountinfo`,
      `${INNER}:cgroup`,
    ]);
  });

  it('adds the hostname as a prefix lookup only when no detected id starts with it', () => {
    expect(values(orderCandidates({ detected: [], hostname: '87eba76e7f31' }))).toEqual([
      '87eba76e7f31',
    ]);
    expect(
      values(orderCandidates({ detected: [mountinfoId(WORKER)], hostname: '87eba76e7f31' })),
    ).toEqual([WORKER]);
    expect(values(orderCandidates({ detected: [], hostname: 'worker-1' }))).toEqual([]);
  });

  it('tries a containerd sandbox id after the container id from the cgroup', () => {
    const detected = [
      ...idsFromMountinfo(fixture('mountinfo-containerd-k8s.mountinfo')),
      ...idsFromCgroup(fixture('cgroup-containerd-k8s.cgroup')),
    ];
    expect(values(orderCandidates({ detected }))).toEqual([WORKER, SANDBOX]);
  });

  it('does not repeat a setting that equals a detected id', () => {
    const ordered = orderCandidates({ setting: WORKER, detected: [mountinfoId(WORKER)] });
    expect(ordered).toEqual([expect.objectContaining({ value: WORKER, source: 'setting' })]);
  });
});
