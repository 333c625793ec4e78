import { createHash } from 'node:crypto';
import type { RenderOptions } from '../job/render-job';
import type { PlayIndex } from './split-job';
import type { OutputStore } from '../outputs/output-store';

/** Renders whose plays are reused: mp4 without transparency, the service's usual video. */
export function reusesPlays(options: Pick<RenderOptions, 'format' | 'transparent'>): boolean {
  return options.format === 'mp4' && !options.transparent;
}

/** The extension of the partial movie files of a render whose plays are reused. */
export const PLAY_FILE_EXTENSION = 'mp4';

/**
 * A tenant's reused plays: partial movie files kept from earlier jobs, in the output store (so
 * any host reuses them) under `plays-<tenant>/<key>.<ext>`, indexed with their sizes and last use.
 * Never shared between tenants: a scene can write any file of its media folder, and so could
 * plant a file another tenant would then join into a video.
 */
export class PlayCache {
  constructor(
    private readonly index: PlayIndex,
    private readonly outputs: OutputStore,
    private readonly maxBytes: number,
  ) {}

  /**
   * The key of a play's partial movie file: its frames (the digest of the scene's state at each
   * of them) and everything that turns frames into a file.
   */
  static keyOf(
    digest: string,
    options: Pick<RenderOptions, 'quality' | 'format' | 'fps' | 'resolution' | 'transparent'>,
    image: string,
  ): string {
    const encoding = {
      image,
      quality: options.quality,
      format: options.format,
      fps: options.fps ?? null,
      resolution: options.resolution ?? null,
      transparent: options.transparent,
    };
    return createHash('sha256')
      .update(JSON.stringify({ digest, encoding }))
      .digest('hex')
      .slice(0, 40);
  }

  /** The keys among `keys` whose files the tenant still has. */
  async present(tenant: string, keys: string[], extension: string): Promise<Set<string>> {
    const listed = await this.index.present(tenant, keys, Date.now());
    const gone: string[] = [];
    for (const key of listed) {
      // Retention or an operator may have removed the file since.
      if (!(await this.outputs.exists(this.fileOf(tenant, key, extension)))) gone.push(key);
    }
    await this.index.remove(tenant, gone);
    for (const key of gone) listed.delete(key);
    return listed;
  }

  async fetch(tenant: string, key: string, extension: string, targetPath: string): Promise<void> {
    await this.outputs.fetch(this.fileOf(tenant, key, extension), targetPath);
  }

  /** Keeps a play's file (moving `sourcePath`), then evicts the plays used longest ago. */
  async keep(
    tenant: string,
    key: string,
    file: { sourcePath: string; extension: string; contentType: string },
  ): Promise<void> {
    const target = this.fileOf(tenant, key, file.extension);
    const { sizeBytes } = await this.outputs.save({
      ...target,
      contentType: file.contentType,
      sourcePath: file.sourcePath,
    });
    const evicted = await this.index.add(tenant, key, sizeBytes, Date.now(), this.maxBytes);
    for (const old of evicted) {
      await this.outputs.remove(this.fileOf(tenant, old, file.extension)).catch(() => undefined);
    }
  }

  private fileOf(tenant: string, key: string, extension: string) {
    return { jobId: `plays-${tenant}`, fileName: `${key}.${extension}` };
  }
}
