import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { loadConfig } from '../../src/config/load-config';
import { discoverDaemonPaths } from '../../src/job-folders/daemon-paths/daemon-paths';
import type { Logger } from '../../src/logging/logger';
import { testEnvironment } from './support/test-environment';

interface LogLine {
  level: string;
  message: string;
  meta: Record<string, unknown>;
}

/** A logger that keeps what it is told, for assertions. */
function recordingLogger(lines: LogLine[]): Logger {
  const at =
    (level: string) =>
    (message: string, meta: Record<string, unknown> = {}) =>
      lines.push({ level, message, meta });
  const logger = {
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    debug: at('debug'),
    child: () => logger,
  };
  return logger as unknown as Logger;
}

/**
 * Deployment 1: the worker straight on the machine that runs the Docker daemon. Its paths are the
 * daemon's, unchanged. On a machine that only looks like a container (a `/.dockerenv` with no
 * container id behind it, as in some sandboxes) detection cannot say `host`, and a probe
 * container shows that the daemon sees the job folders at the same path.
 */
describe('a worker on the Docker host', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'manim-host-paths-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('gives the daemon its job folder paths unchanged and logs how it decided', async () => {
    const tempDir = path.join(root, 'temp');
    const lines: LogLine[] = [];
    const paths = await discoverDaemonPaths({
      docker: new Docker(),
      config: loadConfig({ TEMP_DIR: tempDir }),
      logger: recordingLogger(lines),
      image: testEnvironment().image,
      owner: {
        queueName: 'host-paths-test',
        scope: 'host-paths-test',
        workerId: 'host-paths-test',
      },
      probeUser: `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`,
    });
    const jobDir = path.join(tempDir, 'job-1');
    await mkdir(jobDir);

    expect(await paths.toDaemonPath(jobDir)).toBe(await realpath(jobDir));
    const decided = lines.find((line) => line.message === 'worker paths for the Docker daemon');
    expect(decided?.level).toBe('info');
    if (existsSync('/.dockerenv') || existsSync('/run/.containerenv')) {
      expect(paths.mode).toBe('unknown');
      expect(decided?.meta.how).toContain('a probe container saw');
    } else {
      expect(paths.mode).toBe('host');
      expect(decided?.meta.how).toContain('not in a container');
    }
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
  });
});
