/** What the engine's `/info` says about isolation features that change what root can do. */
export interface EngineSecurity {
  /** userns-remap: root in a container is an unprivileged user on the host. */
  userNamespaces: boolean;
  /** SELinux labels decide access to mounts, whatever the user. */
  selinux: boolean;
  /** The engine itself runs as an ordinary user; container root is that user. */
  rootless: boolean;
}

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
