import type Docker from 'dockerode';
import { AppError } from '../errors/app-error';
import { extractJobArchive, packJobFolder, type ExtractLimits } from './job-archive';

/**
 * Copy mode: the job folder travels through the Docker API instead of a bind mount, for a daemon
 * that cannot see the worker's files. The render container gets a fresh volume at `target`; the
 * worker's folder goes in before start, and `outputDir` (below `target`) comes back after exit.
 */
export function jobCopyHooks(options: {
  workerDir: string;
  target: string;
  /** Owner of everything put in, inside the container: the render user. */
  owner: { uid: number; gid: number };
  /** The folder to take back, relative to `target` (`media`). */
  outputDir: string;
  limits: ExtractLimits;
}): {
  beforeStart: (container: Docker.Container) => Promise<void>;
  afterExit: (container: Docker.Container) => Promise<void>;
} {
  return {
    beforeStart: async (container) => {
      const archive = await packJobFolder(options.workerDir, options.owner);
      try {
        await container.putArchive(archive, { path: options.target });
      } catch (error) {
        throw copyError('copy the job folder into', container, error);
      }
    },
    afterExit: async (container) => {
      let archive: NodeJS.ReadableStream;
      try {
        archive = await container.getArchive({ path: `${options.target}/${options.outputDir}` });
      } catch (error) {
        // Manim never created the folder (it failed before writing): nothing to take back.
        if ((error as { statusCode?: number }).statusCode === 404) return;
        throw copyError('copy the output out of', container, error);
      }
      // The archive's entries start with the folder's own name, so they land in place.
      await extractJobArchive(archive, options.workerDir, options.limits);
    },
  };
}

function copyError(what: string, container: Docker.Container, error: unknown): AppError {
  return new AppError(
    'render_failed',
    `Could not ${what} render container ${container.id.slice(0, 12)} through the Docker API: ${(error as Error).message}`,
    {
      hint: 'Check the Docker Engine logs; copy mode needs the archive endpoints (GET/PUT /containers/{id}/archive).',
      cause: error,
    },
  );
}
