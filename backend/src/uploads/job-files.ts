import { createHash } from 'node:crypto';

/**
 * The files a render request brings beside its scene code: images, SVGs, sounds, fonts, data
 * files and Python modules. The render container sees each one at its relative path under its
 * working directory, next to the scene file.
 */
export interface JobFile {
  /** Relative path with "/" separators, checked by checkAssetPath. */
  path: string;
  content: Buffer;
}

/** What a job record keeps of a file: enough to show it and to tell two requests apart. */
export interface JobFileEntry {
  path: string;
  sizeBytes: number;
  sha256: string;
}

/** The limits of one request's files (MAX_ASSET_FILES, MAX_ASSET_FILE_MB, MAX_ASSETS_TOTAL_MB). */
export interface JobFileLimits {
  maxFiles: number;
  maxFileBytes: number;
  maxTotalBytes: number;
}

/** Where the scene goes when a request sends it as code or as one uploaded .py file. */
export const DEFAULT_SCENE_FILE = 'scene.py';

export function describeJobFile(file: JobFile): JobFileEntry {
  return {
    path: file.path,
    sizeBytes: file.content.length,
    sha256: createHash('sha256').update(file.content).digest('hex'),
  };
}

/** Font files fontconfig reads; a job with any gets its folders added to the font path. */
const FONT_EXTENSION = /\.(?:ttf|otf|ttc|otc|pfb|pfa|woff2?)$/i;

export function isFontFile(path: string): boolean {
  return FONT_EXTENSION.test(path);
}

/**
 * A fontconfig file that adds the folders holding the job's fonts (as the render container sees
 * them, under `jobDir`), so that `Text(..., font="Family")` finds an uploaded font by its family
 * name. fontconfig reads it from the render user's home (`$HOME/.config/fontconfig/fonts.conf`)
 * through the image's own configuration, which keeps every system font.
 */
export function fontConfigFor(fontPaths: string[], jobDir: string): string | undefined {
  const folders = [
    ...new Set(
      fontPaths.filter(isFontFile).map((path) => {
        const slash = path.lastIndexOf('/');
        return slash === -1 ? jobDir : `${jobDir}/${path.slice(0, slash)}`;
      }),
    ),
  ].sort();
  if (folders.length === 0) return undefined;
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
    '<fontconfig>',
    ...folders.map((folder) => `  <dir>${escapeXml(folder)}</dir>`),
    '</fontconfig>',
    '',
  ].join('\n');
}

/** Where fontConfigFor's file goes, relative to the render user's home folder. */
export const FONT_CONFIG_PATH = '.config/fontconfig/fonts.conf';

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/**
 * Where a job's files wait between the API that accepted them and the worker that renders the
 * job: saved with the job, read by whichever worker takes it (again after a worker died), removed
 * when the job ends.
 */
export interface JobFileStore {
  save(jobId: string, files: JobFile[]): Promise<void>;
  /** The job's files, or undefined when they are gone (expired, or the job has ended). */
  load(jobId: string): Promise<JobFile[] | undefined>;
  remove(jobId: string): Promise<void>;
}
