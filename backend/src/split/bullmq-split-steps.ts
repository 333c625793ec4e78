import type { Job, Queue } from 'bullmq';
import type { ErrorBody } from '../errors/app-error';
import type { JobOutcome, RenderJobData } from '../job/render-job';
import {
  JobParked,
  rangeJobId,
  type RangeResult,
  type RangeTask,
  type SplitState,
  type SplitSteps,
} from './split-job';
import type { CancellationSignals } from '../redis/cancellation-signals';
import { decodeJobFailure } from '../redis/job-failure';

export const RANGE_JOB_NAME = 'render-range';

/**
 * A split render on BullMQ flows: the ranges are child jobs of the job (any worker takes them),
 * which waits in `waiting-children` until they have completed, or until one fails
 * (`continueParentOnFailure`), and is then processed again with its split state in its data.
 */
export function bullmqSplitSteps(options: {
  job: Job<RenderJobData, JobOutcome>;
  token: string | undefined;
  /** The queue the ranges go to: the job's own. */
  queue: Queue<RenderJobData, JobOutcome>;
  cancellation: CancellationSignals;
  retentionSeconds: number;
}): SplitSteps {
  const { job, queue } = options;
  const parentId = job.id ?? '';
  return {
    async runRanges(state: SplitState, ranges: RangeTask[]) {
      await job.updateData({ ...job.data, split: state });
      for (const task of ranges) {
        await queue.add(
          RANGE_JOB_NAME,
          { ...job.data, split: undefined, range: task, requestId: job.data.requestId },
          {
            // The same id again after a crash between these steps: BullMQ adds it only once.
            jobId: rangeJobId(parentId, task.index),
            parent: { id: parentId, queue: job.queueQualifiedName },
            continueParentOnFailure: true,
            attempts: 1,
            removeOnComplete: { age: options.retentionSeconds },
            removeOnFail: { age: options.retentionSeconds },
          },
        );
      }
      if (options.token !== undefined && (await job.moveToWaitingChildren(options.token))) {
        throw new JobParked();
      }
    },

    async rangeOutcomes() {
      const values = await job.getChildrenValues<JobOutcome>();
      const results = Object.values(values).filter(
        (value): value is RangeResult => (value as Partial<RangeResult>).kind === 'range',
      );
      const failures = Object.values(await job.getFailedChildrenValues());
      const failure: ErrorBody | undefined =
        failures.length > 0 ? decodeJobFailure(failures[0]) : undefined;
      return failure ? { results, failure } : { results };
    },

    async stopRanges() {
      await job.removeUnprocessedChildren().catch(() => undefined);
      const { unprocessed = [] } = await job.getDependencies({ unprocessed: {} });
      for (const key of unprocessed) {
        // A key is `<prefix>:<queue>:<id>`; a running range stops on the cancel request.
        await options.cancellation.request(key.slice(key.lastIndexOf(':') + 1));
      }
    },
  };
}
