import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Router } from 'express';
import type { Queue } from 'bullmq';

/** bull-board's pages for the render queue and the webhook deliveries, mounted at `basePath`. */
export function createQueueDashboard(queues: Queue[], basePath: string): Router {
  const server = new ExpressAdapter();
  server.setBasePath(basePath);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: false })),
    serverAdapter: server,
  });
  return server.getRouter() as Router;
}
