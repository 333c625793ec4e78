import express, { type Router } from 'express';
import { FORMATS, QUALITIES, type Config } from '../../config/config-schema';
import { RESERVED_TOP_LEVEL_NAMES } from '../../job-files/asset-path';
import { jobFileLimits } from '../render-uploads';

export const LIMITS_PATH = '/api/limits';

/** What a request may ask for and what a render container gets, so clients can check first. */
export function describeLimits(config: Config) {
  return {
    defaults: {
      manimVersion: config.MANIM_VERSIONS[0] ?? '',
      quality: config.DEFAULT_QUALITY,
      format: config.DEFAULT_FORMAT,
      timeoutSeconds: config.RENDER_TIMEOUT_SECONDS,
    },
    caps: {
      quality: config.MAX_QUALITY,
      fps: config.MAX_FPS,
      width: config.MAX_WIDTH,
      height: config.MAX_HEIGHT,
      timeoutSeconds: config.MAX_RENDER_TIMEOUT_SECONDS,
      codeBytes: config.MAX_CODE_BYTES,
    },
    manimVersions: config.MANIM_VERSIONS,
    qualities: QUALITIES.slice(0, QUALITIES.indexOf(config.MAX_QUALITY) + 1),
    formats: FORMATS,
    assets: {
      ...jobFileLimits(config),
      archiveFormats: ['zip', 'tar.gz'],
      reservedNames: RESERVED_TOP_LEVEL_NAMES,
    },
    container: {
      memoryMb: config.RENDER_MEMORY_MB,
      cpus: config.RENDER_CPUS,
      pidsLimit: config.RENDER_PIDS_LIMIT,
      maxFileMb: config.RENDER_MAX_OUTPUT_MB,
      jobFolderMaxMb: config.JOB_FOLDER_MAX_MB,
      jobFolderMaxFiles: config.JOB_FOLDER_MAX_FILES,
      tmpfsMb: config.RENDER_TMPFS_MB,
      network: 'none',
    },
  };
}

export function limitsRoutes(config: Config): Router {
  const limits = describeLimits(config);
  const router = express.Router();
  router.get(LIMITS_PATH, (_req, res) => {
    res.json(limits);
  });
  return router;
}
