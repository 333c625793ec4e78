import { z } from 'zod';
import { parseHostPathMap } from './host-path-map';

/**
 * Every environment variable the service reads, with its default and meaning. The table is the
 * single source for parsing (load-config.ts) and for docs/configuration.md (write-config-docs.ts).
 */
export const QUALITIES = ['low', 'medium', 'high', 'production', '4k'] as const;
export const FORMATS = ['mp4', 'gif', 'webm', 'mov', 'png'] as const;
export type Quality = (typeof QUALITIES)[number];
export type OutputFormat = (typeof FORMATS)[number];

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const hostPathMap = z.string().transform((text, context) => {
  const parsed = parseHostPathMap(text);
  if (parsed.ok) return parsed.entries;
  for (const problem of parsed.problems) context.addIssue({ code: 'custom', message: problem });
  return z.NEVER;
});
/** Orders "0.22.0" before "0.19.0" before "0.9.1". */
export function compareVersionsNewestFirst(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const difference = (right[index] ?? 0) - (left[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

const VERSION_PATTERN = /^\d+\.\d+\.\d+$/;
const manimVersions = z.string().transform((text, context) => {
  const versions = [
    ...new Set(
      text
        .split(',')
        .map((version) => version.trim().replace(/^v/, ''))
        .filter((version) => version !== ''),
    ),
  ];
  const malformed = versions.filter((version) => !VERSION_PATTERN.test(version));
  if (versions.length === 0) {
    context.addIssue({ code: 'custom', message: 'lists no version' });
    return z.NEVER;
  }
  if (malformed.length > 0) {
    context.addIssue({
      code: 'custom',
      message: `${malformed.map((version) => JSON.stringify(version)).join(', ')} is not a version like 0.22.0`,
    });
    return z.NEVER;
  }
  return versions.sort(compareVersionsNewestFirst);
});
/** `host:port,host:port`; IPv6 hosts in brackets (`[::1]:26379`). */
const hostPortList = z.string().transform((text, context) => {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const addresses: Array<{ host: string; port: number }> = [];
  for (const entry of entries) {
    const match = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[2]);
    if (match?.[1] === undefined || port < 1 || port > 65535) {
      context.addIssue({ code: 'custom', message: `${JSON.stringify(entry)} is not host:port` });
      continue;
    }
    addresses.push({ host: match[1].replace(/^\[|\]$/g, ''), port });
  }
  return addresses;
});
const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

interface Variable<T extends z.ZodType> {
  schema: T;
  default: string | undefined;
  description: string;
}

function variable<T extends z.ZodType>(
  schema: T,
  defaultValue: string | undefined,
  description: string,
): Variable<T> {
  return { schema, default: defaultValue, description };
}

export const CONFIG_VARIABLES = {
  PORT: variable(port, '3001', 'Port the API listens on (0 picks a free port).'),
  HOST: variable(z.string().min(1), '0.0.0.0', 'Address the API binds to.'),
  REDIS_URL: variable(
    z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://'),
    'redis://127.0.0.1:6379',
    'Redis connection URL shared by the API and the worker (`redis://[user:password@]host:port[/database]`; `rediss://` for TLS). With REDIS_SENTINELS or REDIS_CLUSTER_NODES its host and port are not used.',
  ),
  REDIS_SENTINELS: variable(
    hostPortList,
    '',
    'Comma-separated `host:port` of Redis Sentinels, e.g. `sentinel-1:26379,sentinel-2:26379,sentinel-3:26379`. Set: the service asks them for the master of REDIS_SENTINEL_NAME and follows it through a failover, and REDIS_URL gives only the user, password, database and TLS (`rediss://`) of the Redis servers, not their address.',
  ),
  REDIS_SENTINEL_NAME: variable(
    z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only'),
    'mymaster',
    'The master group the sentinels monitor (`sentinel monitor <name> ...`).',
  ),
  REDIS_SENTINEL_PASSWORD: variable(
    z.string(),
    '',
    'Password of the sentinels themselves (`requirepass` in sentinel.conf); empty when they have none.',
  ),
  REDIS_CLUSTER_NODES: variable(
    hostPortList,
    '',
    'Comma-separated `host:port` of some nodes of a Redis Cluster, e.g. `redis-1:6379,redis-2:6379,redis-3:6379`; the rest are found from them. Set: the service talks to the cluster, REDIS_URL gives only the user, password and TLS (`rediss://`), and QUEUE_PREFIX must hold a hash tag such as `{manim}` so that every key of the service lands in one hash slot.',
  ),
  QUEUE_PREFIX: variable(
    z.string().regex(/^[A-Za-z0-9_{}.-]+$/, 'letters, digits, "_", "-", ".", "{" and "}" only'),
    'bull',
    "First part of every Redis key of the queues (BullMQ's `prefix`). Any other value than `bull` also goes in front of the service's own keys (`<QUEUE_PREFIX>:manim-render:<queue>:…`). On a Redis Cluster it must be a hash tag such as `{manim}`. Every API and worker of a deployment uses the same value.",
  ),
  QUEUE_NAME: variable(
    z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "_" and "-" only'),
    'manim-render',
    'Name of the BullMQ queue that carries render jobs.',
  ),
  OUTPUTS_DIR: variable(
    z.string().min(1),
    './outputs',
    'Where finished videos are kept, one folder per job (`<OUTPUTS_DIR>/<job id>/`).',
  ),
  TEMP_DIR: variable(
    z.string().min(1),
    './temp',
    'Scratch space for job folders while they render; emptied after each job.',
  ),
  STORAGE: variable(
    z.enum(['local', 's3']),
    'local',
    'Where finished videos are kept. `local`: in OUTPUTS_DIR, which the API and every worker must share. `s3`: in an S3 bucket (the S3_* settings), so that the API and the workers share nothing but Redis and the bucket.',
  ),
  S3_ENDPOINT: variable(
    z.union([z.literal(''), z.url({ protocol: /^https?$/ })]),
    '',
    'URL of the S3 server, e.g. `http://seaweedfs:8333`; empty for AWS S3 itself.',
  ),
  S3_REGION: variable(
    z.string().min(1),
    'us-east-1',
    'Region the requests are signed for; `auto` for Cloudflare R2, any name for servers without regions.',
  ),
  S3_BUCKET: variable(
    z.string(),
    '',
    'Bucket that keeps the videos (it must exist); needed with STORAGE=s3.',
  ),
  S3_PREFIX: variable(
    z.string().regex(/^([A-Za-z0-9._-]+\/)*$/, 'must be empty or end with "/", e.g. manim/'),
    '',
    'Key prefix inside the bucket, ending with `/`; a video is kept at `<S3_PREFIX><job id>/<file>`.',
  ),
  S3_ACCESS_KEY_ID: variable(
    z.string(),
    '',
    'Access key of the bucket. Empty: the AWS SDK looks for credentials itself (AWS_* variables, instance or task roles).',
  ),
  S3_SECRET_ACCESS_KEY: variable(z.string(), '', 'Secret of S3_ACCESS_KEY_ID.'),
  S3_FORCE_PATH_STYLE: variable(
    boolean,
    'true',
    'Address the bucket in the path (`<endpoint>/<bucket>/<key>`), as self-hosted servers (SeaweedFS, MinIO, Ceph RGW) need; `false` for virtual-hosted names (`<bucket>.<endpoint>`).',
  ),
  S3_DOWNLOAD: variable(
    z.enum(['proxy', 'redirect']),
    'proxy',
    'How the video route serves a file in the bucket. `proxy`: the API streams it (ranges included), so clients need to reach only the API and links work as long as the job. `redirect`: 302 to a presigned URL of the bucket, which takes the traffic off the API but needs a bucket clients can reach (see S3_PUBLIC_ENDPOINT).',
  ),
  S3_PUBLIC_ENDPOINT: variable(
    z.union([z.literal(''), z.url({ protocol: /^https?$/ })]),
    '',
    'With S3_DOWNLOAD=redirect: the S3 endpoint as clients reach it, when it differs from S3_ENDPOINT (e.g. `https://files.example.org` for `http://seaweedfs:8333`).',
  ),
  S3_PRESIGN_SECONDS: variable(
    positiveInt.max(7 * 24 * 3600),
    '300',
    'How long a presigned download URL stays valid, in seconds.',
  ),
  S3_UPLOAD_ATTEMPTS: variable(
    positiveInt.max(20),
    '5',
    'Attempts to upload a finished video while the store cannot be reached, 1 s apart and then twice as long each time; after the last the job fails with `output_store_unavailable`.',
  ),
  MANIM_VERSIONS: variable(
    manimVersions,
    '0.22.0,0.19.0',
    "Manim Community versions this deployment renders with, separated by commas. A request picks one with `manimVersion`; a request that names none gets the newest. Each version has its own render image: built locally from backend/render-image/Dockerfile and the version's lock file (`requirements/manim-<version>.txt`; `npm run lock -- <version>` makes one), or named by RENDER_IMAGE. Set-up builds the images of these versions only.",
  ),
  RENDER_IMAGE: variable(
    z.string(),
    '',
    'Docker image that renders scenes, with `{version}` where the Manim version goes: `manimcommunity/manim:v{version}` runs the official images as drop-ins. Without `{version}` it serves exactly one version (MANIM_VERSIONS must list only that one). Empty: the images built from backend/render-image/Dockerfile, one per version, tagged by a hash of the recipe and the lock file.',
  ),
  RENDER_IMAGE_CJK_LATEX: variable(
    boolean,
    'false',
    "Build the local render images with XeLaTeX, ctex and the packages Manim's ctex template loads, so that `Tex` and `MathTex` typeset Chinese (`tex_template=TexTemplateLibrary.ctex`). About 2.6 GB more per machine (one layer, shared by every version). `Text` draws CJK either way.",
  ),
  RENDER_IMAGE_PULL_POLICY: variable(
    z.enum(['missing', 'never']),
    'missing',
    'What happens when RENDER_IMAGE is not on the engine. `missing`: the worker pulls it in the background and takes no jobs meanwhile (they wait in the queue); a failed pull is reported in `/ready` and tried again with backoff; `npm run prepare-image` pulls it too. `never`: nothing pulls it, and jobs fail with image_missing until it is there. The local image (RENDER_IMAGE empty) is built by `npm run prepare-image`, never pulled.',
  ),
  RENDER_IMAGE_PULL_STALL_SECONDS: variable(
    positiveInt,
    '120',
    'A pull of RENDER_IMAGE that reports no progress for this long is aborted and fails with image_missing, naming the registry.',
  ),
  RENDER_USER: variable(
    z.string().regex(/^(auto|\d+:\d+)$/, 'must be "auto" or "<uid>:<gid>"'),
    'auto',
    "User the render container runs as. `auto`: the worker's own uid:gid, or 1000:1000 when the worker runs as root.",
  ),
  RENDER_RUNTIME: variable(
    z
      .string()
      .regex(/^[A-Za-z0-9._-]*$/, 'a runtime name such as runsc: letters, digits, ".", "_", "-"'),
    '',
    "The container runtime of render, warm and helper containers: empty for the engine's default (usually runc), `runsc` for gVisor (a second boundary between scene code and the host kernel, see docs/security.md), or any runtime the engine lists in `docker info`. The worker waits, taking no jobs, while its engine lacks it.",
  ),
  RENDER_ROOT_RETRY: variable(
    boolean,
    'true',
    'When a render fails because it may not write its job folder, run it once more as root (with only the capabilities to write and to hand every file back to the folder owner). Never tried for read-only mounts, user namespaces or SELinux, where root cannot help.',
  ),
  WORKER_CONTAINER: variable(
    z.string().trim(),
    '',
    'Id or name of the container the worker runs in, when it runs in one. Empty: detected from /proc and the hostname. Its mounts tell the worker which host paths to give render containers.',
  ),
  HOST_PATH_MAP: variable(
    hostPathMap,
    '',
    "Host directories behind the worker's folders, for a worker in a container the Docker daemon cannot identify or whose mounts do not cover them: `<worker dir>=<host dir>` pairs separated by `;`, e.g. `/app/outputs=/srv/manim/outputs;/app/temp=/srv/manim/temp`. A deeper mount of the worker container wins over an entry.",
  ),
  JOB_FILE_TRANSFER: variable(
    z.enum(['auto', 'mount', 'copy']),
    'auto',
    "How a job's files reach its render container. `mount`: the job folder is bind-mounted (its daemon-side path worked out as above). `copy`: the scene goes in and the output comes back through the Docker API, for a daemon that cannot see the worker's files (a remote `DOCKER_HOST`, a Docker-in-Docker sidecar, `TEMP_DIR` on a tmpfs or in the container's own file system). `auto`: mount when the daemon can see `TEMP_DIR`, copy otherwise.",
  ),
  WORKER_CONCURRENCY: variable(positiveInt, '2', 'Render containers one worker runs at once.'),
  WARM_POOL_SIZE: variable(
    z.coerce.number().int().min(0).max(16),
    '0',
    'Render containers each worker keeps started ahead, with Manim already imported, so that a job skips starting a container and importing Manim (about half a second per job on a quiet machine). Each serves exactly one job and is then removed; the worker starts a replacement at once. An idle one holds about 80 MiB of memory and no CPU, on top of the running renders; it has the same limits as any render container. 0 turns the pool off. See docs/performance.md.',
  ),
  SPLIT_MAX_CHUNKS: variable(
    z.coerce.number().int().min(1).max(32),
    '4',
    'The most ranges of plays one render is split into, each rendered by its own container on any worker (request field `chunks`, see docs/split-rendering.md). 1 renders every job in one container.',
  ),
  PLAY_REUSE: variable(
    z.enum(['keys', 'everyone', 'off']),
    'keys',
    'Which jobs reuse the plays earlier jobs rendered, drawing only plays whose frames are new (docs/split-rendering.md): `keys`, the jobs of one API key (none while the API is open); `everyone`, on an open API, all jobs as one tenant; `off`, none. Plays are never shared between API keys: a scene can write any file of its media folder.',
  ),
  PLAY_CACHE_MB: variable(
    z.coerce.number().int().min(1),
    '2048',
    'The most megabytes of reused plays kept per tenant (API key); the plays used longest ago go first.',
  ),
  RENDER_TIMEOUT_SECONDS: variable(
    positiveInt,
    '300',
    'Wall-clock limit of a render that names no `timeout`; the container is killed when it is reached.',
  ),
  MAX_RENDER_TIMEOUT_SECONDS: variable(
    positiveInt,
    '900',
    'Largest `timeout` a request may ask for, in seconds.',
  ),
  MAX_QUALITY: variable(
    z.enum(QUALITIES),
    'production',
    'Highest quality a request may ask for (low < medium < high < production < 4k).',
  ),
  MAX_FPS: variable(positiveInt.max(120), '60', 'Highest frame rate a request may ask for.'),
  MAX_WIDTH: variable(
    positiveInt.max(7680),
    '3840',
    'Widest `resolution` a request may ask for, in pixels.',
  ),
  MAX_HEIGHT: variable(
    positiveInt.max(4320),
    '2160',
    'Tallest `resolution` a request may ask for, in pixels.',
  ),
  RENDER_MEMORY_MB: variable(
    positiveInt,
    '4096',
    'Memory limit of a render container in MiB (swap is not allowed on top).',
  ),
  RENDER_CPUS: variable(
    z.coerce.number().positive().max(256),
    '2',
    'CPU limit of a render container, in cores (fractions allowed).',
  ),
  RENDER_PIDS_LIMIT: variable(
    positiveInt,
    '512',
    'Most processes and threads a render container may have.',
  ),
  RENDER_MAX_OUTPUT_MB: variable(
    positiveInt,
    '1024',
    'Largest file a render may write, in MiB; a render that needs more fails with output_too_large.',
  ),
  JOB_FOLDER_MAX_MB: variable(
    positiveInt,
    '4096',
    "Most a render may write into its job folder altogether, in MiB (the video, Manim's partial movie files and caches, anything the scene writes). The worker measures the folder every half second and stops a render over it with job_folder_too_large; the folder is then removed.",
  ),
  JOB_FOLDER_MAX_FILES: variable(
    positiveInt,
    '20000',
    'Most files and folders a render may create in its job folder. The worker measures the folder every half second and stops a render over it with job_folder_too_many_files; the folder is then removed.',
  ),
  RENDER_TMPFS_MB: variable(
    positiveInt,
    '256',
    'Size of the writable /tmp of a render container in MiB (its root file system is read-only).',
  ),
  MAX_CODE_BYTES: variable(
    positiveInt,
    '200000',
    'Largest scene code accepted, in bytes, inline or uploaded; larger requests get 413.',
  ),
  MAX_ASSET_FILES: variable(
    z.coerce.number().int().min(0).max(10_000),
    '100',
    'Most files a render request may send beside its scene (images, sounds, fonts, data, Python modules), in `assets` or inside a `project` archive; 0 accepts scene code only.',
  ),
  MAX_ASSET_FILE_MB: variable(
    z.coerce.number().positive().max(1024),
    '10',
    'Largest single asset file, in MiB (fractions allowed); also the limit of one entry of a `project` archive once unpacked.',
  ),
  MAX_ASSETS_TOTAL_MB: variable(
    z.coerce.number().positive().max(4096),
    '25',
    'Largest total of the asset files of one request, in MiB (fractions allowed), counted unpacked for a `project` archive; the archive itself may be no larger either.',
  ),
  MAX_QUEUED_JOBS: variable(
    positiveInt,
    '1000',
    'Most jobs that may wait in the queue; beyond it new requests get 503 with Retry-After.',
  ),
  MIN_FREE_DISK_MB: variable(
    z.coerce.number().int().min(0),
    '1024',
    'New requests are refused (507) while the disk holding OUTPUTS_DIR has less free space than this, in MiB; 0 turns the check off.',
  ),
  DEFAULT_QUALITY: variable(z.enum(QUALITIES), 'medium', 'Quality used when a request names none.'),
  DEFAULT_FORMAT: variable(z.enum(FORMATS), 'mp4', 'Format used when a request names none.'),
  JOB_LOCK_SECONDS: variable(
    positiveInt,
    '30',
    'A job whose worker has not renewed its lock for this long (a worker that died) goes back to the queue and is rendered again; a second time, it fails.',
  ),
  SHUTDOWN_GRACE_SECONDS: variable(
    z.coerce.number().int().min(0),
    '20',
    'On SIGTERM, how long a worker lets running renders finish before it stops them and returns their jobs to the queue.',
  ),
  JOB_RETENTION_HOURS: variable(
    positiveInt,
    '168',
    'How long finished jobs are kept, in hours: their records in Redis and their files in OUTPUTS_DIR (removed by the worker once older).',
  ),
  LOG_LEVEL: variable(
    z.enum(['error', 'warn', 'info', 'debug']),
    'info',
    'Least severe log level written (JSON lines on stdout).',
  ),
  API_KEYS: variable(
    z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((key) => key.trim())
          .filter((key) => key !== ''),
      )
      .refine(
        (keys) => keys.every((key) => key.length >= 16),
        'every key needs 16 characters or more',
      ),
    '',
    'Comma-separated API keys. Empty: the API is open and every caller sees every job. Otherwise every /api route needs one, in `Authorization: Bearer <key>` or `X-API-Key`, and each key is a tenant: it sees and touches only the jobs it submitted (docs/security.md). A key in the query string is refused; browsers load videos, posters and event streams through the signed `browserLinks` of a job.',
  ),
  ADMIN_API_KEY: variable(
    z.string().refine((key) => key === '' || key.length >= 16, 'needs 16 characters or more'),
    '',
    'Key for the admin pages (`/admin/queues`), as the password of HTTP Basic auth or like an API key; on /api it sees every job. Empty: the admin pages are closed, whether or not the API is open.',
  ),
  ADMIN_READ_ONLY: variable(
    boolean,
    'false',
    'The queue dashboard shows the queues and their jobs but cannot pause, clean, retry, promote or remove anything.',
  ),
  CACHE_SCOPE: variable(
    z.enum(['tenant', 'global']),
    'tenant',
    'Who an identical earlier render answers (the request field `cache`): `tenant`, requests of the same API key only; `global`, any key, each getting a job of its own with a copy of the finished file (a render still under way is shared within a key only). With `global`, a quick answer tells a key that somebody rendered the same code before (docs/security.md).',
  ),
  MEDIA_TOKEN_SECRET: variable(
    z.string().refine((key) => key === '' || key.length >= 32, 'needs 32 characters or more'),
    '',
    "Secret that signs the tokens of a job's `browserLinks`; every API process of a deployment needs the same. Empty: a random secret is made once and kept in Redis. Changing it makes every token handed out so far invalid.",
  ),
  MEDIA_TOKEN_TTL_SECONDS: variable(
    z.coerce
      .number()
      .int()
      .min(30)
      .max(7 * 24 * 3600),
    '3600',
    "How long a token of a job's `browserLinks` opens its route, in seconds; reading the job again hands out fresh ones.",
  ),
  RATE_LIMIT_RENDERS_PER_MINUTE: variable(
    z.coerce.number().int().min(0),
    '30',
    'Render requests one API key (or, without keys, one client address) may send per minute; 0 turns the limit off.',
  ),
  RATE_LIMIT_REQUESTS_PER_MINUTE: variable(
    z.coerce.number().int().min(0),
    '600',
    'Requests of any kind to /api one API key or client address may send per minute; 0 turns the limit off.',
  ),
  TRUST_PROXY: variable(boolean, 'false', 'Trust X-Forwarded-* headers (behind a reverse proxy).'),
  WEBHOOK_SECRET: variable(
    z.string().refine((key) => key === '' || key.length >= 16, 'needs 16 characters or more'),
    '',
    'Shared secret that signs webhook requests (`X-Manim-Signature: sha256=<HMAC-SHA256 of "<timestamp>.<body>">`). Empty: webhooks are sent unsigned and the worker warns at start.',
  ),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: variable(
    boolean,
    'false',
    'Let `callbackUrl` point to loopback, private, link-local, unique-local, CGNAT and other non-public addresses (and `localhost`). Only for webhook receivers on your own network.',
  ),
  WEBHOOK_TIMEOUT_SECONDS: variable(
    positiveInt.max(120),
    '10',
    'Time one webhook attempt may take, connecting and answering included; longer counts as a failed attempt.',
  ),
  WEBHOOK_MAX_ATTEMPTS: variable(
    positiveInt.max(25),
    '10',
    'Attempts per webhook delivery, the first included; a delivery whose attempts all fail is marked failed.',
  ),
  WEBHOOK_RETRY_BASE_SECONDS: variable(
    z.coerce.number().positive().max(3600),
    '10',
    'Delay before the second webhook attempt, in seconds (fractions allowed); it doubles for every further attempt.',
  ),
} as const;

type Variables = typeof CONFIG_VARIABLES;
export type Config = { [K in keyof Variables]: z.output<Variables[K]['schema']> };
export type ConfigVariableName = keyof Variables;
