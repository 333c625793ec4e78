import type { BenchResult, TargetVerdict } from './bench-result';
import type { Summary } from './stats';

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

/**
 * A target is judged only on medians of at least this many runs; with fewer it is reported as not
 * judged, whatever the figures say.
 */
export const MIN_RUNS_TO_JUDGE = 3;

export function judgeTargets(result: Omit<BenchResult, 'targets'>): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  const verdict = (fields: Omit<TargetVerdict, 'met'> & { passes: boolean }): TargetVerdict => {
    const { passes, ...rest } = fields;
    return { ...rest, met: fields.runs >= MIN_RUNS_TO_JUDGE ? passes : null };
  };
  for (const scene of result.renders ?? []) {
    const allowedMs = Math.max(
      scene.bare.totalMs.median * TARGETS.endToEndSlackRatio,
      TARGETS.endToEndSlackMs,
    );
    verdicts.push(
      verdict({
        name: `End to end, ${scene.scene}`,
        part: 'renders',
        target: `<= bare + max(10 %, 300 ms) = +${ms(allowedMs)}`,
        measured: `${signedMs(scene.overheadMs)} (x${scene.ratio.toFixed(2)}): ${spreadMs(scene.service.totalMs)} vs bare ${spreadMs(scene.bare.totalMs)}`,
        runs: Math.min(scene.service.totalMs.n, scene.bare.totalMs.n),
        passes: scene.overheadMs <= allowedMs,
      }),
    );
  }
  if (result.throughput) {
    const { ratio, service, bare } = result.throughput;
    verdicts.push(
      verdict({
        name: `Throughput, ${result.throughput.jobs} jobs at once`,
        part: 'throughput',
        target: `>= 95 % of bare parallel runs`,
        measured: `${(ratio * 100).toFixed(1)} %: ${spreadOf(service.jobsPerMinute, 1)} vs bare ${spreadOf(bare.jobsPerMinute, 1)} jobs/min`,
        runs: Math.min(service.jobsPerMinute.n, bare.jobsPerMinute.n),
        passes: ratio >= TARGETS.throughputRatio,
      }),
    );
  }
  if (result.api) {
    const rate = result.api.submit.requestsPerSecond;
    verdicts.push(
      verdict({
        name: 'Submit rate',
        part: 'api',
        target: `>= ${TARGETS.submitPerSecond} req/s on 2 cores`,
        measured: `${spreadOf(rate, 0)} req/s on ${result.machine.cores} cores`,
        runs: rate.n,
        passes: rate.median >= TARGETS.submitPerSecond,
      }),
    );
  }
  if (result.repeats) {
    const total = result.repeats.totalMs;
    verdicts.push(
      verdict({
        name: 'Repeated request',
        part: 'repeats',
        target: `< ${TARGETS.repeatMedianMs} ms median`,
        measured: spreadMs(total),
        runs: total.n,
        passes: total.median < TARGETS.repeatMedianMs,
      }),
    );
  }
  const warm = result.warm?.scenes.find((scene) => scene.scene === TARGETS.warmPoolScene);
  if (warm) {
    verdicts.push(
      verdict({
        name: `End to end with the warm pool, ${warm.scene}`,
        part: 'warm',
        target: `>= ${TARGETS.warmPoolSpeedup * 100} % faster than bare`,
        measured: `${speedup(warm.ratio)} (x${warm.ratio.toFixed(2)}): ${spreadMs(warm.warm.totalMs)} vs bare ${spreadMs(warm.bare.totalMs)}`,
        runs: Math.min(warm.warm.totalMs.n, warm.bare.totalMs.n),
        passes: warm.ratio <= 1 - TARGETS.warmPoolSpeedup,
      }),
    );
  }
  if (result.split) {
    const { bare, chunks1, chunks2 } = result.split.sides;
    const wallRatio = chunks2.wallMs.median / bare.wallMs.median;
    verdicts.push(
      verdict({
        name: `Split into 2, ${result.split.scene}`,
        part: 'split',
        target: `<= x${TARGETS.splitWallRatio} of the bare run's wall time`,
        measured: `x${wallRatio.toFixed(2)}: ${spreadMs(chunks2.wallMs)} vs bare ${spreadMs(bare.wallMs)}`,
        runs: Math.min(chunks2.wallMs.n, bare.wallMs.n),
        passes: wallRatio <= TARGETS.splitWallRatio,
      }),
    );
    const cpuRatio = chunks2.cpuSeconds.median / chunks1.cpuSeconds.median;
    verdicts.push(
      verdict({
        name: `CPU of a split into 2, ${result.split.scene}`,
        part: 'split',
        target: `<= x${TARGETS.splitCpuRatio} of one container's`,
        measured: `x${cpuRatio.toFixed(2)}: ${spreadOf(chunks2.cpuSeconds, 1)} s vs ${spreadOf(chunks1.cpuSeconds, 1)} s`,
        runs: Math.min(chunks2.cpuSeconds.n, chunks1.cpuSeconds.n),
        passes: cpuRatio <= TARGETS.splitCpuRatio,
      }),
    );
    const editLoop = result.split.editLoop;
    if (editLoop) {
      const ratio = editLoop.wallMs.median / chunks1.wallMs.median;
      verdicts.push(
        verdict({
          name: `Edit loop, ${result.split.scene} with its last play changed`,
          part: 'split',
          target: `<= x${TARGETS.editLoopRatio} of a full render`,
          measured: `x${ratio.toFixed(2)}: ${spreadMs(editLoop.wallMs)} vs ${spreadMs(chunks1.wallMs)}`,
          runs: Math.min(editLoop.wallMs.n, chunks1.wallMs.n),
          passes: ratio <= TARGETS.editLoopRatio,
        }),
      );
    }
  }
  return verdicts;
}

/** "1.65 s (1.42 s–1.93 s)": the median and the spread of a time. */
function spreadMs(summary: Summary): string {
  return `${ms(summary.median)} (${ms(summary.min)}–${ms(summary.max)})`;
}

function spreadOf(summary: Summary, digits: number): string {
  return `${summary.median.toFixed(digits)} (${summary.min.toFixed(digits)}–${summary.max.toFixed(digits)})`;
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
