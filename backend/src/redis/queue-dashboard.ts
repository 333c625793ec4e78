import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Router } from 'express';
import type { Queue } from 'bullmq';

/**
 * bull-board's pages for the render queue and the webhook deliveries, mounted at `basePath`.
 * Read-only, its routes refuse every change (pause, clean, retry, promote, remove), not just
 * hide the buttons.
 */
export function createQueueDashboard(
  queues: Queue[],
  options: { basePath: string; readOnly: boolean },
): Router {
  const server = new ExpressAdapter();
  server.setBasePath(options.basePath);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: options.readOnly })),
    serverAdapter: server,
  });
  return server.getRouter() as Router;
}
