import type { BenchResult } from '../../../bench/bench-result';
import { judgeTargets, MIN_RUNS_TO_JUDGE } from '../../../bench/bench-targets';
import { summarize } from '../../../bench/stats';

function repeatsResult(timesMs: number[]): Omit<BenchResult, 'targets'> {
  return {
    generatedAt: '2026-12-07T00:00:00.000Z',
    mode: 'full',
    durationSeconds: 1,
    settings: {
      repetitions: timesMs.length,
      throughputJobs: 0,
      throughputRounds: 0,
      workerConcurrency: 1,
      apiSeconds: 0,
      apiRounds: 0,
      apiConnections: 0,
      serviceLimits: { renderCpus: 1, renderMemoryMb: 1, renderPidsLimit: 1 },
    },
    machine: {
      cpuModel: 'test',
      cores: 2,
      memoryGiB: 1,
      os: 'test',
      kernel: 'test',
      loadAverage: { start: 0 },
    },
    versions: {} as BenchResult['versions'],
    repeats: {
      scene: 'trivial-low',
      first: {} as NonNullable<BenchResult['repeats']>['first'],
      repeats: [],
      totalMs: summarize(timesMs),
    },
  };
}

describe('the benchmark targets', () => {
  it(`are judged only on at least ${MIN_RUNS_TO_JUDGE} runs, and show the spread`, () => {
    const [twoRuns] = judgeTargets(repeatsResult([9, 12]));
    expect(twoRuns).toMatchObject({ part: 'repeats', runs: 2, met: null });

    const [threeRuns] = judgeTargets(repeatsResult([9, 12, 70]));
    expect(threeRuns).toMatchObject({ runs: 3, met: true, measured: '12 ms (9 ms–70 ms)' });

    const [missed] = judgeTargets(repeatsResult([60, 70, 9]));
    expect(missed?.met).toBe(false);
  });
});
