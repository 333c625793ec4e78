import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Router } from 'express';
import type { Queue } from 'bullmq';

/** bull-board's pages for the render queue, to be mounted at `basePath`. */
export function createQueueDashboard(queue: Queue, basePath: string): Router {
  const server = new ExpressAdapter();
  server.setBasePath(basePath);
  createBullBoard({
    queues: [new BullMQAdapter(queue, { readOnlyMode: false })],
    serverAdapter: server,
  });
  return server.getRouter() as Router;
}
