import { createLogger } from '../../../src/logging/logger';
import { sweepOrphans, type OrphanSweepPorts } from '../../../src/worker-upkeep/orphan-sweep';

const logger = createLogger({ level: 'error', service: 'test', silent: true });

function portsWith(
  containers: Array<{ id: string; workerId?: string }>,
  aliveWorkers: string[],
): OrphanSweepPorts & { removed: string[] } {
  const removed: string[] = [];
  return {
    removed,
    listContainers: async () =>
      containers.map((container) => ({
        id: container.id,
        jobId: 'job',
        workerId: container.workerId,
      })),
    isWorkerAlive: async (workerId) => aliveWorkers.includes(workerId),
    removeContainer: async (id) => {
      removed.push(id);
    },
  };
}

describe('sweeping orphaned render containers', () => {
  it('removes the containers of workers that are gone and keeps those of live workers', async () => {
    const ports = portsWith(
      [
        { id: 'a', workerId: 'alive' },
        { id: 'b', workerId: 'dead' },
        { id: 'c', workerId: 'alive' },
      ],
      ['alive'],
    );
    expect(await sweepOrphans(ports, logger)).toBe(1);
    expect(ports.removed).toEqual(['b']);
  });

  it('removes containers that name no worker at all', async () => {
    const ports = portsWith([{ id: 'unlabelled' }], ['alive']);
    await sweepOrphans(ports, logger);
    expect(ports.removed).toEqual(['unlabelled']);
  });
});
