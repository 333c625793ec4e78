import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { FolderUsage } from './folder-limits';
import { withinDeadline } from '../timing/timing';

const EXEC_TIMEOUT_MS = 5_000;

/**
 * The usage of a folder inside a running container, for a job folder the worker cannot see (copy
 * mode: a volume on the daemon's side): `du` run in the container, as the container's own user.
 * Undefined when it cannot tell (the container is gone, or too busy to start a process).
 */
export async function containerFolderUsage(
  container: Docker.Container,
  folder: string,
): Promise<FolderUsage | undefined> {
  const exec = await container.exec({
    Cmd: ['sh', '-c', 'du -s -b "$1" && du -s --inodes "$1"', 'usage', folder],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const stdout: Buffer[] = [];
  const sink = new PassThrough().on('data', (chunk: Buffer) => stdout.push(chunk));
  container.modem.demuxStream(stream, sink, new PassThrough().resume());
  const ended = new Promise<boolean>((resolve) => {
    stream.on('end', () => resolve(true));
    stream.on('error', () => resolve(false));
  });
  const finished = await withinDeadline(ended, EXEC_TIMEOUT_MS);
  if (finished !== true) {
    stream.destroy();
    return undefined;
  }
  // "<bytes>\t<folder>" then "<inodes>\t<folder>"; the folder itself is one of the inodes.
  const [bytes, inodes] = Buffer.concat(stdout)
    .toString()
    .trim()
    .split('\n')
    .map((line) => Number(line.split('\t')[0]));
  if (bytes === undefined || inodes === undefined || Number.isNaN(bytes + inodes)) return undefined;
  return { bytes, entries: Math.max(inodes - 1, 0) };
}
