import type { Config } from '../config/config-schema';
import { describeRedis, type RedisSettings } from '../config/redis-settings';
import { createDaemonPathTranslator } from '../job-folders/daemon-paths/daemon-path-translator';
import type { DirectoryProbe } from '../job-folders/daemon-paths/daemon-paths';
import { parseSecurityOptions } from '../render-engine/docker-client/security-options';
import { runtimeMissingHint } from '../render-engine/docker-client/engine-runtimes';
import { renderImagePullable, type RenderImage } from '../render-image/render-image';
import type { OwnContainer } from '../job-folders/daemon-paths/own-container/find-own-container';
import { ownContainerError } from '../job-folders/daemon-paths/own-container/find-own-container';
import { buildMountTable, describeMountTable } from '../job-folders/daemon-paths/mount-table';
import {
  describeIdentity,
  describeSocket,
  diagnoseEngineAccess,
  socketAccess,
  socketCandidates,
  type DockerEndpoint,
  type ProcessIdentity,
  type SocketFacts,
} from '../render-engine/docker-client/socket-diagnosis';
import { AppError } from '../errors/app-error';
import type { DoctorCheck } from './doctor-report';

/** What the doctor asks the engine; the adapter (doctor-deps.ts) talks to dockerode. */
export interface DoctorEngine {
  endpoint: DockerEndpoint;
  /** Throws docker_unavailable with the cause and fix. */
  ping(): Promise<void>;
  version(): Promise<{ version: string; apiVersion: string; os: string; arch: string }>;
  info(): Promise<{
    securityOptions: string[];
    operatingSystem: string;
    runtimes: string[];
    defaultRuntime: string;
  }>;
  imageExists(image: string): Promise<boolean>;
  findOwnContainer(setting: string): Promise<OwnContainer>;
  probeDirectory(workerDir: string, daemonDir: string, user: string): Promise<DirectoryProbe>;
}

export interface DoctorDeps {
  env: {
    dockerHost?: string | undefined;
    home?: string | undefined;
    xdgRuntimeDir?: string | undefined;
  };
  identity: ProcessIdentity;
  socketFacts(path: string): SocketFacts;
  /** The configuration and the render image it names, or why it could not be loaded. */
  /** The configuration and the render image of each served version (newest first), or why not. */
  config: { config: Config; renderImages: RenderImage[] } | { error: AppError };
  /** The client, or why DOCKER_HOST could not be used. */
  engine: DoctorEngine | { error: string };
  /** The real path of an existing directory; undefined when it does not exist. */
  realDirectory(dir: string): Promise<string | undefined>;
  /** The server's version; throws when Redis does not answer. */
  redisVersion(settings: RedisSettings): Promise<string>;
  /** Resolves when the output store STORAGE names can be written and read; throws why not. */
  checkOutputStore(config: Config): Promise<{ location: string }>;
}

const DIRECTORIES = [
  { id: 'outputs-dir', variable: 'OUTPUTS_DIR' },
  { id: 'temp-dir', variable: 'TEMP_DIR' },
] as const;

/**
 * Every check of `npm run doctor`, in the order a problem blocks the next: configuration,
 * DOCKER_HOST and the sockets, the engine, the render image, the worker's own container, the
 * configured directories as a render container sees them, Redis, an object store.
 */
export async function runDoctorChecks(deps: DoctorDeps): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const loaded = 'error' in deps.config ? undefined : deps.config;
  if ('error' in deps.config) {
    checks.push({
      id: 'config',
      status: 'fail',
      title: 'configuration',
      message: deps.config.error.message,
      fix: 'Fix the variables named above (docs/configuration.md lists every one).',
    });
  } else {
    checks.push({ id: 'config', status: 'ok', title: 'configuration', message: 'valid' });
  }

  checks.push(dockerHostCheck(deps));
  const withoutEngine = async (reason: string) => [
    ...checks,
    notChecked(reason, loaded === undefined ? [...ENGINE_PARTS, 'Redis'] : ENGINE_PARTS),
    ...(await redisChecks(deps, loaded)),
    ...(await outputStoreChecks(deps, loaded)),
  ];
  if ('error' in deps.engine) {
    checks.push({
      id: 'engine',
      status: 'fail',
      title: 'Docker Engine',
      message: deps.engine.error,
      fix: 'Set DOCKER_HOST to unix:///path/to/docker.sock or tcp://host:port, or unset it for the default socket.',
    });
    return withoutEngine('the Docker client cannot be created');
  }
  const engine = deps.engine;
  // The security and runtime checks read the same answer; the engine is asked once.
  let info: ReturnType<DoctorEngine['info']> | undefined;
  const engineInfo = () => (info ??= engine.info());
  checks.push(...socketChecks(deps, engine.endpoint));
  const engineState = await engineCheck(engine);
  checks.push(withoutRepeat(engineState.check, checks));
  if (!engineState.up) return withoutEngine('the Docker Engine does not answer');

  checks.push(
    ...(await guard('engine-security', 'engine security', () =>
      securityCheck(engineInfo, deps.identity),
    )),
  );
  if (loaded === undefined) {
    return [...checks, notChecked('the configuration is invalid', CONFIG_PARTS)];
  }
  const { config, renderImages } = loaded;
  const present: boolean[] = [];
  for (const { manimVersion, name } of renderImages) {
    const found = await engine.imageExists(name).catch(() => false);
    present.push(found);
    const title = `render image (Manim ${manimVersion})`;
    checks.push(
      found
        ? { id: `image-${manimVersion}`, status: 'ok', title, message: `${name} is present` }
        : {
            id: `image-${manimVersion}`,
            status: 'fail',
            title,
            message: renderImagePullable(config)
              ? `${name} is missing on the engine; workers pull it and take no jobs until it is there`
              : `${name} is missing on the engine; jobs for Manim ${manimVersion} fail with image_missing`,
            fix: 'Run `npm run prepare-image` (it pulls or builds the image of every version in MANIM_VERSIONS), or set RENDER_IMAGE to images the engine has.',
          },
    );
  }
  checks.push(
    ...(await guard('render-runtime', 'render runtime', () =>
      runtimeCheck(engineInfo, config.RENDER_RUNTIME),
    )),
  );
  // The sharing probe runs the default (newest) version's image.
  const imagePresent = present[0] === true;
  let own: OwnContainer | undefined;
  const ownChecks = await guard('own-container', 'worker container', async () => {
    own = await engine.findOwnContainer(config.WORKER_CONTAINER);
    return ownContainerChecks(own);
  });
  const directoryChecks: DoctorCheck[] = [];
  // With STORAGE=s3 no video is written to OUTPUTS_DIR.
  for (const directory of DIRECTORIES.filter(
    (candidate) => config.STORAGE === 'local' || candidate.variable !== 'OUTPUTS_DIR',
  )) {
    const dir = config[directory.variable];
    const title = `${directory.variable} ${dir}`;
    const found = own;
    directoryChecks.push(
      ...(found === undefined
        ? [notChecked('the worker container could not be determined', [title])]
        : await guard(directory.id, title, async () =>
            underTransferPolicy(
              await directoryCheck(deps, engine, {
                ...directory,
                title,
                dir,
                own: found,
                apiVersion: engineState.apiVersion,
                config,
                imagePresent,
              }),
              directory.variable,
              config.JOB_FILE_TRANSFER,
            ),
          )),
    );
  }
  checks.push(...settledOwnContainer(own, ownChecks, directoryChecks), ...directoryChecks);
  checks.push(...(await redisChecks(deps, loaded)), ...(await outputStoreChecks(deps, loaded)));
  return checks;
}

/**
 * A container the daemon cannot identify needs nothing more when the probes showed the daemon
 * sees every folder at the same path (a shared file system): the worker does the same at start.
 */
function settledOwnContainer(
  own: OwnContainer | undefined,
  ownChecks: DoctorCheck[],
  directoryChecks: DoctorCheck[],
): DoctorCheck[] {
  if (own === undefined || (own.mode !== 'unknown' && own.mode !== 'foreign-daemon')) {
    return ownChecks;
  }
  const sharedAtSamePath = directoryChecks.every(
    (check) => check.status === 'ok' && check.details?.samePathProbe === true,
  );
  if (!sharedAtSamePath) return ownChecks;
  return [
    {
      id: 'own-container',
      status: 'ok',
      title: 'worker container',
      message: `not identified (${own.reason}); the daemon sees OUTPUTS_DIR and TEMP_DIR at the same paths (probe), so none is needed`,
    },
  ];
}

const ENGINE_PARTS = [
  'engine security',
  'render image',
  'worker container',
  'OUTPUTS_DIR',
  'TEMP_DIR',
];
const CONFIG_PARTS = ['render image', 'worker container', 'OUTPUTS_DIR', 'TEMP_DIR', 'Redis'];

/** A check that threw (the engine went away, a proxy refused a call) is a failed check. */
async function guard(
  id: string,
  title: string,
  check: () => Promise<DoctorCheck | DoctorCheck[]>,
): Promise<DoctorCheck[]> {
  try {
    return [await check()].flat();
  } catch (error) {
    const failure = error instanceof AppError ? error : undefined;
    return [
      {
        id,
        status: 'fail',
        title,
        message: `could not be checked: ${(error as Error).message}`,
        fix: failure?.hint ?? 'Run the doctor again; if it persists, read the message above.',
      },
    ];
  }
}

function dockerHostCheck(deps: DoctorDeps): DoctorCheck {
  const dockerHost = deps.env.dockerHost;
  if (!dockerHost) {
    return {
      id: 'docker-host',
      status: 'ok',
      title: 'DOCKER_HOST',
      message: 'unset: the client uses the default socket',
    };
  }
  const endpoint = 'error' in deps.engine ? undefined : deps.engine.endpoint;
  if (endpoint?.kind === 'tcp' && !endpoint.tls) {
    return {
      id: 'docker-host',
      status: 'warn',
      title: 'DOCKER_HOST',
      message: `${dockerHost}: the engine API without TLS; whoever reaches ${endpoint.host}:${endpoint.port} controls that host`,
      fix: 'Use a unix socket, or TLS (port 2376, DOCKER_TLS_VERIFY=1, DOCKER_CERT_PATH).',
    };
  }
  return { id: 'docker-host', status: 'ok', title: 'DOCKER_HOST', message: dockerHost };
}

/** The socket the client uses, judged; and every other engine socket found, for information. */
function socketChecks(deps: DoctorDeps, endpoint: DockerEndpoint): DoctorCheck[] {
  const candidates = socketCandidates({
    dockerHost: deps.env.dockerHost,
    uid: deps.identity.uid,
    home: deps.env.home,
    xdgRuntimeDir: deps.env.xdgRuntimeDir,
  });
  const found = candidates
    .map((candidate) => ({ ...candidate, facts: deps.socketFacts(candidate.path) }))
    .filter((candidate) => candidate.facts.exists);
  const checks: DoctorCheck[] = [];
  if (endpoint.kind === 'unix') {
    const facts = deps.socketFacts(endpoint.path);
    const diagnosis = diagnoseEngineAccess({
      endpoint,
      socket: facts,
      process: deps.identity,
      dockerHost: deps.env.dockerHost,
    });
    const elsewhere = found.filter(
      (candidate) => candidate.path !== endpoint.path && candidate.facts.isSocket,
    );
    const details = {
      path: endpoint.path,
      facts,
      candidates: candidates.map((candidate) => ({
        ...candidate,
        found: found.some((entry) => entry.path === candidate.path),
      })),
    };
    if (diagnosis) {
      const alternative =
        !facts.exists && elsewhere.length > 0
          ? ` Sockets found elsewhere: ${elsewhere.map((candidate) => `DOCKER_HOST=unix://${candidate.path} (${candidate.source})`).join(', ')}.`
          : '';
      checks.push({
        id: 'socket',
        status: 'fail',
        title: `socket ${endpoint.path}`,
        message: diagnosis.message,
        fix: diagnosis.hint + alternative,
        details: { ...details, problem: diagnosis.problem },
      });
    } else {
      const access = socketAccess(facts, deps.identity);
      checks.push({
        id: 'socket',
        status: 'ok',
        title: `socket ${endpoint.path}`,
        message: `${describeSocket(facts)}; ${describeIdentity(deps.identity)} may use it${access.as === 'root' ? ' (root)' : ` (as ${access.as})`}`,
        details,
      });
    }
  }
  for (const candidate of found) {
    if (endpoint.kind === 'unix' && candidate.path === endpoint.path) continue;
    checks.push({
      id: 'socket-found',
      status: 'ok',
      title: `socket ${candidate.path}`,
      message: `${candidate.source} socket found (${candidate.facts.isSocket ? describeSocket(candidate.facts) : 'not a socket'}); not the one in use`,
    });
  }
  return checks;
}

/** The engine's failure when the socket line already said why: a pointer, not the same text. */
function withoutRepeat(check: DoctorCheck, earlier: DoctorCheck[]): DoctorCheck {
  const socket = earlier.find((entry) => entry.id === 'socket' && entry.status === 'fail');
  const problem = check.details?.problem;
  if (check.status !== 'fail' || socket === undefined || problem !== socket.details?.problem) {
    return check;
  }
  return {
    ...check,
    message: `does not answer at ${String(check.details?.endpoint)}: ${String(problem)}, see ${socket.title} above`,
    fix: 'Fix the socket problem above.',
  };
}

async function engineCheck(
  engine: DoctorEngine,
): Promise<
  { check: DoctorCheck; up: true; apiVersion: string } | { check: DoctorCheck; up: false }
> {
  const where =
    engine.endpoint.kind === 'unix'
      ? engine.endpoint.path
      : engine.endpoint.kind === 'tcp'
        ? `${engine.endpoint.host}:${engine.endpoint.port}`
        : engine.endpoint.description;
  try {
    await engine.ping();
    const version = await engine.version();
    return {
      up: true,
      apiVersion: version.apiVersion,
      check: {
        id: 'engine',
        status: 'ok',
        title: 'Docker Engine',
        message: `${version.version} (API ${version.apiVersion}, ${version.os}/${version.arch}) answers at ${where}`,
        details: version,
      },
    };
  } catch (error) {
    const failure = error instanceof AppError ? error : undefined;
    return {
      up: false,
      check: {
        id: 'engine',
        status: 'fail',
        title: 'Docker Engine',
        message: failure?.message ?? `no answer at ${where}: ${(error as Error).message}`,
        fix: failure?.hint ?? 'Start the Docker Engine or point DOCKER_HOST at a running one.',
        ...(failure?.details === undefined ? {} : { details: failure.details }),
      },
    };
  }
}

async function securityCheck(
  engineInfo: DoctorEngine['info'],
  identity: ProcessIdentity,
): Promise<DoctorCheck> {
  const info = await engineInfo();
  const security = parseSecurityOptions(info.securityOptions);
  const flags = [
    security.rootless ? 'rootless' : 'rootful',
    security.userNamespaces ? 'user namespaces (userns-remap)' : 'no user namespaces',
    security.selinux ? 'SELinux' : 'no SELinux',
  ];
  const message = `${flags.join(', ')}; ${info.operatingSystem} (security options: ${info.securityOptions.join(' ') || 'none'})`;
  const details = {
    ...security,
    operatingSystem: info.operatingSystem,
    securityOptions: info.securityOptions,
  };
  if (security.rootless && identity.uid !== 0) {
    return {
      id: 'engine-security',
      status: 'warn',
      title: 'engine security',
      message: `${message}; this process runs as ${describeIdentity(identity)}`,
      fix: "In a container, run the worker as root (user: '0:0'): with rootless Docker, container root is the host user who runs the engine.",
      details,
    };
  }
  if (/docker desktop/i.test(info.operatingSystem)) {
    return {
      id: 'engine-security',
      status: 'ok',
      title: 'engine security',
      message: `${message}; Docker Desktop shares only the host folders listed under Settings → Resources → File sharing`,
      details,
    };
  }
  return { id: 'engine-security', status: 'ok', title: 'engine security', message, details };
}

async function runtimeCheck(
  engineInfo: DoctorEngine['info'],
  runtime: string,
): Promise<DoctorCheck> {
  const info = await engineInfo();
  const base = {
    id: 'render-runtime',
    title: 'render runtime',
    details: { runtime, available: info.runtimes },
  };
  if (runtime === '') {
    return {
      ...base,
      status: 'ok',
      message: `the engine's default, ${info.defaultRuntime} (RENDER_RUNTIME=runsc adds gVisor; see docs/security.md)`,
    };
  }
  if (info.runtimes.includes(runtime)) {
    return {
      ...base,
      status: 'ok',
      message: `${runtime} (the engine has ${info.runtimes.join(', ')})`,
    };
  }
  return {
    ...base,
    status: 'fail',
    message: `RENDER_RUNTIME=${runtime}, but the engine has only ${info.runtimes.join(', ') || 'no runtimes'}; workers take no jobs until it has it`,
    fix: runtimeMissingHint(runtime),
  };
}

function ownContainerChecks(own: OwnContainer): DoctorCheck[] {
  if (own.mode === 'host') {
    return [
      {
        id: 'own-container',
        status: 'ok',
        title: 'worker container',
        message: `not in a container: folders are given to the daemon as they are (${own.reason})`,
      },
    ];
  }
  if (own.mode === 'container') {
    const table = buildMountTable(own.container.Mounts, own.container.HostConfig?.Tmpfs);
    return [
      {
        id: 'own-container',
        status: 'ok',
        title: 'worker container',
        message: `${own.container.Id.slice(0, 12)} (${own.reason}); mounts: ${describeMountTable(table)}`,
      },
      ...own.warnings.map((warning): DoctorCheck => ({
        id: 'own-container-warning',
        status: 'warn',
        title: 'worker container',
        message: warning,
        fix: "Set WORKER_CONTAINER to this container's name or id, or unset it.",
      })),
    ];
  }
  const error = ownContainerError(own);
  return [
    {
      id: 'own-container',
      status: 'warn',
      title: 'worker container',
      message: error.message,
      fix: error.hint,
    },
  ];
}

/**
 * What a folder's result means for the service. Render containers mount only TEMP_DIR, and only
 * when job files are not copied: under JOB_FILE_TRANSFER=copy it is not mounted at all, and under
 * `auto` a folder the daemon cannot see makes jobs copy their files instead of failing. OUTPUTS_DIR
 * is never mounted (the worker moves each video there itself), so the daemon not seeing it is
 * worth knowing, not a failure.
 */
function underTransferPolicy(
  check: DoctorCheck,
  variable: 'OUTPUTS_DIR' | 'TEMP_DIR',
  transfer: Config['JOB_FILE_TRANSFER'],
): DoctorCheck {
  const unseen = check.status === 'fail' && !/can read it but not write it/.test(check.message);
  if (variable === 'TEMP_DIR' && transfer === 'copy') {
    return {
      ...check,
      status: 'ok',
      message:
        'job files are copied through the Docker API (JOB_FILE_TRANSFER=copy); render containers do not mount it',
      fix: undefined,
    };
  }
  if (!unseen) return check;
  if (variable === 'TEMP_DIR' && transfer === 'auto') {
    return {
      ...check,
      status: 'warn',
      message: `${check.message}; jobs copy their files through the Docker API instead (copy mode)`,
      fix: `Nothing to do if that is intended (set JOB_FILE_TRANSFER=copy to say so). To mount the job folders instead: ${check.fix ?? ''}`.trim(),
    };
  }
  if (variable === 'OUTPUTS_DIR') {
    return {
      ...check,
      status: 'warn',
      message: `${check.message} (render containers never mount OUTPUTS_DIR: the worker moves each video there itself)`,
    };
  }
  return check;
}

async function directoryCheck(
  deps: DoctorDeps,
  engine: DoctorEngine,
  input: {
    id: string;
    variable: 'OUTPUTS_DIR' | 'TEMP_DIR';
    title: string;
    dir: string;
    own: OwnContainer;
    apiVersion: string;
    config: Config;
    imagePresent: boolean;
  },
): Promise<DoctorCheck> {
  const title = input.title;
  const real = await deps.realDirectory(input.dir);
  if (real === undefined) {
    return {
      id: input.id,
      status: 'warn',
      title,
      message: 'does not exist yet, so it cannot be probed; the service creates it at start',
      fix: `Create it (mkdir -p ${input.dir}) and run the doctor again, so that it can check it.`,
    };
  }
  const translator = createDaemonPathTranslator({
    own: input.own,
    apiVersion: input.apiVersion,
    hostPathMap: input.config.HOST_PATH_MAP,
  });
  let daemonPath: string;
  let how: string;
  let samePathProbe = false;
  try {
    daemonPath = translator.translate(real);
    how =
      daemonPath === real
        ? 'the daemon sees it at the same path'
        : `the daemon's path is ${daemonPath}`;
  } catch (error) {
    const failure = error as AppError;
    const canProbeSamePath = input.own.mode === 'foreign-daemon' || input.own.mode === 'unknown';
    if (!canProbeSamePath || !input.imagePresent) {
      return {
        id: input.id,
        status: 'fail',
        title,
        message: failure.message,
        fix: failure.hint,
        details: { code: failure.code },
      };
    }
    // As the worker does: a probe may show the daemon sees the folder at the same path.
    daemonPath = real;
    how = 'no mount or HOST_PATH_MAP covers it; probed at the same path';
    samePathProbe = true;
  }
  if (!input.imagePresent) {
    return {
      id: input.id,
      status: 'warn',
      title,
      message: `${how}; not probed: the render image is missing`,
      fix: 'Run `npm run prepare-image`, then the doctor again.',
    };
  }
  const user = `${deps.identity.uid}:${deps.identity.gid}`;
  const probe = await engine.probeDirectory(real, daemonPath, user);
  const details = { workerPath: real, daemonPath, user, probe, samePathProbe };
  if (probe.seen && probe.written) {
    return {
      id: input.id,
      status: 'ok',
      title,
      message: `${how}; a render container running as ${user} read and wrote it`,
      details,
    };
  }
  if (!probe.seen) {
    return {
      id: input.id,
      status: 'fail',
      title,
      message: `${how}, but a render container does not see the worker's files there (${real} as the worker sees it, ${daemonPath} as the daemon does)${probe.output ? `: ${probe.output}` : ''}`,
      fix: `Mount the folder into the worker from the host (docker run -v <host dir>:${real}) or set HOST_PATH_MAP=${real}=<host dir>; on Docker Desktop, add the host folder under Settings → Resources → File sharing.`,
      details,
    };
  }
  return {
    id: input.id,
    status: 'fail',
    title,
    message: `${how}; a render container running as ${user} can read it but not write it${probe.output ? `: ${probe.output}` : ''}`,
    fix: `Give uid ${deps.identity.uid} write access to the folder on the host (chown ${user} <host dir>), or mount it read-write.`,
    details,
  };
}

async function redisChecks(
  deps: DoctorDeps,
  loaded: { config: Config } | undefined,
): Promise<DoctorCheck[]> {
  if (loaded === undefined) return [];
  const url = describeRedis(loaded.config);
  try {
    const version = await deps.redisVersion(loaded.config);
    return [{ id: 'redis', status: 'ok', title: 'Redis', message: `${version} answers at ${url}` }];
  } catch (error) {
    return [
      {
        id: 'redis',
        status: 'fail',
        title: 'Redis',
        message: `no answer at ${url}: ${(error as Error).message}`,
        fix: 'Start Redis (`npm run setup` starts a local one for a loopback REDIS_URL) or point REDIS_URL at a running one.',
      },
    ];
  }
}

/** An object store (STORAGE=s3) is checked by writing and removing a probe object. */
async function outputStoreChecks(
  deps: DoctorDeps,
  loaded: { config: Config } | undefined,
): Promise<DoctorCheck[]> {
  if (loaded === undefined || loaded.config.STORAGE !== 's3') return [];
  const title = 'output store';
  try {
    const { location } = await deps.checkOutputStore(loaded.config);
    return [
      { id: 'output-store', status: 'ok', title, message: `${location} can be written and read` },
    ];
  } catch (error) {
    return [
      {
        id: 'output-store',
        status: 'fail',
        title,
        message: (error as Error).message,
        fix: 'Start the object store or correct S3_ENDPOINT, S3_BUCKET (it must exist) and the S3_* credentials; see docs/object-storage.md.',
      },
    ];
  }
}

/** Checks that need what failed, reported as not done rather than dropped. */
function notChecked(reason: string, parts: string[]): DoctorCheck {
  return {
    id: 'not-checked',
    status: 'warn',
    title: 'not checked',
    message: `${parts.join(', ')}: ${reason}`,
    fix: 'Fix the problems above and run the doctor again.',
  };
}
