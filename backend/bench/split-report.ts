import type { BenchResult, SplitSide } from './bench-result';
import { ms } from './bench-targets';
import type { Summary } from './stats';

const LABELS: Record<SplitSide, string> = {
  bare: 'Bare single container',
  chunks1: 'Service, `chunks` 1',
  chunks2: 'Service, `chunks` 2',
  auto: 'Service, `chunks` auto',
};

/** The split part's section of performance.md. */
export function splitTables(result: BenchResult): string[] {
  const split = result.split;
  if (!split) return [];
  const spread = (summary: Summary, format: (value: number) => string) =>
    summary.n <= 1
      ? format(summary.median)
      : `${format(summary.median)} (${format(summary.min)}–${format(summary.max)})`;
  const seconds = (value: number) => `${value.toFixed(1)} s`;
  const bareWall = split.sides.bare.wallMs.median;
  const oneCpu = split.sides.chunks1.cpuSeconds.median;
  const rangeLines = (side: 'chunks2' | 'auto') =>
    (split.sides[side].timings ?? []).map(
      (run, index) =>
        `| ${LABELS[side]}, run ${index + 1} | ${ms(run.planMs)} | ${run.ranges.map((range) => `${ms(range.durationMs)} (stepping ${ms(range.steppedMs)})`).join(', ')} | ${ms(run.joinMs)} |`,
    );
  return [
    `### Split rendering: ${split.scene}`,
    '',
    `${split.description}. Four sides measured in turns, median (min–max) over ${split.sides.bare.wallMs.n} runs each; CPU is the whole machine's busy time during the run. \`auto\` chose ${split.autoChunks.join(', ')} ranges (SPLIT_MAX_CHUNKS ${split.maxChunks}).`,
    '',
    '| Side | Wall time | / bare | CPU | / one container |',
    '| --- | --- | --- | --- | --- |',
    ...(['bare', 'chunks1', 'chunks2', 'auto'] as const).map((side) => {
      const { wallMs, cpuSeconds } = split.sides[side];
      return `| ${LABELS[side]} | ${spread(wallMs, ms)} | x${(wallMs.median / bareWall).toFixed(2)} | ${spread(cpuSeconds, seconds)} | x${(cpuSeconds.median / oneCpu).toFixed(2)} |`;
    }),
    '',
    'Where the time of the split runs went (a range includes its container and stepping through the plays before its first):',
    '',
    '| Run | Plan pass | Ranges | Join |',
    '| --- | --- | --- | --- |',
    ...rangeLines('chunks2'),
    ...rangeLines('auto'),
    '',
    'Model of wall time against the number of ranges, each range on a host of its own as fast as this one (plan pass + the slowest range, which steps through (n-1)/n of the scene and draws 1/n of it + join):',
    '',
    '| Ranges | Predicted wall time | / bare |',
    '| --- | --- | --- |',
    ...split.model.map(
      (point) =>
        `| ${point.ranges} | ${ms(point.predictedMs)} | x${(point.predictedMs / bareWall).toFixed(2)} |`,
    ),
    '',
    ...(split.editLoop
      ? [
          `Edit loop (PLAY_REUSE): the scene rendered again with its last play changed took ${spread(split.editLoop.wallMs, ms)}, x${(split.editLoop.wallMs.median / split.sides.chunks1.wallMs.median).toFixed(2)} of the service's render in one container, reusing ${split.editLoop.reusedPlays.join(', ')} plays.`,
          '',
        ]
      : []),
  ];
}
