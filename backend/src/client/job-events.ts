import type { ErrorBody, JobView, RenderProgress } from './api-types';
import { EventStreamParser, type ServerSentEvent } from './event-stream-parser';

/** An event of `GET /api/animation/jobs/:id/events`, its JSON read. */
export type JobEvent =
  | { type: 'state' | 'active'; job: JobView }
  | { type: 'progress'; progress: RenderProgress }
  | { type: 'completed' | 'failed' | 'cancelled'; job: JobView }
  | { type: 'gone'; error: ErrorBody };

const JOB_EVENTS = ['state', 'active', 'completed', 'failed', 'cancelled'] as const;

/** The job's events from the body of its event stream, as they arrive; unknown events are skipped. */
export async function* readJobEvents(
  body: AsyncIterable<Uint8Array>,
): AsyncGenerator<JobEvent, void, undefined> {
  const parser = new EventStreamParser();
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    for (const event of parser.feed(decoder.decode(chunk, { stream: true }))) {
      const parsed = toJobEvent(event);
      if (parsed !== undefined) yield parsed;
    }
  }
}

export function toJobEvent(event: ServerSentEvent): JobEvent | undefined {
  const type = event.event;
  if ((JOB_EVENTS as readonly string[]).includes(type)) {
    return { type: type as (typeof JOB_EVENTS)[number], job: JSON.parse(event.data) as JobView };
  }
  if (type === 'progress') {
    return { type, progress: JSON.parse(event.data) as RenderProgress };
  }
  if (type === 'gone') {
    return { type, error: JSON.parse(event.data) as ErrorBody };
  }
  return undefined;
}

export function isFinalEvent(
  event: JobEvent,
): event is Extract<JobEvent, { type: 'completed' | 'failed' | 'cancelled' | 'gone' }> {
  return ['completed', 'failed', 'cancelled', 'gone'].includes(event.type);
}
