/** What the engine's `/info` says about isolation features that change what root can do. */
export interface EngineSecurity {
  /** userns-remap: root in a container is an unprivileged user on the host. */
  userNamespaces: boolean;
  /** SELinux labels decide access to mounts, whatever the user. */
  selinux: boolean;
  /** The engine itself runs as an ordinary user; container root is that user. */
  rootless: boolean;
}
