import type { EngineSecurity } from '../engine-security';

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
