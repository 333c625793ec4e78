import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { RenderProgress } from '../../job/job-progress';

/**
 * Sends a job's progress to the client as MCP progress notifications (0 to 100, with a line a
 * client can show), when the client asked for them with a progress token.
 */
export function progressNotifier(extra: RequestHandlerExtra<ServerRequest, ServerNotification>): {
  onProgress?: (progress: RenderProgress) => void;
} {
  const progressToken = extra._meta?.progressToken;
  if (progressToken === undefined) return {};
  return {
    onProgress: (progress) => {
      extra
        .sendNotification({
          method: 'notifications/progress',
          params: {
            progressToken,
            progress: progress.percent,
            total: 100,
            message: progressMessage(progress),
          },
        })
        // A client that has gone away gets its answer (or nothing) without these.
        .catch(() => undefined);
    },
  };
}

/** e.g. "rendering, animation 3 Create(Circle), frame 10 of 15, about 4 s left". */
export function progressMessage(progress: RenderProgress): string {
  const parts: string[] = [progress.stage];
  if (progress.animation) {
    const name = progress.animation.name ? ` ${progress.animation.name}` : '';
    parts.push(`animation ${progress.animation.index + 1}${name}`);
  }
  if (progress.frames) parts.push(`frame ${progress.frames.done} of ${progress.frames.total}`);
  if (progress.etaSeconds !== undefined) {
    parts.push(`about ${Math.ceil(progress.etaSeconds)} s left`);
  }
  return parts.join(', ');
}
