import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { UploadFile } from '../../client/manim-render-client';
import { UsageError } from './cli-arguments';

/** What one render sends: the scene's code as it was read, and the files beside it. */
export interface RenderInput {
  code: string;
  assets: UploadFile[];
}

/** Reads the scene file and the assets; a file that cannot be read is the command line's fault. */
export async function readRenderInput(
  sceneFile: string,
  assets: readonly string[],
): Promise<RenderInput> {
  const code = await readText(sceneFile);
  const sceneFolder = path.dirname(path.resolve(sceneFile));
  const uploads: UploadFile[] = [];
  for (const asset of assets) {
    uploads.push({ path: assetPath(sceneFolder, asset), content: await readBytes(asset) });
  }
  return { code, assets: uploads };
}

/** An asset's path next to the scene: relative to the scene's folder, with forward slashes. */
export function assetPath(sceneFolder: string, asset: string): string {
  const relative = path.relative(sceneFolder, path.resolve(asset));
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new UsageError(
      `--asset ${asset} is not inside the scene's folder ${sceneFolder}; the service places each file at its path relative to the scene`,
    );
  }
  return relative.split(path.sep).join('/');
}

async function readText(file: string): Promise<string> {
  return (await readBytes(file)).toString('utf8');
}

async function readBytes(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UsageError(`Cannot read ${file}: ${reason}`);
  }
}
