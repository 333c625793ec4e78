import type { OutputFormat } from '../config/config-schema';

/** What a render of each output format delivers. */
export interface ExpectedOutput {
  kind: 'video' | 'image';
  extension: string;
  contentType: string;
}

export const OUTPUT_FILES: Record<OutputFormat, ExpectedOutput> = {
  mp4: { kind: 'video', extension: 'mp4', contentType: 'video/mp4' },
  mov: { kind: 'video', extension: 'mov', contentType: 'video/quicktime' },
  webm: { kind: 'video', extension: 'webm', contentType: 'video/webm' },
  gif: { kind: 'video', extension: 'gif', contentType: 'image/gif' },
  png: { kind: 'image', extension: 'png', contentType: 'image/png' },
};
