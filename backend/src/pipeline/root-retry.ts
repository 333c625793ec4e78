import type { AppError } from '../errors/app-error';

/** The facts that decide whether running a failed render again as root can help. */
export interface RootRetryContext {
  /** RENDER_ROOT_RETRY. */
  enabled: boolean;
  /** The uid the failed attempt ran as. */
  renderUid: number;
  engine: { userNamespaces: boolean; selinux: boolean };
}

export type RootRetryDecision =
  | { retry: true; reason: string }
  | { retry: false; reason: string }
  /** The failure has nothing to do with permissions: no decision to make. */
  | undefined;

/**
 * A render that could not write its job folder is run once more as root, unless root would be
 * refused just the same: a read-only mount, user namespaces (container root is an unprivileged
 * host user) or SELinux (labels, not users, decide).
 */
export function decideRootRetry(failure: AppError, context: RootRetryContext): RootRetryDecision {
  if (failure.code !== 'permission_denied') return undefined;
  const subject = `uid ${context.renderUid} could not write the job folder`;
  if (failure.details?.readOnly === true) {
    return {
      retry: false,
      reason: `${subject}: the mount is read-only, root cannot write it either`,
    };
  }
  if (context.renderUid === 0) {
    return { retry: false, reason: `${subject}, and it already ran as root` };
  }
  if (!context.enabled) {
    return {
      retry: false,
      reason: `${subject}; the retry as root is off (RENDER_ROOT_RETRY=false)`,
    };
  }
  if (context.engine.userNamespaces) {
    return {
      retry: false,
      reason: `${subject}; the engine remaps users (userns-remap), so root in the container is an unprivileged host user and cannot write it either`,
    };
  }
  if (context.engine.selinux) {
    return {
      retry: false,
      reason: `${subject}; the engine enforces SELinux, where the folder's label, not the user, decides: relabel it (chcon -Rt container_file_t <dir>) instead`,
    };
  }
  return { retry: true, reason: `${subject}` };
}

/** What the owner of the job folder must do instead, said in the failure when root cannot help. */
export const ROOT_RETRY_REFUSED_HINT =
  'Give the render user write access to TEMP_DIR (RENDER_USER=<uid>:<gid> of its owner), or fix the mount; see docs/troubleshooting.md.';
