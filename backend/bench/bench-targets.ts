import type { BenchResult, TargetVerdict } from './bench-result';

/** The targets of the "Performance" issue. */
export const TARGETS = {
  endToEndSlackRatio: 0.1,
  endToEndSlackMs: 300,
  throughputRatio: 0.95,
  submitPerSecond: 1000,
  repeatMedianMs: 50,
  /** With the warm pool, the trivial scene end to end at least this much faster than bare. */
  warmPoolSpeedup: 0.3,
  warmPoolScene: 'trivial-low',
  /** Split into 2 ranges, the long scene's wall time at most this share of the bare run's. */
  splitWallRatio: 0.8,
  /** The CPU of a split into 2 at most this much more than one container's (85 % efficiency). */
  splitCpuRatio: 1.18,
  /** The long scene with its last play changed, at most this share of a full render. */
  editLoopRatio: 0.2,
} as const;

export function judgeTargets(result: Omit<BenchResult, 'targets'>): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  for (const scene of result.renders ?? []) {
    const allowedMs = Math.max(
      scene.bare.totalMs.median * TARGETS.endToEndSlackRatio,
      TARGETS.endToEndSlackMs,
    );
    verdicts.push({
      name: `End to end, ${scene.scene}`,
      target: `<= bare + max(10 %, 300 ms) = +${ms(allowedMs)}`,
      measured: `${signedMs(scene.overheadMs)} (x${scene.ratio.toFixed(2)})`,
      met: scene.overheadMs <= allowedMs,
    });
  }
  if (result.throughput) {
    const { ratio } = result.throughput;
    verdicts.push({
      name: `Throughput, ${result.throughput.jobs} jobs at once`,
      target: `>= 95 % of bare parallel runs`,
      measured: `${(ratio * 100).toFixed(1)} %`,
      met: ratio >= TARGETS.throughputRatio,
    });
  }
  if (result.api) {
    const rps = result.api.submit.requestsPerSecond.median;
    verdicts.push({
      name: 'Submit rate',
      target: `>= ${TARGETS.submitPerSecond} req/s on 2 cores`,
      measured: `${rps.toFixed(0)} req/s on ${result.machine.cores} cores`,
      met: rps >= TARGETS.submitPerSecond,
    });
  }
  if (result.repeats) {
    const median = result.repeats.totalMs.median;
    verdicts.push({
      name: 'Repeated request',
      target: `< ${TARGETS.repeatMedianMs} ms median`,
      measured: ms(median),
      met: median < TARGETS.repeatMedianMs,
    });
  }
  const warm = result.warm?.scenes.find((scene) => scene.scene === TARGETS.warmPoolScene);
  if (warm) {
    verdicts.push({
      name: `End to end with the warm pool, ${warm.scene}`,
      target: `>= ${TARGETS.warmPoolSpeedup * 100} % faster than bare`,
      measured: `${speedup(warm.ratio)} (${ms(warm.warm.totalMs.median)} vs ${ms(warm.bare.totalMs.median)}, x${warm.ratio.toFixed(2)})`,
      met: warm.ratio <= 1 - TARGETS.warmPoolSpeedup,
    });
  }
  if (result.split) {
    const { bare, chunks1, chunks2 } = result.split.sides;
    const wallRatio = chunks2.wallMs.median / bare.wallMs.median;
    verdicts.push({
      name: `Split into 2, ${result.split.scene}`,
      target: `<= x${TARGETS.splitWallRatio} of the bare run's wall time`,
      measured: `${ms(chunks2.wallMs.median)} vs ${ms(bare.wallMs.median)} (x${wallRatio.toFixed(2)})`,
      met: wallRatio <= TARGETS.splitWallRatio,
    });
    const cpuRatio = chunks2.cpuSeconds.median / chunks1.cpuSeconds.median;
    verdicts.push({
      name: `CPU of a split into 2, ${result.split.scene}`,
      target: `<= x${TARGETS.splitCpuRatio} of one container's`,
      measured: `${chunks2.cpuSeconds.median.toFixed(1)} s vs ${chunks1.cpuSeconds.median.toFixed(1)} s (x${cpuRatio.toFixed(2)})`,
      met: cpuRatio <= TARGETS.splitCpuRatio,
    });
    const editLoop = result.split.editLoop;
    if (editLoop) {
      const ratio = editLoop.wallMs.median / chunks1.wallMs.median;
      verdicts.push({
        name: `Edit loop, ${result.split.scene} with its last play changed`,
        target: `<= x${TARGETS.editLoopRatio} of a full render`,
        measured: `${ms(editLoop.wallMs.median)} vs ${ms(chunks1.wallMs.median)} (x${ratio.toFixed(2)})`,
        met: ratio <= TARGETS.editLoopRatio,
      });
    }
  }
  return verdicts;
}

/** "42 % faster" or "5 % slower" for a ratio of new over old. */
export function speedup(ratio: number): string {
  const percent = Math.round(Math.abs(1 - ratio) * 100);
  return ratio <= 1 ? `${percent} % faster` : `${percent} % slower`;
}

export function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`;
}

export function signedMs(value: number): string {
  return value < 0 ? `-${ms(-value)}` : `+${ms(value)}`;
}
