import express, { type Router } from 'express';
import { FORMATS, QUALITIES, type Config } from '../../config/config-schema';

export const LIMITS_PATH = '/api/limits';

/** What a request may ask for and what a render container gets, so clients can check first. */
export function describeLimits(config: Config) {
  return {
    defaults: {
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
    qualities: QUALITIES.slice(0, QUALITIES.indexOf(config.MAX_QUALITY) + 1),
    formats: FORMATS,
    container: {
      memoryMb: config.RENDER_MEMORY_MB,
      cpus: config.RENDER_CPUS,
      pidsLimit: config.RENDER_PIDS_LIMIT,
      maxFileMb: config.RENDER_MAX_OUTPUT_MB,
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
