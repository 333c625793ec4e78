import type { RenderImage } from './render-image';
import type { Logger } from '../logging/logger';
import type { RenderImageStatus } from '../worker-upkeep/worker-status';
import { RenderImageSupply, type RenderImageSupplyOptions } from './render-image-supply';

/**
 * One RenderImageSupply per served Manim version. A worker holds its intake while any image it
 * pulls is missing (`image:<version>`), so that a job never waits in a container for a pull; an
 * image it does not pull makes only the jobs of that version fail.
 */
export class RenderImageSupplies {
  private readonly supplies = new Map<string, RenderImageSupply>();

  constructor(
    images: RenderImage[],
    options: Omit<
      RenderImageSupplyOptions,
      'image' | 'manimVersion' | 'onChange' | 'pull' | 'exists'
    > & {
      exists(image: string): Promise<boolean>;
      /** Pulls one image (the shared pull); absent when images are not pulled here. */
      pull?: (image: string) => Promise<void>;
      missingHint: string;
      /** Every image's state, newest version first, whenever one changes. */
      onChange(states: RenderImageStatus[]): void;
      /** Called with `image:<version>` when a pulled image goes missing or comes back. */
      hold(reason: string): void;
      release(reason: string): void;
      logger: Logger;
    },
  ) {
    for (const image of images) {
      const { pull, exists, hold, release, onChange, ...shared } = options;
      const supply: RenderImageSupply = new RenderImageSupply({
        ...shared,
        exists: () => exists(image.name),
        image: image.name,
        manimVersion: image.manimVersion,
        ...(pull ? { pull: () => pull(image.name) } : {}),
        onChange: (state) => {
          onChange(this.states());
          if (supply.pullable) {
            const reason = `image:${image.manimVersion}`;
            if (state.present) release(reason);
            else hold(reason);
          }
        },
      });
      this.supplies.set(image.manimVersion, supply);
    }
  }

  states(): RenderImageStatus[] {
    return [...this.supplies.values()].map((supply) => supply.state());
  }

  /** Looks for every image (see RenderImageSupply.check). */
  async check(options: { force?: boolean } = {}): Promise<void> {
    await Promise.all([...this.supplies.values()].map((supply) => supply.check(options)));
  }

  /** For a job whose container found its version's image gone: resolves once it is back. */
  whenBack(manimVersion: string): Promise<void> {
    const supply = this.supplies.get(manimVersion);
    if (!supply) return Promise.reject(new Error(`No render image for Manim ${manimVersion}`));
    return supply.whenBack();
  }
}
