import type { ErrorBody } from '../../src/errors/app-error';
import type { JobOutcome, RenderResult } from '../../src/job/render-job';
import {
  JobParked,
  type RangeResult,
  type RangeTask,
  type SplitState,
  type SplitSteps,
} from '../../src/split/split-job';

/**
 * The queue's side of a split render, in memory: `runRanges` parks the job (as BullMQ does
 * while ranges are pending) and records what was queued; a test then sets the ranges' outcomes
 * and takes the job up again.
 */
export class FakeSplitSteps implements SplitSteps {
  queued: { state: SplitState; ranges: RangeTask[] } | undefined;
  results: RangeResult[] = [];
  failure: ErrorBody | undefined;
  stopped = 0;

  runRanges(state: SplitState, ranges: RangeTask[]): Promise<void> {
    this.queued = { state, ranges };
    return Promise.reject(new JobParked());
  }

  rangeOutcomes(): Promise<{ results: RangeResult[]; failure?: ErrorBody }> {
    return Promise.resolve(
      this.failure ? { results: this.results, failure: this.failure } : { results: this.results },
    );
  }

  stopRanges(): Promise<void> {
    this.stopped += 1;
    return Promise.resolve();
  }
}

/** The outcome of a job that renders a video (not a range). */
export function asRenderResult(outcome: JobOutcome): RenderResult {
  if ('kind' in outcome) throw new Error(`expected a video, got range ${outcome.index}`);
  return outcome;
}
