import { randomUUID } from 'node:crypto';
import { AppError } from '../errors/app-error';
import type { JobFile } from '../uploads/job-files';
import {
  hasEnded,
  type JobView,
  type RenderJobData,
  type RenderSubmitter,
  type StoredJob,
  type SubmitOutcome,
} from '../job/render-job';
import { OPEN_TENANT } from '../tenants/caller';
import { copiedRenderView } from './copied-render';
import { renderIdentity } from './render-identity';
import type { SubmitPorts } from './submit-ports';

/** What the service admits, and what answering with an earlier job needs. */
export interface SubmitPolicy {
  /** Most jobs that may wait; beyond it, submit fails with `queue_full` (MAX_QUEUED_JOBS). */
  maxQueuedJobs: number;
  /** Free space the outputs' disk must keep; below it, `insufficient_storage` (MIN_FREE_DISK_MB). */
  minFreeMb: number;
  /** The render image of a Manim version, part of a render's identity. */
  imageOf(manimVersion: string | undefined): string;
  /** Whether a completed job's file is still there to be downloaded. */
  resultAvailable(job: JobView): Promise<boolean>;
  /**
   * Who an identical earlier render answers (CACHE_SCOPE): requests of its own tenant only, or
   * of any tenant, each then getting a job of its own with a copy of the file.
   */
  cacheScope: 'tenant' | 'global';
  /** Copies a completed job's files to a new job id; false when they cannot be copied now. */
  copyResult(job: JobView, toJobId: string): Promise<boolean>;
}

const MIB = 1024 * 1024;

/**
 * Admits render requests: refuses them when the disk or the queue is full, answers one with an
 * identical earlier job when it may, registers its callback, keeps its files and queues it.
 */
export function createSubmitService(ports: SubmitPorts, policy: SubmitPolicy): RenderSubmitter {
  /** An earlier identical job that is still running, or finished with its file still there. */
  const reusable = async (id: string): Promise<StoredJob | undefined> => {
    const earlier = await ports.jobs.find(id);
    if (!earlier) return undefined;
    const { view } = earlier;
    if (!hasEnded(view.status)) return earlier;
    if (view.status === 'completed' && (await policy.resultAvailable(view))) return earlier;
    return undefined;
  };

  /**
   * Which requests share renders: those of one tenant, or all (identities then name no tenant).
   * Jobs are never shared across tenants; see `answerWithCopy`.
   */
  const identityOf = (data: RenderJobData): string => {
    const scope = policy.cacheScope === 'global' ? 'global' : (data.owner ?? OPEN_TENANT);
    return `${scope}:${renderIdentity(data, policy.imageOf(data.options.manimVersion))}`;
  };

  /**
   * Another tenant's identical render has completed: this request gets a job of its own, already
   * completed, with a copy of the file. Undefined when the copy cannot be made (render anew).
   */
  const answerWithCopy = async (
    earlier: JobView,
    id: string,
    data: RenderJobData,
    callbackUrl: string | undefined,
  ): Promise<SubmitOutcome | undefined> => {
    if (earlier.result === undefined || !(await policy.copyResult(earlier, id))) return undefined;
    const view = copiedRenderView(id, data, earlier.result, new Date());
    await ports.queue.addEnded({ view, owner: data.owner });
    if (callbackUrl === undefined) return { id, reused: view };
    const deliveryId = await callbacks().deliverNow(view, callbackUrl);
    return { id, reused: view, webhook: { deliveryId } };
  };

  const callbacks = () => {
    if (!ports.callbacks) throw new Error('This submit service was built without callbacks');
    return ports.callbacks;
  };

  /**
   * A request answered with an earlier job gets that job's webhook too: when it ends, or at once
   * when it has ended (also when it ended while this request was being answered).
   */
  const attachCallback = async (earlier: JobView, url: string): Promise<string> => {
    let ended: JobView | undefined = earlier;
    if (!hasEnded(earlier.status)) {
      const subscribed = await callbacks().subscribe(earlier.id, url);
      if (subscribed.attached) return subscribed.deliveryId;
      ended = (await ports.jobs.find(earlier.id))?.view;
    }
    if (!ended || !hasEnded(ended.status)) {
      throw new Error(`Job ${earlier.id} ended, but its final state cannot be read`);
    }
    return callbacks().deliverNow(ended, url);
  };

  const ensureDiskSpace = async (): Promise<void> => {
    if (policy.minFreeMb === 0) return;
    const freeBytes = await ports.freeDiskBytes();
    if (freeBytes === undefined) return;
    const freeMb = Math.floor(freeBytes / MIB);
    if (freeMb < policy.minFreeMb) {
      throw new AppError(
        'insufficient_storage',
        `Only ${freeMb} MiB are free on the disk that holds the outputs; new renders need at least ${policy.minFreeMb} MiB (MIN_FREE_DISK_MB)`,
        { details: { freeMb, minFreeMb: policy.minFreeMb } },
      );
    }
  };

  const ensureRoomInQueue = async (): Promise<void> => {
    const queued = await ports.queue.waitingCount();
    if (queued >= policy.maxQueuedJobs) {
      throw new AppError(
        'queue_full',
        `The render queue is full: ${queued} jobs are waiting, the limit is ${policy.maxQueuedJobs}`,
        { details: { queued, limit: policy.maxQueuedJobs } },
      );
    }
  };

  const enqueue = async (id: string, data: RenderJobData, files: JobFile[]): Promise<void> => {
    if (files.length > 0) {
      if (!ports.files) throw new Error('This submit service was built without a file store');
      await ports.files.save(id, files);
    }
    try {
      await ports.queue.add(id, data);
    } catch (error) {
      if (files.length > 0) await ports.files?.remove(id).catch(() => undefined);
      throw error;
    }
  };

  return {
    async submit(data, options): Promise<SubmitOutcome> {
      await ensureDiskSpace();
      const id = randomUUID();
      const identity = identityOf(data);
      // Of two identical requests at the same moment, one renders and the other attaches.
      const holder = options.reuse ? await ports.identities.claim(identity, id) : undefined;
      const stored = holder === undefined ? undefined : await reusable(holder);
      if (stored !== undefined && stored.owner === data.owner) {
        const earlier = stored.view;
        if (options.callbackUrl === undefined) return { id: earlier.id, reused: earlier };
        const deliveryId = await attachCallback(earlier, options.callbackUrl);
        return { id: earlier.id, reused: earlier, webhook: { deliveryId } };
      }
      if (stored !== undefined && stored.view.status === 'completed') {
        const copied = await answerWithCopy(stored.view, id, data, options.callbackUrl);
        if (copied) return copied;
      }
      if (holder !== undefined || !options.reuse) await ports.identities.assign(identity, id);
      try {
        await ensureRoomInQueue();
      } catch (error) {
        await ports.identities.release(identity);
        throw error;
      }
      // Registered before the job exists, so that no end can pass unnoticed.
      const subscribed =
        options.callbackUrl === undefined
          ? undefined
          : await callbacks().subscribe(id, options.callbackUrl);
      await enqueue(id, data, options.files ?? []);
      return subscribed ? { id, webhook: { deliveryId: subscribed.deliveryId } } : { id };
    },
  };
}
