import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DoctorReport } from '../../src/doctor/doctor-report';
import { DockerSocketProxy, engineSocketPath } from './support/docker-socket-proxy';
import { testEnvironment } from './support/test-environment';

const DOCTOR = path.resolve(__dirname, '../../../dist/backend/src/cli/doctor.js');

/** Runs the compiled `npm run doctor` with the given environment; resolves with what it printed. */
function runDoctor(
  env: Record<string, string>,
  options: { args?: string[]; uid?: number; gid?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DOCTOR, ...(options.args ?? [])], {
      env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run doctor', () => {
  let root: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    if (!existsSync(DOCTOR)) throw new Error(`${DOCTOR} is missing: run \`npm run build\` first`);
    root = await mkdtemp(path.join(tmpdir(), 'manim-doctor-'));
    await mkdir(path.join(root, 'outputs'));
    await mkdir(path.join(root, 'temp'));
    const environment = testEnvironment();
    env = {
      REDIS_URL: environment.redisUrl,
      RENDER_IMAGE: environment.renderImageSetting,
      MANIM_VERSIONS: environment.manimVersions,
      OUTPUTS_DIR: path.join(root, 'outputs'),
      TEMP_DIR: path.join(root, 'temp'),
    };
  });
  afterAll(async () => {
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  it('passes against the real engine and Redis, probing both folders through a render container', async () => {
    const { code, stdout } = await runDoctor(env);

    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'ok    configuration: valid',
        expect.stringMatching(/^ok {4}socket .*docker\.sock: .* may use it/),
        expect.stringMatching(/^ok {4}Docker Engine: .*\(API \d+\.\d+, .*\) answers at /),
        expect.stringMatching(/^ok {4}engine security: /),
        ...testEnvironment().images.map(
          (image) => `ok    render image (Manim ${image.manimVersion}): ${image.name} is present`,
        ),
        expect.stringMatching(/^ok {4}worker container: /),
        expect.stringMatching(
          new RegExp(
            `^ok {4}OUTPUTS_DIR ${env.OUTPUTS_DIR}: .*a render container running as \\d+:\\d+ read and wrote it$`,
          ),
        ),
        expect.stringMatching(/^ok {4}TEMP_DIR .*read and wrote it$/),
        expect.stringMatching(new RegExp(`^ok {4}Redis: .* answers at ${env.REDIS_URL}$`)),
      ]),
    );
    expect(lines.filter((line) => line.startsWith('FAIL'))).toEqual([]);
    // The probes leave nothing behind.
    expect(existsSync(path.join(root, 'outputs'))).toBe(true);
  });

  it('prints the same checks as JSON with --json', async () => {
    const { code, stdout } = await runDoctor(env, { args: ['--json'] });

    expect(code).toBe(0);
    const report = JSON.parse(stdout) as DoctorReport;
    expect(report.ok).toBe(true);
    expect(report.checks.map((check) => check.id)).toEqual(
      expect.arrayContaining([
        'config',
        'socket',
        'engine',
        ...testEnvironment().images.map((image) => `image-${image.manimVersion}`),
        'outputs-dir',
        'temp-dir',
        'redis',
      ]),
    );
    const outputs = report.checks.find((check) => check.id === 'outputs-dir');
    expect(outputs?.details).toMatchObject({ probe: { seen: true, written: true } });
  });

  it('fails with the not-mounted line when DOCKER_HOST names a socket that does not exist', async () => {
    const { code, stdout } = await runDoctor({ ...env, DOCKER_HOST: 'unix:///nonexistent.sock' });

    expect(code).not.toBe(0);
    expect(stdout).toContain(
      'FAIL  socket /nonexistent.sock: /nonexistent.sock does not exist (DOCKER_HOST): no Docker Engine socket there',
    );
    expect(stdout).toMatch(/\n {6}fix: .*-v \/var\/run\/docker\.sock:\/var\/run\/docker\.sock/);
    expect(stdout).toMatch(/^FAIL {2}Docker Engine: does not answer at \/nonexistent\.sock/m);
    expect(stdout).toMatch(
      /^warn {2}not checked: .*OUTPUTS_DIR, TEMP_DIR: the Docker Engine does not answer$/m,
    );
    expect(stdout).toMatch(/^ok {4}Redis: /m);
  });

  it('fails when Redis does not answer', async () => {
    const { code, stdout } = await runDoctor({ ...env, REDIS_URL: 'redis://127.0.0.1:1' });

    expect(code).not.toBe(0);
    expect(stdout).toMatch(
      /^FAIL {2}Redis: no answer at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/m,
    );
  });

  // Needs root to start the doctor as another user.
  (process.getuid?.() === 0 ? it : it.skip)(
    "names the socket's gid and the group_add fix for a user outside the socket's group",
    async () => {
      const proxy = new DockerSocketProxy(path.join(root, 'docker.sock'), await engineSocketPath());
      await proxy.start();
      try {
        // The other user must be able to reach the socket inside the test's folder.
        await chmod(root, 0o711);
        await chown(proxy.path, 0, 4242);
        await chmod(proxy.path, 0o660);
        const asUser = { ...env, DOCKER_HOST: proxy.dockerHost };

        const outside = await runDoctor(asUser, { uid: 1001, gid: 1001 });
        expect(outside.code).not.toBe(0);
        expect(outside.stdout).toContain(
          `FAIL  socket ${proxy.path}: ${proxy.path} is root:4242 (gid 4242, mode srw-rw----) and uid 1001 (groups 1001) is not in group 4242`,
        );
        expect(outside.stdout).toContain("fix: Add group_add: ['4242'] to the worker service");

        // In the group, the socket line passes; the folders belong to root, so they are not
        // probed here.
        await chown(proxy.path, 0, 1001);
        const inside = await runDoctor(asUser, { uid: 1001, gid: 1001 });
        expect(inside.stdout).toMatch(/^ok {4}socket .*may use it \(as group\)$/m);
        expect(inside.stdout).toMatch(/^ok {4}Docker Engine: /m);
      } finally {
        await proxy.stop();
      }
    },
  );
});
