import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestService, type TestService } from './support/test-service';

const REPO_ROOT = path.resolve(__dirname, '../../..');
const SCHEMATHESIS = path.join(REPO_ROOT, '.cache/schemathesis/venv/bin/st');
const SUPPORT = path.join(__dirname, 'support/schemathesis');

/** Runs Schemathesis and resolves with its exit code and output, whatever the code. */
function schemathesis(args: string[], cwd: string): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      SCHEMATHESIS,
      args,
      {
        // It keeps a cache of its findings in the working directory.
        cwd,
        env: process.env,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const exitCode = error === null ? 0 : (error as { code?: unknown }).code;
        if (typeof exitCode !== 'number') return reject(error ?? new Error('no exit code'));
        resolve({ exitCode, output: `${stdout}${stderr}` });
      },
    );
  });
}

/** A fresh seed each run, or the one in SCHEMATHESIS_SEED to replay a run. */
const SEED =
  process.env.SCHEMATHESIS_SEED ?? BigInt(`0x${randomBytes(12).toString('hex')}`).toString();

// No worker: renders stay queued, and every route still answers as its description says.
describe('the API against its OpenAPI description', () => {
  let service: TestService;
  let workDir: string;

  beforeAll(async () => {
    if (!existsSync(SCHEMATHESIS)) {
      throw new Error(
        `Schemathesis is missing at ${SCHEMATHESIS}; npm test installs it (scripts/setup.sh --for-tests)`,
      );
    }
    service = await startTestService({ worker: false });
    workDir = mkdtempSync(path.join(tmpdir(), 'schemathesis-'));
  });
  afterAll(async () => {
    await service?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it(`passes every Schemathesis check in every phase, stateful included (seed ${SEED})`, async () => {
    const run = await schemathesis(
      [
        '--config-file',
        path.join(SUPPORT, 'schemathesis.toml'),
        '--no-color',
        'run',
        `${service.url}/api/openapi.json`,
        '--checks',
        'all',
        // Schemathesis takes a successful DELETE to remove its resource; here DELETE cancels the
        // job, which stays readable as cancelled, as the description says.
        '--exclude-checks',
        'use_after_free',
        '--seed',
        SEED,
        // Each run stands alone: no findings of earlier runs are replayed.
        '--generation-database',
        'none',
        '--continue-on-failure',
      ],
      workDir,
    );
    // On failure the report names each check, the request and a curl line to repeat it.
    expect({
      exitCode: run.exitCode,
      report:
        run.exitCode === 0
          ? ''
          : `Replay: SCHEMATHESIS_SEED=${SEED} npx jest --selectProjects integration --testPathPatterns api-fuzzing\n${run.output}`,
    }).toEqual({ exitCode: 0, report: '' });
    expect(run.output).toMatch(/Stateful/);
  }, 600_000);
});
