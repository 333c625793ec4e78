import { createHash, randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { followImageStream } from '../../../src/render-engine/docker-client/image-streams';
import { waitUntil } from './wait-until';
import { debianBaseImage } from './worker-container';

const outer = new Docker();

/** Every image, container and volume made for a Docker-in-Docker engine carries this label. */
export const DIND_LABEL = 'org.manim-render.test-dind';
/** On the engine's container: `<hostname>:<pid>` of the test process that started it. */
const OWNER_LABEL = 'org.manim-render.test-dind.owner';
const IMAGE_REPOSITORY = 'manim-render-test-dind';
const SOCKET_DIR = '/run/dind';
const ENGINE_PORT = '2375/tcp';

/**
 * Runs as the engine container's entrypoint. Without --privileged the cgroup hierarchies are
 * mounted read-only and the inner runc could not apply limits; on cgroup v2 the root group must
 * be emptied before controllers can be handed down. overlay2 needs the kernel to mount overlayfs
 * on the data volume; vfs (slow, but works anywhere) otherwise.
 */
const ENTRYPOINT = `#!/bin/sh
set -eu
for dir in /sys/fs/cgroup /sys/fs/cgroup/*/; do
  mount -o remount,bind,rw "$dir" 2>/dev/null || true
done
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  mkdir -p /sys/fs/cgroup/init
  xargs -rn1 < /sys/fs/cgroup/cgroup.procs > /sys/fs/cgroup/init/cgroup.procs 2>/dev/null || true
  sed -e 's/ / +/g' -e 's/^/+/' < /sys/fs/cgroup/cgroup.controllers \\
    > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
fi
driver=vfs
check=/var/lib/docker/.overlay-check
rm -rf "$check"
mkdir -p "$check/lower" "$check/upper" "$check/work" "$check/merged"
if mount -t overlay overlay -o "lowerdir=$check/lower,upperdir=$check/upper,workdir=$check/work" "$check/merged" 2>/dev/null; then
  umount "$check/merged"
  driver=overlay2
fi
rm -rf "$check"
exec dockerd --host tcp://0.0.0.0:2375 --host unix://${SOCKET_DIR}/docker.sock --tls=false \\
  --storage-driver "$driver" --iptables=false --bridge=none "$@"
`;

function dockerfile(base: string): string {
  return [
    `FROM ${base}`,
    'RUN apt-get update \\',
    ' && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker.io mount \\',
    ' && rm -rf /var/lib/apt/lists/*',
    'COPY dind-entrypoint.sh /usr/local/bin/dind-entrypoint',
    'ENTRYPOINT ["/usr/local/bin/dind-entrypoint"]',
    '',
  ].join('\n');
}

export interface DockerInDocker {
  /** `tcp://127.0.0.1:<port>`: the inner engine, published on the host's loopback only. */
  dockerHost: string;
  /** A client of the inner engine. */
  docker: Docker;
  /** The inner engine's unix socket, as a path on the host (to bind into a container). */
  socketPath: string;
  /** The engine container's id on the machine's engine. */
  containerId: string;
  /** The inner engine's storage driver (`overlay2`, or `vfs` where overlayfs does not mount). */
  storageDriver: string;
  /** Whether the engine container runs --privileged, or with an explicit capability set. */
  privileged: boolean;
  /** Per image asked for: whether it had to be loaded (`docker save | docker load`), how long. */
  imageLoads: Array<{ image: string; loaded: boolean; seconds: number }>;
  /** Removes the inner engine's containers and the engine container, and the volume unless kept. */
  stop(): Promise<void>;
}

/**
 * A Docker Engine of its own in a container of the machine's engine: a daemon that cannot see
 * the host's files, as a Docker-in-Docker sidecar or a remote DOCKER_HOST is.
 *
 * - The image (Debian's docker.io on the Debian base the render image was built on) is built
 *   with the host network, so apt reaches the same mirror as the machine; its tag is a hash of
 *   the build files, so it is built once.
 * - The engine container runs --privileged; where the machine's engine cannot grant every
 *   capability (a bounding set without CAP_SYS_RESOURCE, as in some sandboxes) it runs with the
 *   capabilities this process has, no seccomp or AppArmor profile and every device allowed.
 * - The inner engine listens on TCP 2375 (no TLS), published on 127.0.0.1 only, and on a unix
 *   socket in a host folder (`socketPath`).
 * - Its /var/lib/docker is a named volume that stays after `stop()`: the images in `images`
 *   (streamed from the machine's engine when the inner one lacks them or has another version)
 *   are loaded once per machine. `MANIM_TEST_DIND_CACHE=0` (or `keepCache: false`) removes the
 *   volume on stop. A volume another live test run is using is not shared: this run gets one of
 *   its own, removed on stop.
 */
export async function startDockerInDocker(options: {
  images: string[];
  /** Host folders to bind into the engine container (for a HOST_PATH_MAP target). */
  binds?: Array<{ source: string; target: string }>;
  keepCache?: boolean;
}): Promise<DockerInDocker> {
  const startedAt = Date.now();
  const image = await buildEngineImage();
  const cacheVolume = `${IMAGE_REPOSITORY}-${image.split(':')[1] ?? 'latest'}`;
  await removeStaleEngines();
  await removeOldCacheVolumes(cacheVolume);
  const volume = (await volumeInUse(cacheVolume))
    ? `${cacheVolume}-${randomUUID().slice(0, 8)}`
    : cacheVolume;
  const keepVolume =
    volume === cacheVolume && (options.keepCache ?? process.env.MANIM_TEST_DIND_CACHE !== '0');
  await outer.createVolume({ Name: volume, Labels: { [DIND_LABEL]: 'cache' } });
  const socketDir = await mkdtemp(path.join(tmpdir(), 'manim-test-dind-'));

  let container: Docker.Container | undefined;
  const removeAll = async () => {
    await container?.remove({ force: true }).catch(ignoreNotFound);
    if (!keepVolume) await outer.getVolume(volume).remove().catch(ignoreNotFound);
    await rm(socketDir, { recursive: true, force: true });
  };
  try {
    const started = await startEngineContainer(image, volume, socketDir, options.binds ?? []);
    container = started.container;
    const inspected = await container.inspect();
    const port = inspected.NetworkSettings.Ports[ENGINE_PORT]?.[0]?.HostPort;
    if (port === undefined) throw new Error(`the engine container published no ${ENGINE_PORT}`);
    const inner = new Docker({ host: '127.0.0.1', port: Number(port), protocol: 'http' });
    await waitForEngine(inner, container);
    // The inner engine belongs to this run: whatever a crashed run left in the volume goes.
    await removeInnerContainers(inner);
    const imageLoads = [];
    for (const name of options.images) imageLoads.push(await ensureImage(inner, name));
    const info = (await inner.info()) as { Driver: string };
    if (process.env.TEST_LOGS === '1') {
      process.stderr.write(
        `docker-in-docker: ${started.privileged ? 'privileged' : 'explicit capabilities'}, ${info.Driver}, ready after ${(Date.now() - startedAt) / 1000} s; ${JSON.stringify(imageLoads)}\n`,
      );
    }
    return {
      dockerHost: `tcp://127.0.0.1:${port}`,
      docker: inner,
      socketPath: path.join(socketDir, 'docker.sock'),
      containerId: container.id,
      storageDriver: info.Driver,
      privileged: started.privileged,
      imageLoads,
      async stop() {
        await removeInnerContainers(inner).catch(() => undefined);
        await removeAll();
      },
    };
  } catch (error) {
    const logs = await engineLogs(container);
    await removeAll();
    if (logs !== '') (error as Error).message += `\nengine container log:\n${logs}`;
    throw error;
  }
}

/** Builds the engine image unless an image of the same build files is already there. */
async function buildEngineImage(): Promise<string> {
  const base = await debianBaseImage();
  const text = dockerfile(base);
  const hash = createHash('sha256').update(text).update(ENTRYPOINT).digest('hex').slice(0, 12);
  const tag = `${IMAGE_REPOSITORY}:${hash}`;
  const present = await outer
    .getImage(tag)
    .inspect()
    .then(
      () => true,
      () => false,
    );
  if (present) return tag;
  const context = await mkdtemp(path.join(tmpdir(), 'manim-test-dind-image-'));
  try {
    await writeFile(path.join(context, 'Dockerfile'), text);
    await writeFile(path.join(context, 'dind-entrypoint.sh'), ENTRYPOINT);
    await chmod(path.join(context, 'dind-entrypoint.sh'), 0o755);
    const stream = await outer.buildImage(
      { context, src: ['Dockerfile', 'dind-entrypoint.sh'] },
      { t: tag, labels: { [DIND_LABEL]: 'image' }, networkmode: 'host', rm: true, forcerm: true },
    );
    await followImageStream(outer, stream, { stallTimeoutMs: 300_000 });
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  return tag;
}

async function startEngineContainer(
  image: string,
  volume: string,
  socketDir: string,
  binds: Array<{ source: string; target: string }>,
): Promise<{ container: Docker.Container; privileged: boolean }> {
  const base: Docker.ContainerCreateOptions = {
    Image: image,
    Labels: { [DIND_LABEL]: 'engine', [OWNER_LABEL]: `${hostname()}:${process.pid}` },
    ExposedPorts: { [ENGINE_PORT]: {} },
    // One plain stream for the log shown when the engine does not come up.
    Tty: true,
    HostConfig: {
      PortBindings: { [ENGINE_PORT]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
      Mounts: [
        { Type: 'volume', Source: volume, Target: '/var/lib/docker' },
        { Type: 'bind', Source: socketDir, Target: SOCKET_DIR },
        ...binds.map(({ source, target }) => ({
          Type: 'bind' as const,
          Source: source,
          Target: target,
        })),
      ],
    },
  };
  const privileged = await outer.createContainer({
    ...base,
    HostConfig: { ...base.HostConfig, Privileged: true },
  });
  try {
    await privileged.start();
    return { container: privileged, privileged: true };
  } catch (error) {
    await privileged.remove({ force: true }).catch(ignoreNotFound);
    if (!/caps|capabilit/i.test((error as Error).message)) throw error;
  }
  const capabilities = await boundingCapabilities();
  const unprivileged = await outer.createContainer({
    ...base,
    HostConfig: {
      ...base.HostConfig,
      CapAdd: capabilities,
      SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
      // What --security-opt systempaths=unconfined does: /proc and /sys are not masked.
      MaskedPaths: [],
      ReadonlyPaths: [],
      DeviceCgroupRules: ['a *:* rwm'],
    },
  });
  try {
    await unprivileged.start();
  } catch (error) {
    await unprivileged.remove({ force: true }).catch(ignoreNotFound);
    throw error;
  }
  return { container: unprivileged, privileged: false };
}

/** Capability names in kernel order, as far as every Docker Engine since 20.10 knows them. */
const CAPABILITIES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
];

/** The capabilities in this process's bounding set: what the machine's engine can grant too. */
async function boundingCapabilities(): Promise<string[]> {
  const status = await readFile('/proc/self/status', 'utf8');
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (hex === undefined) throw new Error('no CapBnd line in /proc/self/status');
  const mask = BigInt(`0x${hex}`);
  return CAPABILITIES.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

/** Pings the inner engine until it answers; fails at once when its container stops. */
async function waitForEngine(inner: Docker, container: Docker.Container): Promise<void> {
  await waitUntil(
    'the inner Docker engine answers /_ping',
    async () => {
      const state = (await container.inspect()).State;
      if (!state.Running) throw new Error(`the engine container exited (${state.ExitCode})`);
      return inner.ping().then(
        () => true,
        () => false,
      );
    },
    (up) => up,
    { everyMs: 250, timeoutMs: 120_000 },
  );
}

/**
 * Makes `name` present in the inner engine with the same image id as on the machine's engine:
 * `docker save` streamed straight into the inner engine's `docker load`. Other versions of the
 * same repository are removed from the inner engine, so the cache does not grow.
 */
async function ensureImage(
  inner: Docker,
  name: string,
): Promise<{ image: string; loaded: boolean; seconds: number }> {
  const started = Date.now();
  const { Id: id } = await outer.getImage(name).inspect();
  const innerId = await inner
    .getImage(name)
    .inspect()
    .then((image) => image.Id, ignoreNotFound);
  if (innerId === id) return { image: name, loaded: false, seconds: 0 };
  const archive = await outer.getImage(name).get();
  const response = await inner.loadImage(archive, { quiet: false });
  await followImageStream(inner, response, { stallTimeoutMs: 600_000 });
  const { Id: loadedId } = await inner.getImage(name).inspect();
  if (loadedId !== id)
    throw new Error(`${name} loaded into the inner engine as ${loadedId}, not ${id}`);
  const repository = name.slice(0, name.lastIndexOf(':'));
  for (const stale of await inner.listImages({ filters: { reference: [repository] } })) {
    if (stale.Id !== id) await inner.getImage(stale.Id).remove({ force: true });
  }
  return { image: name, loaded: true, seconds: (Date.now() - started) / 1000 };
}

async function removeInnerContainers(inner: Docker): Promise<void> {
  for (const container of await inner.listContainers({ all: true })) {
    await inner.getContainer(container.Id).remove({ force: true, v: true }).catch(ignoreNotFound);
  }
}

/** Engine containers whose test process on this machine is gone (killed before its afterAll). */
async function removeStaleEngines(): Promise<void> {
  const containers = await outer.listContainers({
    all: true,
    filters: { label: [`${DIND_LABEL}=engine`] },
  });
  for (const container of containers) {
    const [host, pid] = (container.Labels[OWNER_LABEL] ?? '').split(':');
    if (host === hostname() && pid !== undefined && processAlive(Number(pid))) continue;
    if (host !== hostname() && container.State === 'running') continue;
    await outer.getContainer(container.Id).remove({ force: true }).catch(ignoreNotFound);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Cache volumes of earlier engine images (another docker.io, another script), when unused. */
async function removeOldCacheVolumes(current: string): Promise<void> {
  const { Volumes: volumes } = await outer.listVolumes({
    filters: { label: [`${DIND_LABEL}=cache`] },
  });
  for (const volume of volumes ?? []) {
    if (volume.Name === current || (await volumeInUse(volume.Name))) continue;
    await outer
      .getVolume(volume.Name)
      .remove()
      .catch(() => undefined);
  }
}

async function volumeInUse(name: string): Promise<boolean> {
  const users = await outer.listContainers({ all: true, filters: { volume: [name] } });
  return users.length > 0;
}

async function engineLogs(container: Docker.Container | undefined): Promise<string> {
  if (container === undefined) return '';
  try {
    const raw = (await container.logs({ stdout: true, stderr: true, tail: 40 })) as Buffer;
    return raw.toString('utf8');
  } catch {
    return '';
  }
}

function ignoreNotFound(error: unknown): undefined {
  if ((error as { statusCode?: number }).statusCode === 404) return undefined;
  throw error;
}
