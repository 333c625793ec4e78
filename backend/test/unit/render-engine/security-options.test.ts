import { parseSecurityOptions } from '../../../src/render-engine/docker-client/security-options';

describe("the engine's security options", () => {
  it('finds nothing special on a default rootful engine', () => {
    expect(
      parseSecurityOptions(['name=apparmor', 'name=seccomp,profile=default', 'name=cgroupns']),
    ).toEqual({ userNamespaces: false, selinux: false, rootless: false });
  });

  it('sees userns-remap, SELinux and rootless engines', () => {
    expect(
      parseSecurityOptions(['name=seccomp,profile=default', 'name=userns', 'name=selinux']),
    ).toEqual({ userNamespaces: true, selinux: true, rootless: false });
    expect(parseSecurityOptions(['name=seccomp,profile=builtin', 'name=rootless'])).toMatchObject({
      rootless: true,
    });
  });

  it('reads the old bare form of the options too', () => {
    expect(parseSecurityOptions(['selinux', 'userns'])).toMatchObject({
      userNamespaces: true,
      selinux: true,
    });
  });
});
