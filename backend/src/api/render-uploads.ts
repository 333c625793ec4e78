import type { Config } from '../config/config-schema';
import { AppError } from '../errors/app-error';
import { checkAssetPath } from '../uploads/asset-path';
import { DEFAULT_SCENE_FILE, type JobFile, type JobFileLimits } from '../uploads/job-files';
import { unpackProjectArchive } from '../uploads/project-archive';
import { RequestFiles } from '../uploads/request-files';
import { detectSceneClasses } from '../manim/scene-detection';
import { decodeUploadedCode, invalidFiles, validationError } from './render-request';

/** The files of a multipart render request, as multer hands them over. */
export interface UploadedFile {
  fieldname: string;
  originalname: string;
  buffer: Buffer;
}

/**
 * What the uploads of a request come to: the scene (from `file`, or chosen in `project`), where it
 * sits in the job folder, and the files beside it.
 */
export interface RenderUploads {
  uploadedCode?: string;
  uploadedFileName?: string;
  /** The scene file's path in the job folder; scene.py unless a project names another. */
  sceneFile: string;
  assets: JobFile[];
}

export const UPLOAD_FIELDS = ['file', 'assets', 'project'] as const;

export function jobFileLimits(
  config: Pick<Config, 'MAX_ASSET_FILES' | 'MAX_ASSET_FILE_MB' | 'MAX_ASSETS_TOTAL_MB'>,
): JobFileLimits {
  return {
    maxFiles: config.MAX_ASSET_FILES,
    maxFileBytes: Math.floor(config.MAX_ASSET_FILE_MB * 1024 * 1024),
    maxTotalBytes: Math.floor(config.MAX_ASSETS_TOTAL_MB * 1024 * 1024),
  };
}

/**
 * Reads the uploads of a multipart request: `file` (one .py scene), `assets` (files beside it,
 * each at the relative path its file name gives, e.g. `images/logo.png`), or `project` (one .zip or
 * .tar.gz of a project folder, whose scene file is `sceneFile` or the one that defines scenes).
 */
export async function readRenderUploads(
  files: UploadedFile[],
  fields: Record<string, unknown>,
  config: Pick<
    Config,
    'MAX_ASSET_FILES' | 'MAX_ASSET_FILE_MB' | 'MAX_ASSETS_TOTAL_MB' | 'MAX_CODE_BYTES'
  >,
): Promise<RenderUploads> {
  const limits = jobFileLimits(config);
  const byField = (name: string) => files.filter((file) => file.fieldname === name);
  const [sceneUpload] = byField('file');
  const assetUploads = byField('assets');
  const [project] = byField('project');
  const sceneFileField = fields.sceneFile;
  const sceneFileGiven =
    sceneFileField !== undefined && sceneFileField !== null && sceneFileField !== '';

  if (project === undefined) {
    if (sceneFileGiven) {
      throw validationError([
        {
          field: 'sceneFile',
          message: 'names the scene file inside a "project" archive; send one, or leave it out',
        },
      ]);
    }
    const assets = new RequestFiles('assets', limits);
    for (const upload of assetUploads) {
      const path = assets.admit(upload.originalname, upload.buffer.length);
      if (path === DEFAULT_SCENE_FILE) {
        throw assets.entryProblem(
          upload.originalname,
          `has the name the scene file gets (${DEFAULT_SCENE_FILE}); rename it, or send a project archive`,
        );
      }
      if (path !== undefined) assets.add(path, upload.buffer);
    }
    return {
      ...(sceneUpload
        ? {
            uploadedFileName: sceneUpload.originalname,
            uploadedCode: decodeUploadedCode(sceneUpload.originalname, sceneUpload.buffer),
          }
        : {}),
      sceneFile: DEFAULT_SCENE_FILE,
      assets: assets.list(),
    };
  }

  const clashes = [
    ...(sceneUpload ? ['"file"'] : []),
    ...(assetUploads.length > 0 ? ['"assets"'] : []),
    ...(typeof fields.code === 'string' && fields.code !== '' ? ['"code"'] : []),
  ];
  if (clashes.length > 0) {
    throw validationError([
      {
        field: 'project',
        message: `must not be sent together with ${clashes.join(' or ')}; put the scene and its files into the archive`,
      },
    ]);
  }
  const entries = await unpackProjectArchive(project.originalname, project.buffer, limits);
  const sceneFile = chooseSceneFile(entries, sceneFileField, fields.scene, config.MAX_CODE_BYTES);
  const scene = entries.find((entry) => entry.path === sceneFile);
  if (!scene) throw new Error(`${sceneFile} vanished from the project`);
  if (scene.content.length > config.MAX_CODE_BYTES) {
    throw new AppError(
      'payload_too_large',
      `Scene file ${JSON.stringify(sceneFile)} of the project is ${scene.content.length} bytes, over the limit of ${config.MAX_CODE_BYTES} bytes`,
      { details: { field: 'project', limitBytes: config.MAX_CODE_BYTES } },
    );
  }
  return {
    uploadedFileName: sceneFile,
    uploadedCode: decodeUploadedCode(sceneFile, scene.content),
    sceneFile,
    assets: entries.filter((entry) => entry.path !== sceneFile),
  };
}

/**
 * How many files of MAX_CODE_BYTES the search for a project's scene file reads at most. Finding
 * scenes tokenizes Python on the API's thread, about a third of a second per megabyte.
 */
const SCENE_SEARCH_FILES = 8;

/**
 * The project's scene file: the one `sceneFile` names, or else the one Python file that defines
 * scenes (the one that defines `scene`, when it is given). Only files that could be the scene file
 * are searched: within MAX_CODE_BYTES, with a class statement (of `scene`, when given) at the
 * start of a line.
 */
function chooseSceneFile(
  entries: JobFile[],
  sceneFile: unknown,
  scene: unknown,
  maxCodeBytes: number,
): string {
  const pythonFiles = entries.filter((entry) => entry.path.endsWith('.py'));
  if (sceneFile !== undefined && sceneFile !== null && sceneFile !== '') {
    const checked = typeof sceneFile === 'string' ? checkAssetPath(sceneFile) : undefined;
    const path = checked?.ok === true ? checked.path : undefined;
    if (path !== undefined && pythonFiles.some((entry) => entry.path === path)) return path;
    throw invalidFiles([
      {
        field: 'sceneFile',
        message: `must name a .py file of the project, got ${JSON.stringify(sceneFile)} (its Python files: ${listOrNone(pythonFiles.map((entry) => entry.path))})`,
      },
    ]);
  }
  const sceneName = typeof scene === 'string' && scene !== '' ? scene : undefined;
  const classStatement = new RegExp(
    `^class\\s+${sceneName === undefined ? '' : `${escapeRegExp(sceneName)}(?=[\\s(:])`}`,
    'm',
  );
  const mayDefine = pythonFiles
    .map((entry) => ({
      path: entry.path,
      bytes: entry.content.length,
      text: entry.content.toString('utf8'),
    }))
    .filter((file) => classStatement.test(file.text));
  const searched = mayDefine.filter((file) => file.bytes <= maxCodeBytes);
  const tooLong = mayDefine.filter((file) => file.bytes > maxCodeBytes);
  const searchedBytes = searched.reduce((sum, file) => sum + file.bytes, 0);
  if (searchedBytes > SCENE_SEARCH_FILES * maxCodeBytes) {
    throw invalidFiles([
      {
        field: 'sceneFile',
        message: `is needed for this project: its Python files with class statements come to ${searchedBytes} bytes, more than the ${SCENE_SEARCH_FILES * maxCodeBytes} searched for scenes`,
      },
    ]);
  }
  const withScenes = searched
    .map((file) => ({
      path: file.path,
      scenes: detectSceneClasses(file.text).map((found) => found.name),
    }))
    .filter((entry) => entry.scenes.length > 0);
  const candidates =
    sceneName === undefined
      ? withScenes
      : withScenes.filter((entry) => entry.scenes.includes(sceneName));
  const [only] = candidates;
  if (candidates.length === 1 && only) return only.path;
  if (candidates.length === 0) {
    throw new AppError(
      'scene_not_found',
      `No Python file of the project defines ${sceneName === undefined ? 'a Scene subclass' : `the scene ${JSON.stringify(sceneName)}`} (its Python files: ${listOrNone(pythonFiles.map((entry) => entry.path))}${tooLong.length === 0 ? '' : `; not searched, over the ${maxCodeBytes} bytes of MAX_CODE_BYTES a scene file may have: ${tooLong.map((file) => file.path).join(', ')}`}); name the scene file in "sceneFile"`,
      { details: { field: 'sceneFile', pythonFiles: pythonFiles.map((entry) => entry.path) } },
    );
  }
  throw new AppError(
    'scene_not_found',
    `Several files of the project define scenes (${candidates.map((entry) => `${entry.path}: ${entry.scenes.join(', ')}`).join('; ')}); name the scene file in "sceneFile"`,
    { details: { field: 'sceneFile', candidates } },
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function listOrNone(items: string[]): string {
  return items.length === 0 ? 'none' : items.join(', ');
}
