import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { DockerClient } from '../src/render-engine/docker-client/docker-client';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  kernel: string;
  /** 1-minute load average at the start and the end of the run: a hint of other work. */
  loadAverage: { start: number; end?: number };
}

export interface Versions {
  node: string;
  dockerEngine: string;
  dockerApi: string;
  redis: string;
  manim: string;
  renderImage: string;
  renderImageId: string;
  gitCommit: string;
}

/** One line naming the machine: CPU, cores, memory, system and kernel. */
export function machineSummary(machine: MachineInfo): string {
  return `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB; ${machine.os}, kernel ${machine.kernel}`;
}

export function describeMachine(): MachineInfo {
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: prettyOsName(),
    kernel: os.release(),
    loadAverage: { start: os.loadavg()[0] ?? 0 },
  };
}

export async function collectVersions(
  docker: DockerClient,
  image: string,
  redisVersion: string,
  projectRoot: string,
): Promise<Versions> {
  const engine = await docker.version();
  const imageInfo = await docker.getImage(image).inspect();
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: projectRoot });
  return {
    node: process.version,
    dockerEngine: engine.Version,
    dockerApi: engine.ApiVersion,
    redis: redisVersion,
    // Both the local tag (manim-render:0.19.0-<hash>) and the official one (:v0.19.0) carry it.
    manim: /:v?(\d+\.\d+\.\d+)/.exec(image)?.[1] ?? 'unknown',
    renderImage: image,
    renderImageId: imageInfo.Id.replace(/^sha256:/, '').slice(0, 12),
    gitCommit: commit.status === 0 ? commit.stdout.toString().trim() : 'unknown',
  };
}

function prettyOsName(): string {
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(release)?.[1] ?? os.type();
  } catch {
    return os.type();
  }
}
