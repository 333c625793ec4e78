import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  candidateFromSetting,
  idsFromMountinfo,
  mountPointsFromMountinfo,
  type ContainerIdCandidate,
} from '../../../src/job-folders/daemon-paths/own-container/container-id-candidates';
import {
  verifyOwnContainer,
  type InspectLike,
} from '../../../src/job-folders/daemon-paths/own-container/verify-own-container';

const FIXTURES = join(__dirname, '../../fixtures/proc');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const inspectFixture = (name: string): InspectLike =>
  (JSON.parse(fixture(name)) as InspectLike[])[0] as InspectLike;

/** One recorded container: its inspect, mountinfo, hostname, and the id found in mountinfo. */
function recorded(name: string): {
  inspect: InspectLike;
  mountPoints: Set<string>;
  hostname: string;
  candidate: ContainerIdCandidate;
} {
  const mountinfo = fixture(`${name}.mountinfo`);
  const [candidate] = idsFromMountinfo(mountinfo);
  if (candidate === undefined) throw new Error(`no id in ${name}.mountinfo`);
  return {
    inspect: inspectFixture(`${name}.inspect.json`),
    mountPoints: mountPointsFromMountinfo(mountinfo),
    hostname: fixture(`${name}.hostname`).trim(),
    candidate,
  };
}

describe('verifyOwnContainer', () => {
  it('accepts the recorded Docker 20.10 container from its own mountinfo, hostname and inspect', () => {
    const sample = recorded('real-docker-bind-volume');
    const verdict = verifyOwnContainer({
      inspect: sample.inspect,
      candidate: sample.candidate,
      hostname: sample.hostname,
      ourMountPoints: sample.mountPoints,
    });
    expect(verdict).toEqual({
      accepted: true,
      reason: 'container /suspicious_keller (8022c56ec3b1) is this container (from mountinfo)',
      warnings: [],
    });
  });

  it('accepts a host-network container whose hostname is the host name, with the socket under /var/run', () => {
    const sample = recorded('real-docker-host-network');
    expect(sample.hostname).toBe('vm');
    expect(sample.inspect.HostConfig?.NetworkMode).toBe('host');
    const verdict = verifyOwnContainer({
      inspect: { ...sample.inspect, Config: { Hostname: 'something-else' } },
      candidate: sample.candidate,
      hostname: sample.hostname,
      ourMountPoints: sample.mountPoints,
    });
    expect(verdict.accepted).toBe(true);
  });

  it('skips the hostname check when the container shares the host UTS namespace', () => {
    const sample = recorded('real-docker-bind-volume');
    const verdict = verifyOwnContainer({
      inspect: { ...sample.inspect, HostConfig: { UTSMode: 'host', NetworkMode: 'bridge' } },
      candidate: sample.candidate,
      hostname: 'the-host',
      ourMountPoints: sample.mountPoints,
    });
    expect(verdict.accepted).toBe(true);
  });

  it('rejects a container whose hostname differs from ours', () => {
    const sample = recorded('real-docker-bind-volume');
    const verdict = verifyOwnContainer({
      inspect: sample.inspect,
      candidate: sample.candidate,
      hostname: 'worker-1',
      ourMountPoints: sample.mountPoints,
    });
    expect(verdict.accepted).toBe(false);
    expect(verdict.reason).toBe(
      'container /suspicious_keller (8022c56ec3b1) is not this container: its hostname "8022c56ec3b1" is not ours ("worker-1")',
    );
  });

  it('accepts a custom hostname given as host name plus domain', () => {
    const sample = recorded('real-docker-bind-volume');
    const verdict = verifyOwnContainer({
      inspect: { ...sample.inspect, Config: { Hostname: 'worker', Domainname: 'example.org' } },
      candidate: sample.candidate,
      hostname: 'worker.example.org',
      ourMountPoints: sample.mountPoints,
    });
    expect(verdict.accepted).toBe(true);
  });

  it('rejects a container with a bind or volume destination that is not one of our mount points', () => {
    const sample = recorded('real-docker-bind-volume');
    const points = new Set(sample.mountPoints);
    points.delete('/app/data');
    const verdict = verifyOwnContainer({
      inspect: sample.inspect,
      candidate: sample.candidate,
      hostname: sample.hostname,
      ourMountPoints: points,
    });
    expect(verdict.accepted).toBe(false);
    expect(verdict.reason).toContain(
      'its mount destinations /app/data are not mount points in our /proc/self/mountinfo',
    );
  });

  it('rejects a container whose id does not start with the candidate', () => {
    const sample = recorded('real-docker-bind-volume');
    const verdict = verifyOwnContainer({
      inspect: sample.inspect,
      candidate: { value: 'ffffffffffff', kind: 'id-prefix', source: 'hostname', evidence: '' },
      hostname: sample.hostname,
      ourMountPoints: sample.mountPoints,
    });
    expect(verdict).toMatchObject({ accepted: false });
    expect(verdict.reason).toContain('its id does not start with it');
  });

  it('accepts WORKER_CONTAINER given as a name and turns failed cross-checks into warnings', () => {
    const sample = recorded('real-docker-bind-volume');
    const candidate = candidateFromSetting('suspicious_keller');
    if (candidate === undefined) throw new Error('no candidate');
    const verdict = verifyOwnContainer({
      inspect: sample.inspect,
      candidate,
      hostname: 'renamed-host',
      ourMountPoints: sample.mountPoints,
    });
    expect(verdict.accepted).toBe(true);
    expect(verdict.reason).toContain('named by WORKER_CONTAINER=suspicious_keller');
    expect(verdict.warnings).toEqual([
      'container /suspicious_keller (8022c56ec3b1) (WORKER_CONTAINER): its hostname "8022c56ec3b1" is not ours ("renamed-host")',
    ]);
  });

  it('rejects WORKER_CONTAINER when the daemon resolved it to a container of another name', () => {
    const sample = recorded('real-docker-bind-volume');
    const candidate = candidateFromSetting('manim-worker');
    if (candidate === undefined) throw new Error('no candidate');
    const verdict = verifyOwnContainer({
      inspect: sample.inspect,
      candidate,
      hostname: sample.hostname,
      ourMountPoints: sample.mountPoints,
    });
    expect(verdict.accepted).toBe(false);
  });

  it('warns instead of failing when mountinfo could not be read', () => {
    const sample = recorded('real-docker-bind-volume');
    const verdict = verifyOwnContainer({
      inspect: sample.inspect,
      candidate: sample.candidate,
      hostname: sample.hostname,
      ourMountPoints: undefined,
    });
    expect(verdict.accepted).toBe(true);
    expect(verdict.warnings).toEqual([
      'mounts not cross-checked: /proc/self/mountinfo could not be read',
    ]);
  });

  it('ignores tmpfs entries and tolerates an inspect with no Mounts, Config or HostConfig', () => {
    const verdict = verifyOwnContainer({
      inspect: {
        Id: '87eba76e7f3164534045ba922e7770fb58bbd14ad732bbf5ba6f11cc56989e6e',
        Mounts: [{ Type: 'tmpfs', Source: '', Destination: '/scratch' }],
      },
      candidate: { value: '87eba76e7f31', kind: 'id-prefix', source: 'hostname', evidence: '' },
      hostname: '',
      ourMountPoints: new Set(['/']),
    });
    expect(verdict.accepted).toBe(true);
  });
});
