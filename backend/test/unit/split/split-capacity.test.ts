import type { WorkerStatus } from '../../../src/worker-upkeep/worker-status';
import { parallelRenders } from '../../../src/split/split-capacity';

function worker(
  id: string,
  capacity: WorkerStatus['capacity'],
  state: { paused?: boolean; engineOk?: boolean } = {},
): WorkerStatus {
  return {
    workerId: id,
    hostname: id,
    pid: 1,
    startedAt: '2026-12-03T00:00:00.000Z',
    engine: { ok: state.engineOk ?? true },
    images: [],
    paused: state.paused ?? false,
    ...(capacity ? { capacity } : {}),
  };
}

describe('how many renders a deployment runs side by side to some gain', () => {
  it('counts the renders each engine has cores for, up to its workers slots', () => {
    expect(parallelRenders([worker('a', { engineId: 'e1', cpus: 2, concurrency: 2 })])).toBe(1);
    expect(parallelRenders([worker('a', { engineId: 'e1', cpus: 8, concurrency: 2 })])).toBe(2);
    expect(parallelRenders([worker('a', { engineId: 'e1', cpus: 8, concurrency: 8 })])).toBe(5);
  });

  it('counts an engine shared by several workers once, with their slots together', () => {
    const shared = [
      worker('a', { engineId: 'e1', cpus: 6, concurrency: 1 }),
      worker('b', { engineId: 'e1', cpus: 6, concurrency: 1 }),
      worker('c', { engineId: 'e1', cpus: 6, concurrency: 1 }),
    ];
    expect(parallelRenders(shared)).toBe(3);
    expect(
      parallelRenders([...shared, worker('d', { engineId: 'e2', cpus: 2, concurrency: 2 })]),
    ).toBe(4);
  });

  it('leaves out workers that take no jobs, have no engine, or say nothing of their capacity', () => {
    expect(
      parallelRenders([
        worker('a', { engineId: 'e1', cpus: 16, concurrency: 8 }, { paused: true }),
        worker('b', { engineId: 'e2', cpus: 16, concurrency: 8 }, { engineOk: false }),
        worker('c', undefined),
      ]),
    ).toBe(1);
  });
});
