import type { BenchResult, TargetVerdict } from './bench-result';

/** The targets of the "Performance" issue. */
export const TARGETS = {
  endToEndSlackRatio: 0.1,
  endToEndSlackMs: 300,
  throughputRatio: 0.95,
  submitPerSecond: 1000,
  repeatMedianMs: 50,
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
  return verdicts;
}

export function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`;
}

export function signedMs(value: number): string {
  return value < 0 ? `-${ms(-value)}` : `+${ms(value)}`;
}
