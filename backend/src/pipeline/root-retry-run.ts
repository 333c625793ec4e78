import { AppError } from '../errors/app-error';
import type { EngineSecurity } from '../render-engine/engine-security';
import type { ContainerRunResult } from '../render-engine/container-spec';
import type { RootRetryRecord } from '../job/render-job';
import type { Logger } from '../logging/logger';
import type { RenderOutput } from '../manim/output-discovery';
import { decideRootRetry, ROOT_RETRY_REFUSED_HINT } from './root-retry';
import type { FileOwner } from '../job-folders/job-workspace';
import type { WarmRenderSlot } from '../warm-pool/warm-slots';

/** Who a run is and what it runs in: the render user, root handing files back, a warm container. */
export interface RunIdentity {
  user: FileOwner;
  restoreOwner?: FileOwner;
  warm?: WarmRenderSlot;
}

export type RenderAttempt =
  | { kind: 'rendered'; run: ContainerRunResult; output?: RenderOutput }
  | { kind: 'failed'; run: ContainerRunResult; failure: AppError }
  | { kind: 'cancelled'; run: ContainerRunResult };

/** The two steps of a job's render the retry as root repeats and follows up. */
export interface RootRetrySteps {
  /** One run of Manim in a fresh container as `identity`, its output read back. */
  renderOnce(identity: RunIdentity): Promise<RenderAttempt>;
  /** Makes every file in the job folder the owner's again after the run as root. */
  handBack(owner: FileOwner): Promise<void>;
}

export interface RootRetryRunContext {
  /** Who the first run is. */
  user: FileOwner;
  /** The job folder's owner, who gets every file back. */
  owner: FileOwner;
  /** The warm container the first run may use; the retry always runs cold. */
  warm?: WarmRenderSlot;
  /** RENDER_ROOT_RETRY. */
  enabled: boolean;
  engineSecurity: Pick<EngineSecurity, 'userNamespaces' | 'selinux'>;
  recordRootRetry(outcome: 'completed' | 'failed' | 'refused'): Promise<void>;
  log: Logger;
}

/**
 * Root may write where the render user may not (DAC_OVERRIDE), may give files away (CHOWN) and
 * may change modes of files it does not own (FOWNER); nothing else comes back.
 */
export const ROOT_RETRY_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER'];

/**
 * Renders as the job folder's owner (or RENDER_USER); when that fails because the render may not
 * write the folder, renders once more as root and hands every file back, or says why root would
 * not help (see root-retry.ts).
 */
export async function renderWithRootRetry(
  steps: RootRetrySteps,
  context: RootRetryRunContext,
): Promise<{ attempt: RenderAttempt; ranAsRoot?: RootRetryRecord }> {
  const { user, owner, warm, log } = context;
  const first = await steps.renderOnce({
    user,
    warm,
  });
  if (first.kind !== 'failed') return { attempt: first };
  const decision = decideRootRetry(first.failure, {
    enabled: context.enabled,
    renderUid: user.uid,
    engine: context.engineSecurity,
  });
  if (decision === undefined) return { attempt: first };
  if (!decision.retry) {
    log.warn('render could not write its job folder; not retrying as root', {
      reason: decision.reason,
    });
    await context.recordRootRetry('refused').catch(() => undefined);
    return {
      attempt: {
        ...first,
        failure: withRootRetryNote(first.failure, { refused: decision.reason }),
      },
    };
  }

  const ranAsRoot: RootRetryRecord = {
    reason: decision.reason,
    firstFailure: { code: first.failure.code, message: first.failure.message },
  };
  log.warn('render could not write its job folder; running it once more as root', {
    reason: decision.reason,
    user: `${user.uid}:${user.gid}`,
    owner: `${owner.uid}:${owner.gid}`,
  });
  let second: RenderAttempt;
  try {
    second = await steps.renderOnce({
      user: { uid: 0, gid: 0 },
      restoreOwner: owner,
    });
  } finally {
    await steps.handBack(owner);
  }
  await context
    .recordRootRetry(second.kind === 'rendered' ? 'completed' : 'failed')
    .catch(() => undefined);
  if (second.kind === 'failed') {
    second = { ...second, failure: withRootRetryNote(second.failure, { ranAsRoot }) };
  }
  return { attempt: second, ranAsRoot };
}

/** The failure, with what the retry as root did (or why it was not tried) in its details. */
function withRootRetryNote(
  failure: AppError,
  note: { ranAsRoot: RootRetryRecord } | { refused: string },
): AppError {
  if ('refused' in note) {
    return new AppError(failure.code, failure.message, {
      hint: ROOT_RETRY_REFUSED_HINT,
      details: { ...failure.details, rootRetryRefused: note.refused },
    });
  }
  return new AppError(failure.code, `${failure.message} (after a retry as root)`, {
    hint: failure.hint,
    details: { ...failure.details, ranAsRoot: note.ranAsRoot },
  });
}
