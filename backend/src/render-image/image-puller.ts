import type { ImageOperations } from '../render-engine/image-operations';

export interface ImagePuller {
  /**
   * Resolves once `name` exists on the engine, pulling it when it is missing. Concurrent calls for
   * one name share one pull; a pull that failed is forgotten, so the next call tries again.
   */
  ensureImage(name: string): Promise<void>;
  /** True while a call for `name` is looking for it or pulling it. */
  inProgress(name: string): boolean;
}

export function createImagePuller(operations: ImageOperations): ImagePuller {
  const inFlight = new Map<string, Promise<void>>();
  return {
    ensureImage(name) {
      const current = inFlight.get(name);
      if (current) return current;
      const ensured = (async () => {
        if (await operations.exists(name)) return;
        await operations.pull(name);
      })().finally(() => inFlight.delete(name));
      inFlight.set(name, ensured);
      return ensured;
    },
    inProgress: (name) => inFlight.has(name),
  };
}
