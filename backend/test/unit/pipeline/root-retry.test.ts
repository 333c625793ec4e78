import { AppError } from '../../../src/errors/app-error';
import { decideRootRetry, type RootRetryContext } from '../../../src/pipeline/root-retry';

const notWritable = new AppError(
  'permission_denied',
  'The render user may not write its job folder',
  {
    details: { readOnly: false },
  },
);
const readOnly = new AppError('permission_denied', 'The job folder is mounted read-only', {
  details: { readOnly: true },
});
const plainEngine: RootRetryContext = {
  enabled: true,
  renderUid: 1000,
  engine: { userNamespaces: false, selinux: false },
};

describe('whether a render that could not write its job folder runs again as root', () => {
  it('retries on a plain engine when the retry is on', () => {
    expect(decideRootRetry(notWritable, plainEngine)).toEqual({
      retry: true,
      reason: 'uid 1000 could not write the job folder',
    });
  });

  it('makes no decision for failures that are not about permissions', () => {
    expect(decideRootRetry(new AppError('scene_error', 'NameError'), plainEngine)).toBeUndefined();
    expect(decideRootRetry(new AppError('timeout', 'too slow'), plainEngine)).toBeUndefined();
  });

  it.each([
    ['a read-only mount', readOnly, plainEngine, /read-only, root cannot write it either/],
    [
      'a render that already ran as root',
      notWritable,
      { ...plainEngine, renderUid: 0 },
      /already ran as root/,
    ],
    [
      'RENDER_ROOT_RETRY=false',
      notWritable,
      { ...plainEngine, enabled: false },
      /RENDER_ROOT_RETRY=false/,
    ],
    [
      'user namespaces',
      notWritable,
      { ...plainEngine, engine: { userNamespaces: true, selinux: false } },
      /userns-remap/,
    ],
    [
      'SELinux',
      notWritable,
      { ...plainEngine, engine: { userNamespaces: false, selinux: true } },
      /SELinux.*chcon/,
    ],
  ])('does not retry for %s, and says why', (_case, failure, context, reason) => {
    const decision = decideRootRetry(failure, context);
    expect(decision?.retry).toBe(false);
    expect(decision?.reason).toMatch(reason);
  });
});
