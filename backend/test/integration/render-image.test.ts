import { readFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import {
  isLocalRenderImage,
  lockFileOf,
  renderImageContextDir,
} from '../../src/render-image/render-image';
import { testEnvironment } from './support/test-environment';

const docker = new Docker();
const localImages = testEnvironment().images.filter((image) => isLocalRenderImage(image.name));

/** Runs a command in a throwaway container of the image (no network) and returns its stdout. */
async function runIn(image: string, command: string[]): Promise<string> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: command,
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = await container.logs({ stdout: true, stderr: true });
    const text = demultiplex(logs);
    if (StatusCode !== 0)
      throw new Error(`${command.join(' ')} exited ${StatusCode}: ${text.stderr}`);
    return text.stdout;
  } finally {
    await container.remove({ force: true });
  }
}

/** Docker's multiplexed log stream: 8-byte frames of (stream, length) then the bytes. */
function demultiplex(buffer: Buffer): { stdout: string; stderr: string } {
  const parts = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const length = buffer.readUInt32BE(offset + 4);
    const chunk = buffer.subarray(offset + 8, offset + 8 + length);
    (buffer[offset] === 2 ? parts.stderr : parts.stdout).push(chunk);
    offset += 8 + length;
  }
  return {
    stdout: Buffer.concat(parts.stdout).toString(),
    stderr: Buffer.concat(parts.stderr).toString(),
  };
}

/** The name==version pins of a lock file, names normalised as PyPI does. */
function lockedPackages(manimVersion: string): Record<string, string> {
  const lock = readFileSync(path.join(renderImageContextDir(), lockFileOf(manimVersion)), 'utf8');
  const pins: Record<string, string> = {};
  for (const line of lock.split('\n')) {
    const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)/.exec(line);
    if (match?.[1] && match[2]) pins[normalise(match[1])] = match[2];
  }
  return pins;
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

const describeLocal = localImages.length > 0 ? describe : describe.skip;

describeLocal('the local render images', () => {
  it.each(localImages.map((image) => [image.manimVersion, image.name] as const))(
    'Manim %s holds exactly the packages of its lock file',
    async (manimVersion, name) => {
      const listed = JSON.parse(
        await runIn(name, [
          'pip',
          'list',
          '--format',
          'json',
          '--exclude',
          'pip',
          '--exclude',
          'setuptools',
        ]),
      ) as Array<{ name: string; version: string }>;
      const installed = Object.fromEntries(
        listed.map((entry) => [normalise(entry.name), entry.version]),
      );

      expect(installed).toEqual(lockedPackages(manimVersion));
      expect(installed.manim).toBe(manimVersion);
    },
  );

  it('has fonts for CJK text and emoji outlines', async () => {
    const [image] = localImages;
    if (!image) return;
    const families = await runIn(image.name, ['fc-list', '--format', '%{family}\\n']);
    expect(families).toMatch(/Noto Sans CJK/);
    expect(families).toMatch(/Symbola/);
    expect(families).toMatch(/Noto Sans\b/);
  });
});
