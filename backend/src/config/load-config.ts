import { CONFIG_VARIABLES, QUALITIES, type Config, type ConfigVariableName } from './config-schema';

/**
 * A configuration that cannot be used, every problem listed. It has the shape of the service's
 * AppError (code, message, hint, details) without depending on it: the configuration depends on
 * nothing of ours.
 */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
  readonly status = 500;
  readonly hint = 'Fix the listed environment variables (see docs/configuration.md).';
  readonly details: { problems: string[] };

  constructor(problems: string[]) {
    super(`Invalid configuration: ${problems.join(', ')}`);
    this.name = 'ConfigError';
    this.details = { problems };
  }
}

/**
 * Parses the environment once at start. Every bad variable is listed in one error, so a
 * misconfigured deployment is fixed in one round.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, variable] of Object.entries(CONFIG_VARIABLES)) {
    const raw = env[name] ?? variable.default;
    const parsed = variable.schema.safeParse(raw);
    if (parsed.success) {
      values[name] = parsed.data;
    } else {
      const reason = parsed.error.issues.map((issue) => issue.message).join('; ');
      problems.push(`${name}=${JSON.stringify(raw ?? '')}: ${reason}`);
    }
  }
  if (problems.length === 0) problems.push(...crossFieldProblems(values as Config));
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return values as Config;
}

/** The lowest pids limit a gVisor render container keeps working with, with room to spare. */
const GVISOR_MIN_PIDS = 256;

/** Settings that are fine alone but not together (defaults above caps, a store without a bucket). */
function crossFieldProblems(config: Config): string[] {
  const problems: string[] = [];
  if (config.RENDER_TIMEOUT_SECONDS > config.MAX_RENDER_TIMEOUT_SECONDS) {
    problems.push(
      `RENDER_TIMEOUT_SECONDS=${config.RENDER_TIMEOUT_SECONDS} is above MAX_RENDER_TIMEOUT_SECONDS=${config.MAX_RENDER_TIMEOUT_SECONDS}`,
    );
  }
  if (QUALITIES.indexOf(config.DEFAULT_QUALITY) > QUALITIES.indexOf(config.MAX_QUALITY)) {
    problems.push(
      `DEFAULT_QUALITY=${config.DEFAULT_QUALITY} is above MAX_QUALITY=${config.MAX_QUALITY}`,
    );
  }
  if (config.RENDER_IMAGE !== '' && !config.RENDER_IMAGE.includes('{version}')) {
    if (config.MANIM_VERSIONS.length > 1) {
      problems.push(
        `RENDER_IMAGE=${config.RENDER_IMAGE} names one image, but MANIM_VERSIONS lists ${config.MANIM_VERSIONS.join(', ')}: put {version} where the version goes (e.g. manimcommunity/manim:v{version}), or set MANIM_VERSIONS to the one version the image has`,
      );
    }
  }
  if (config.STORAGE === 's3' && config.S3_BUCKET === '') {
    problems.push('STORAGE=s3 needs S3_BUCKET, the bucket that keeps the videos');
  }
  if ((config.S3_ACCESS_KEY_ID === '') !== (config.S3_SECRET_ACCESS_KEY === '')) {
    problems.push(
      'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both, or neither to let the AWS SDK find credentials',
    );
  }
  if (config.RENDER_RUNTIME === 'runsc' && config.RENDER_PIDS_LIMIT < GVISOR_MIN_PIDS) {
    problems.push(
      `RENDER_PIDS_LIMIT=${config.RENDER_PIDS_LIMIT} is too low for RENDER_RUNTIME=runsc: under gVisor the limit counts gVisor's own threads (about 60 for a render) and a render that reaches it is killed with its sandbox; set ${GVISOR_MIN_PIDS} or more (scene processes are then bounded by RENDER_MEMORY_MB)`,
    );
  }
  problems.push(...redisProblems(config));
  return problems;
}

function redisProblems(config: Config): string[] {
  if (config.REDIS_CLUSTER_NODES.length === 0) return [];
  const problems: string[] = [];
  if (config.REDIS_SENTINELS.length > 0) {
    problems.push(
      'REDIS_CLUSTER_NODES and REDIS_SENTINELS are both set: a deployment uses either a Redis Cluster or a sentinel group, so remove one',
    );
  }
  if (!/\{[^{}]+\}/.test(config.QUEUE_PREFIX)) {
    problems.push(
      `QUEUE_PREFIX=${config.QUEUE_PREFIX} has no hash tag, but REDIS_CLUSTER_NODES is set: a queue's keys must share one hash slot of the cluster, so set QUEUE_PREFIX to a tag in braces such as {manim}`,
    );
  }
  const database = new URL(config.REDIS_URL).pathname.replace(/^\//, '');
  if (database !== '' && database !== '0') {
    problems.push(
      `REDIS_URL names database ${database}, but a Redis Cluster has only database 0: remove /${database} from REDIS_URL`,
    );
  }
  return problems;
}

export function configVariableNames(): ConfigVariableName[] {
  return Object.keys(CONFIG_VARIABLES) as ConfigVariableName[];
}
