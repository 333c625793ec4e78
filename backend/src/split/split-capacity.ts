import type { WorkerStatus } from '../worker-upkeep/worker-status';

/**
 * One Manim render keeps about this many cores busy: its Python thread draws with Cairo while
 * the encoder runs in threads of its own (measured: 78 to 92 s of CPU in 52 to 58 s of wall time
 * for the long reference scene in docs/performance.md).
 */
export const CORES_PER_RENDER = 1.5;

/**
 * How many ranges the deployment can render side by side to some gain: for each engine that a
 * live, taking worker renders on, as many renders as its CPUs keep busy at CORES_PER_RENDER
 * each, but no more than its workers' slots together. An engine shared by several workers
 * (one Docker host) counts once.
 */
export function parallelRenders(statuses: WorkerStatus[]): number {
  const engines = new Map<string, { cpus: number; slots: number }>();
  for (const status of statuses) {
    const { capacity } = status;
    if (!capacity || status.paused || !status.engine.ok) continue;
    const engine = engines.get(capacity.engineId) ?? { cpus: capacity.cpus, slots: 0 };
    engine.slots += capacity.concurrency;
    engines.set(capacity.engineId, engine);
  }
  let total = 0;
  for (const { cpus, slots } of engines.values()) {
    total += Math.min(slots, Math.max(1, Math.floor(cpus / CORES_PER_RENDER)));
  }
  return Math.max(1, total);
}
