import { createHash } from 'node:crypto';
import type { RenderOptions } from './render-job';

/**
 * What makes two render requests the same render: the code, every option that changes the
 * output, and the render image. The timeout changes only whether a render finishes, not what it
 * produces, so it is left out.
 */
export function renderIdentity(code: string, options: RenderOptions, image: string): string {
  const { timeoutSeconds, ...output } = options;
  const canonical = JSON.stringify({
    code,
    image,
    options: Object.fromEntries(Object.entries(output).sort(([a], [b]) => a.localeCompare(b))),
  });
  return createHash('sha256').update(canonical).digest('hex');
}
