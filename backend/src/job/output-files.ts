import { FORMATS, type OutputFormat } from '../config/config-schema';

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

/** The media types a job may deliver, once each (a transparent mp4 is delivered as mov). */
export const DELIVERED_CONTENT_TYPES: readonly [string, ...string[]] = [
  ...new Set(FORMATS.map((format) => OUTPUT_FILES[format].contentType)),
] as [string, ...string[]];
