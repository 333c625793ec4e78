import type { DockerClient } from './docker-client';

/** What the engine's `/info` says about isolation features that change what root can do. */
export interface EngineSecurity {
  /** userns-remap: root in a container is an unprivileged user on the host. */
  userNamespaces: boolean;
  /** SELinux labels decide access to mounts, whatever the user. */
  selinux: boolean;
  /** The engine itself runs as an ordinary user; container root is that user. */
  rootless: boolean;
}

export const PLAIN_ENGINE: EngineSecurity = {
  userNamespaces: false,
  selinux: false,
  rootless: false,
};

/** Reads `SecurityOptions` entries such as `name=seccomp,profile=default` or `name=userns`. */
export function parseSecurityOptions(options: readonly string[]): EngineSecurity {
  const names = new Set(
    options.map((option) => {
      const nameField = option.split(',').find((field) => field.startsWith('name='));
      return nameField?.slice('name='.length) ?? option;
    }),
  );
  return {
    userNamespaces: names.has('userns'),
    selinux: names.has('selinux'),
    rootless: names.has('rootless'),
  };
}

export async function readEngineSecurity(docker: DockerClient): Promise<EngineSecurity> {
  return engineSecurityFromInfo(await docker.info());
}

/** The same from an `/info` answer already read. */
export function engineSecurityFromInfo(info: unknown): EngineSecurity {
  const securityOptions = (info as { SecurityOptions?: unknown } | null)?.SecurityOptions;
  const options = Array.isArray(securityOptions)
    ? securityOptions.filter((option): option is string => typeof option === 'string')
    : [];
  return parseSecurityOptions(options);
}
