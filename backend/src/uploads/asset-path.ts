/**
 * Checks the path of a file a request sends (an asset's file name, or an entry of a project
 * archive) and gives it its one spelling: relative, "/" between folders, no "." or ".."
 * parts. What is refused says why, so that the 400 can name the entry and the fix.
 */
export type AssetPathCheck = { ok: true; path: string } | { ok: false; message: string };

/**
 * Names at the top of the job folder that the service itself uses: Manim's output, the render
 * user's home, and the Manim configuration the worker writes.
 */
export const RESERVED_TOP_LEVEL_NAMES: readonly string[] = ['media', 'home', 'manim.cfg'];

const MAX_PATH_LENGTH = 512;
const MAX_PART_LENGTH = 255;
const MAX_DEPTH = 16;
// Control characters; a file name holding one is a mistake or an attack, never a scene's asset.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function checkAssetPath(raw: string): AssetPathCheck {
  if (raw === '') return { ok: false, message: 'has an empty name' };
  if (raw.length > MAX_PATH_LENGTH) {
    return { ok: false, message: `has a path longer than ${MAX_PATH_LENGTH} characters` };
  }
  if (CONTROL.test(raw)) return { ok: false, message: 'has a control character in its name' };
  // Archives made on Windows may separate folders with backslashes.
  const slashed = raw.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) {
    return {
      ok: false,
      message:
        'has an absolute path; files must be given relative to the scene, e.g. "images/logo.png"',
    };
  }
  const parts: string[] = [];
  for (const part of slashed.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      return {
        ok: false,
        message: 'leaves its folder with ".."; files must stay below the scene\'s folder',
      };
    }
    if (part.length > MAX_PART_LENGTH) {
      return { ok: false, message: `has a name part longer than ${MAX_PART_LENGTH} characters` };
    }
    parts.push(part);
  }
  if (parts.length === 0) return { ok: false, message: 'names no file' };
  if (parts.length > MAX_DEPTH) {
    return { ok: false, message: `is nested deeper than ${MAX_DEPTH} folders` };
  }
  const top = parts[0] ?? '';
  if (RESERVED_TOP_LEVEL_NAMES.includes(top)) {
    return {
      ok: false,
      message: `uses the name "${top}" at the top of the project, which the service keeps for itself (${RESERVED_TOP_LEVEL_NAMES.join(', ')}); move it into a folder or rename it`,
    };
  }
  return { ok: true, path: parts.join('/') };
}

/**
 * Files that archive tools add and no scene reads: macOS resource forks and Finder metadata.
 * They are left out of a project instead of being refused.
 */
export function isArchiveClutter(path: string): boolean {
  const parts = path.split('/');
  const name = parts[parts.length - 1] ?? '';
  return parts.includes('__MACOSX') || name === '.DS_Store' || name.startsWith('._');
}
