import { renderUserFor, resolveRenderUser } from '../../../src/pipeline/render-user';

describe('who a render runs as', () => {
  it("is the worker's own user, or the image's unprivileged user for a root worker", () => {
    expect(resolveRenderUser('auto', { uid: 1001, gid: 1001 })).toEqual({ uid: 1001, gid: 1001 });
    expect(resolveRenderUser('auto', { uid: 0, gid: 0 })).toEqual({ uid: 1000, gid: 1000 });
    expect(resolveRenderUser('4321:99', { uid: 0, gid: 0 })).toEqual({ uid: 4321, gid: 99 });
  });

  it('follows the owner of the job folder, when RENDER_USER is auto', () => {
    const intended = { uid: 1000, gid: 1000 };
    // A root worker on a file system that refused the hand-over (NFS root squash).
    expect(renderUserFor('auto', { uid: 65534, gid: 65534 }, intended)).toEqual({
      uid: 65534,
      gid: 65534,
    });
    expect(renderUserFor('auto', { uid: 1000, gid: 1000 }, intended)).toEqual(intended);
  });

  it('never renders as root by default, and keeps an explicit RENDER_USER', () => {
    const intended = { uid: 1000, gid: 1000 };
    expect(renderUserFor('auto', { uid: 0, gid: 0 }, intended)).toEqual(intended);
    expect(renderUserFor('4321:4321', { uid: 1500, gid: 1500 }, { uid: 4321, gid: 4321 })).toEqual({
      uid: 4321,
      gid: 4321,
    });
  });
});
