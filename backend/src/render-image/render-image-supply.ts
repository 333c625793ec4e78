import { AppError } from '../errors/app-error';
import type { Logger } from '../logging/logger';
import type { RenderImageStatus } from '../worker-upkeep/worker-status';

/** What a worker knows about a render image; published in its status for `/ready`. */
export type RenderImageState = RenderImageStatus;

export interface RenderImageSupplyOptions {
  image: string;
  /** The Manim version the image renders with. */
  manimVersion: string;
  /** Asks the engine whether the image is there. */
  exists(): Promise<boolean>;
  /** Makes the image exist (the shared pull); absent when the image is not pulled here. */
  pull?: () => Promise<void>;
  /** How to get the image when it is not pulled here, for jobs that find it missing. */
  missingHint: string;
  /** Waits between failed pulls: `firstMs`, doubling up to `maxMs`. */
  retry: { firstMs: number; maxMs: number };
  /** An image that was there is looked for again at most this often. */
  recheckMs: number;
  onChange(state: RenderImageState): void;
  logger: Logger;
  now?: () => number;
}

/**
 * Keeps the render image on the engine. `check` (called on every engine answer) looks for it;
 * when it is missing and may be pulled, a pull starts in the background, and after a failure the
 * next one waits with backoff. `whenBack` is for a job whose container found the image gone: it
 * shares the pull and resolves once the image is back.
 */
export class RenderImageSupply {
  private present: boolean | undefined;
  private pulling: Promise<void> | undefined;
  private failure: { message: string; hint: string } | undefined;
  private failures = 0;
  private retryAt = 0;
  private lookedAt = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;

  constructor(private readonly options: RenderImageSupplyOptions) {
    this.now = options.now ?? Date.now;
  }

  /** True when a missing image is pulled here (a registry image, pull policy `missing`). */
  get pullable(): boolean {
    return this.options.pull !== undefined;
  }

  state(): RenderImageState {
    return {
      manimVersion: this.options.manimVersion,
      name: this.options.image,
      present: this.present === true,
      ...(this.pulling ? { pulling: true } : {}),
      ...(this.failure ? { error: this.failure.message, hint: this.failure.hint } : {}),
      ...(this.failure && this.pulling === undefined
        ? { retryAt: new Date(this.retryAt).toISOString() }
        : {}),
    };
  }

  /**
   * Looks for the image (a present one at most every `recheckMs`, unless `force`), and starts a
   * pull when it is missing and the backoff allows. Never throws: an engine that does not answer
   * is the engine monitor's to report.
   */
  async check(options: { force?: boolean } = {}): Promise<void> {
    if (this.pulling) return;
    const now = this.now();
    if (this.present === true && !options.force && now - this.lookedAt < this.options.recheckMs) {
      return;
    }
    this.lookedAt = now;
    let present: boolean;
    try {
      present = await this.options.exists();
    } catch {
      return;
    }
    if (this.pulling) return;
    if (present !== this.present) {
      const first = this.present === undefined;
      this.present = present;
      if (present) {
        if (!first) this.options.logger.info('render image found', { image: this.options.image });
      } else if (!this.pullable) {
        this.options.logger.error(
          'render image missing; jobs will fail with image_missing until it exists',
          { image: this.options.image, hint: this.options.missingHint },
        );
      }
      this.options.onChange(this.state());
    }
    if (!present && this.pullable && this.now() >= this.retryAt) {
      this.startPull().catch(() => undefined);
    }
  }

  /**
   * For a job whose container found the image gone: resolves once it is back (pulled again,
   * shared with every other caller), or rejects with image_missing saying why it is not.
   */
  async whenBack(): Promise<void> {
    if (!this.pullable) {
      throw new AppError(
        'image_missing',
        `Render image ${this.options.image} is not present on the Docker Engine`,
        { hint: this.options.missingHint, details: { image: this.options.image } },
      );
    }
    if (this.present !== false && !this.pulling) {
      this.present = false;
      this.options.onChange(this.state());
    }
    await this.startPull();
  }

  private startPull(): Promise<void> {
    if (this.pulling) return this.pulling;
    const pull = this.options.pull;
    if (!pull) return Promise.resolve();
    const { image } = this.options;
    this.options.logger.warn(
      'render image missing; pulling it and taking no jobs until it is there',
      {
        image,
        attempt: this.failures + 1,
      },
    );
    const pulling = pull()
      .then(
        () => {
          this.present = true;
          this.lookedAt = this.now();
          this.failure = undefined;
          this.failures = 0;
          this.retryAt = 0;
          this.options.logger.info('render image pulled; taking jobs', { image });
        },
        (error: unknown) => {
          this.failures += 1;
          const waitMs = Math.min(
            this.options.retry.firstMs * 2 ** (this.failures - 1),
            this.options.retry.maxMs,
          );
          this.retryAt = this.now() + waitMs;
          this.failure = {
            message: (error as Error).message,
            hint: error instanceof AppError ? error.hint : 'Read the worker logs.',
          };
          this.options.logger.error('render image pull failed; trying again later', {
            image,
            error: this.failure.message,
            hint: this.failure.hint,
            retryInSeconds: Math.round(waitMs / 1000),
          });
          throw error;
        },
      )
      .finally(() => {
        this.pulling = undefined;
        this.options.onChange(this.state());
      });
    this.pulling = pulling;
    this.options.onChange(this.state());
    return pulling;
  }
}
