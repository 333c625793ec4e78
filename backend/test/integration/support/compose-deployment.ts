import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, lstat, mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './redis-server';
import { waitUntil } from './wait-until';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(__dirname, '../../../..');
/** Enough for any command's output, a full image build's included. */
const MAX_OUTPUT = 256 * 1024 * 1024;

/** Runs a command; a failure carries its output, so that the test says what went wrong. */
export async function runCommand(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  try {
    const { stdout } = await run(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 0,
      maxBuffer: MAX_OUTPUT,
    });
    return stdout;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(' ')} failed: ${failed.message}\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`,
    );
  }
}

/**
 * The files of this checkout as a fresh clone would have them, with the working tree's contents:
 * tracked and untracked files that .gitignore does not exclude (no node_modules, dist, .env,
 * outputs), copied to `target`.
 */
export async function copyCheckout(target: string): Promise<void> {
  const listed = await runCommand(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    { cwd: REPO_ROOT },
  );
  for (const file of listed.split('\0').filter((name) => name !== '')) {
    const source = path.join(REPO_ROOT, file);
    // Listed but deleted in the working tree.
    const found = await lstat(source).catch(() => undefined);
    if (found === undefined || found.isDirectory()) continue;
    await mkdir(path.dirname(path.join(target, file)), { recursive: true });
    await cp(source, path.join(target, file), { verbatimSymlinks: true });
  }
}

/** `docker compose` where the plugin is installed, else docker-compose; throws when neither is. */
export async function composeCommand(): Promise<string[]> {
  for (const command of [['docker', 'compose'], ['docker-compose']]) {
    const [program = '', ...args] = command;
    const works = await runCommand(program, [...args, 'version']).then(
      () => true,
      () => false,
    );
    if (works) return command;
  }
  throw new Error(
    "Docker Compose is missing (neither `docker compose` nor `docker-compose` works). Run `bash scripts/setup.sh --for-tests`: as root it installs Debian's docker-compose.",
  );
}

/** One compose project in a checkout: `compose -p <name>` with the given extra environment. */
export class ComposeProject {
  constructor(
    private readonly command: string[],
    readonly dir: string,
    readonly name: string,
    private readonly env: Record<string, string>,
  ) {}

  run(args: string[], timeoutMs = 600_000): Promise<string> {
    const [program = '', ...rest] = this.command;
    return runCommand(program, [...rest, '-p', this.name, ...args], {
      cwd: this.dir,
      env: { ...process.env, ...this.env },
      timeoutMs,
    });
  }

  /** The id of the service's container. */
  async containerId(service: string): Promise<string> {
    const id = (await this.run(['ps', '-q', service])).trim();
    if (id === '') throw new Error(`compose project ${this.name} has no ${service} container`);
    return id;
  }

  /** Containers, networks and volumes go; images stay as the next run's cache. */
  async down(): Promise<void> {
    await this.run(['down', '--volumes', '--remove-orphans', '--timeout', '30']);
  }
}

/**
 * Removes a test checkout. The files the worker wrote belong to its uid; where this process may
 * not remove them, a root container of `image` does.
 */
export async function removeCheckout(root: string, image: string): Promise<void> {
  try {
    await rm(root, { recursive: true, force: true });
  } catch {
    await runCommand('docker', [
      'run',
      '--rm',
      '--network',
      'none',
      '--user',
      '0',
      '--volume',
      `${root}:/cleanup`,
      image,
      'find',
      '/cleanup',
      '-mindepth',
      '1',
      '-delete',
    ]);
    await rm(root, { recursive: true, force: true });
  }
  if (existsSync(root)) throw new Error(`${root} could not be removed`);
}

/** A deployment the way a user starts one, in a copy of the checkout of its own. */
export interface ComposeDeployment {
  /** The temporary folder that holds the copy. */
  root: string;
  checkout: string;
  project: ComposeProject;
  /** The API on its published port. */
  url: string;
}

/**
 * Copies the checkout, runs scripts/setup-docker-in-docker.sh with `setupArgs`, `up -d` on a free
 * port under the project `name` (which is also its queue: workers remove the render containers of
 * their queue whose worker they do not know), and resolves once the API reports ready.
 */
export async function startComposeDeployment(options: {
  name: string;
  setupArgs?: string[];
  setupTimeoutMs: number;
}): Promise<ComposeDeployment> {
  const command = await composeCommand();
  const root = await realpath(await mkdtemp(path.join(tmpdir(), `${options.name}-`)));
  const checkout = path.join(root, 'checkout');
  await copyCheckout(checkout);
  await writeFile(path.join(checkout, '.env'), `QUEUE_NAME=${options.name}\n`);
  await runCommand('bash', ['scripts/setup-docker-in-docker.sh', ...(options.setupArgs ?? [])], {
    cwd: checkout,
    timeoutMs: options.setupTimeoutMs,
  });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const project = new ComposeProject(command, checkout, options.name, { API_PORT: String(port) });
  await project.run(['up', '-d']);
  // Nothing announces readiness but the API itself: ask it until a worker has registered. While
  // the container starts, the published port accepts connections that never answer, and such
  // a fetch never settles: each probe has a deadline of its own.
  await waitUntil(
    'the API reports ready',
    () =>
      fetch(`${url}/ready`, { signal: AbortSignal.timeout(5_000) }).then(
        (response) => response.status,
        () => 0,
      ),
    (status) => status === 200,
    { everyMs: 500, timeoutMs: 120_000 },
  );
  return { root, checkout, project, url };
}
