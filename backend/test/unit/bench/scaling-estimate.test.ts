import type { ScalingResult, ScalingRound } from '../../../bench/bench-result';
import { estimateScaling } from '../../../bench/scaling-estimate';

function round(workers: number, change: Partial<ScalingRound>): ScalingRound {
  return {
    workers,
    workersPerEngine: { machine: workers, dockerInDocker: 0 },
    jobsRenderedPerEngine: { machine: 0, dockerInDocker: 0 },
    jobs: 10,
    wallMs: 10_000,
    jobsPerMinute: 60,
    perJob: { redisCommands: 100, redisScripts: 10, redisCpuMs: 4, apiCpuMs: 10 },
    idle: { seconds: 10, redisCommandsPerWorkerSecond: 1, redisCpuMsPerWorkerSecond: 0.5 },
    topCommands: [],
    ...change,
  };
}

const scaling: ScalingResult = {
  scene: 'trivial-low',
  jobs: 10,
  idleSeconds: 10,
  dockerInDocker: { storageDriver: 'overlay2', privileged: true },
  baseline: { redisCommandsPerSecond: 5, redisCpuMsPerSecond: 20, apiCpuMsPerSecond: 50 },
  redisCpuMsPerPing: 0.05,
  rounds: [
    round(1, {}),
    round(2, {
      jobsPerMinute: 120,
      perJob: { redisCommands: 100, redisScripts: 10, redisCpuMs: 5, apiCpuMs: 8 },
    }),
  ],
  speedup: [],
  statusPoll: {
    requests: 100,
    redisCommandsPerRequest: 4,
    redisCpuMsPerRequest: 0.1,
    apiCpuMsPerRequest: 1,
  },
};

describe('the worked scaling estimate', () => {
  const estimate = estimateScaling(scaling);

  it('charges each job its highest measured cost plus ten status polls', () => {
    expect(estimate.redisMsPerJob).toBeCloseTo(5 + 10 * 0.1);
    expect(estimate.apiMsPerJob).toBeCloseTo(10 + 10 * 1);
  });

  it('plans half a core, less what Redis and the API spend with no worker', () => {
    expect(estimate.redisJobsPerSecond).toBeCloseTo((500 - 20) / 6);
    expect(estimate.apiJobsPerSecond).toBeCloseTo((500 - 50) / 20);
  });

  it('counts hosts like the best round, each adding its jobs and its idle polling', () => {
    expect(estimate.hostJobsPerSecond).toBeCloseTo(2);
    expect(estimate.hostsPerRedis).toBeCloseTo((500 - 20) / (2 * 6 + 0.5));
    expect(estimate.hostsPerApi).toBeCloseTo(22.5 / 2);
  });
});
