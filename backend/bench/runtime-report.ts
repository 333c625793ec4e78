import type { BenchResult } from './bench-result';
import { ms } from './bench-targets';
import type { Summary } from './stats';

/** The runtimes part's section of performance.md. */
export function runtimeTables(result: BenchResult): string[] {
  const comparison = result.runtimes;
  if (!comparison || comparison.scenes.length === 0) return [];
  const spread = (summary: Summary) =>
    summary.n <= 1
      ? ms(summary.median)
      : `${ms(summary.median)} (${ms(summary.min)}–${ms(summary.max)})`;
  const memory = comparison.idleWarmMemoryMb;
  return [
    `### gVisor (${comparison.runtime}) against the default runtime`,
    '',
    `End to end through the service, without a pool and with a warm pool of one, four services measured in turns; median (min–max) over ${comparison.scenes[0]?.totalMs.runcCold.n ?? 0} runs each.`,
    '',
    '| Scene | Default, no pool | gVisor, no pool | gVisor / default | Default, warm pool | gVisor, warm pool | gVisor / default |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...comparison.scenes.map(
      (scene) =>
        `| ${scene.scene} | ${spread(scene.totalMs.runcCold)} | ${spread(scene.totalMs.runscCold)} | x${scene.coldRatio.toFixed(2)} | ${spread(scene.totalMs.runcWarm)} | ${spread(scene.totalMs.runscWarm)} | x${scene.warmRatio.toFixed(2)} |`,
    ),
    '',
    `An idle warm container holds ${memory.runc.toFixed(0)} MiB under the default runtime and ${memory.runsc.toFixed(0)} MiB under gVisor (the engine's memory statistics).`,
    '',
  ];
}
