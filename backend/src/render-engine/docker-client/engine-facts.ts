import type { DockerClient } from './docker-client';
import type { EngineSecurity } from '../engine-security';
import { parseSecurityOptions } from './security-options';

/** What the engine says about itself, read once when the worker starts and kept. */
export interface EngineFacts {
  /** The engine's release, e.g. `20.10.24`. */
  serverVersion: string;
  /** The newest API the engine speaks, e.g. `1.41`; decides e.g. whether volume sub-paths work. */
  apiVersion: string;
  os: string;
  arch: string;
  /** `/info`'s OperatingSystem, e.g. `Docker Desktop` or `Debian GNU/Linux 12 (bookworm)`. */
  operatingSystem: string;
  /** The raw `SecurityOptions` entries, e.g. `name=seccomp,profile=default`. */
  securityOptions: string[];
  /** What those options mean for a render as root. */
  security: EngineSecurity;
  /** `/info`'s ID: one per engine, shared by the workers that use it. */
  id: string;
  /** `/info`'s NCPU: the CPUs the engine's containers run on. */
  cpus: number;
}

/** One `/version` and one `/info`, both after the engine has answered `/_ping`. */
export async function readEngineFacts(docker: DockerClient): Promise<EngineFacts> {
  const [version, info] = await Promise.all([docker.version(), docker.info() as Promise<unknown>]);
  const fields = (info ?? {}) as {
    OperatingSystem?: unknown;
    SecurityOptions?: unknown;
    ID?: unknown;
    NCPU?: unknown;
  };
  const securityOptions = Array.isArray(fields.SecurityOptions)
    ? fields.SecurityOptions.filter((option): option is string => typeof option === 'string')
    : [];
  return {
    serverVersion: version.Version,
    apiVersion: version.ApiVersion,
    os: version.Os,
    arch: version.Arch,
    operatingSystem: typeof fields.OperatingSystem === 'string' ? fields.OperatingSystem : '',
    securityOptions,
    security: parseSecurityOptions(securityOptions),
    id: typeof fields.ID === 'string' ? fields.ID : '',
    cpus: typeof fields.NCPU === 'number' ? fields.NCPU : 0,
  };
}
