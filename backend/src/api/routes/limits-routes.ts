import express, { type Router } from 'express';
import { z } from 'zod';
import { FORMATS, QUALITIES, type Config } from '../../config/config-schema';
import { RESERVED_TOP_LEVEL_NAMES } from '../../uploads/asset-path';
import {
  ARCHIVE_ENTRY_BYTES,
  ARCHIVE_ROOM_PER_FILE_BYTES,
  archiveInflationBudget,
} from '../../uploads/inflation-budget';
import { outputFormatSchema, qualitySchema } from '../../job/job-view-schema';
import { jobFileLimits } from '../render-uploads';

export const LIMITS_PATH = '/api/limits';

const positive = (description?: string) =>
  z
    .int()
    .min(1)
    .meta(description === undefined ? {} : { description });

export const limitsSchema = z
  .strictObject({
    defaults: z.strictObject({
      manimVersion: z
        .string()
        .meta({ description: 'The Manim version of a request that names none.' }),
      quality: qualitySchema,
      format: outputFormatSchema,
      timeoutSeconds: positive(),
    }),
    caps: z.strictObject({
      quality: qualitySchema,
      fps: positive(),
      width: positive(),
      height: positive(),
      timeoutSeconds: positive(),
      codeBytes: positive(),
    }),
    manimVersions: z.array(z.string()).meta({
      description: 'The Manim versions a request may name in manimVersion, newest first.',
    }),
    qualities: z.array(qualitySchema).meta({ description: 'The qualities a request may ask for.' }),
    formats: z.array(outputFormatSchema),
    assets: z
      .strictObject({
        maxFiles: z
          .int()
          .min(0)
          .meta({ description: 'Most files beside the scene (MAX_ASSET_FILES).' }),
        maxFileBytes: positive('Largest file (MAX_ASSET_FILE_MB).'),
        maxTotalBytes: positive('Largest total, unpacked for an archive (MAX_ASSETS_TOTAL_MB).'),
        archiveFormats: z
          .array(z.enum(['zip', 'tar.gz']))
          .meta({ description: 'What a "project" archive may be.' }),
        archiveInflationMaxBytes: positive(
          `Most a "project" archive may inflate to, counting headers, folders and clutter besides the files: maxTotalBytes plus ${ARCHIVE_ROOM_PER_FILE_BYTES / 1024} KiB for each file maxFiles allows, where each entry counts at least ${ARCHIVE_ENTRY_BYTES / 1024} KiB.`,
        ),
        reservedNames: z
          .array(z.string())
          .meta({ description: 'Names a file may not have at the top of the project.' }),
      })
      .meta({ description: 'What a request may send beside its scene (assets, or a project).' }),
    container: z
      .strictObject({
        memoryMb: positive(),
        cpus: z.number().min(0),
        pidsLimit: positive(),
        maxFileMb: positive(),
        jobFolderMaxMb: positive(
          'Most the render may write into its job folder (JOB_FOLDER_MAX_MB).',
        ),
        jobFolderMaxFiles: positive(
          'Most files and folders the render may create there (JOB_FOLDER_MAX_FILES).',
        ),
        tmpfsMb: positive(),
        network: z.literal('none'),
      })
      .meta({ description: 'What each render container is given.' }),
  })
  .meta({
    id: 'Limits',
    description: 'The defaults a request gets, the caps it is held to, the container limits.',
  });
export type Limits = z.infer<typeof limitsSchema>;

/** What a request may ask for and what a render container gets, so clients can check first. */
export function describeLimits(config: Config): Limits {
  const fileLimits = jobFileLimits(config);
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
    formats: [...FORMATS],
    assets: {
      ...fileLimits,
      archiveFormats: ['zip', 'tar.gz'],
      archiveInflationMaxBytes: archiveInflationBudget(fileLimits),
      reservedNames: [...RESERVED_TOP_LEVEL_NAMES],
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
