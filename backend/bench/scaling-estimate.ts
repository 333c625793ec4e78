import type { ScalingResult } from './bench-result';

/**
 * What the estimate assumes: Redis runs commands on one thread and the API's JavaScript runs on
 * one, so each is planned at half a core (room for bursts, persistence and the unmeasured); a
 * client asks for its job's state once a second through a render of about ten seconds.
 */
export const ESTIMATE_ASSUMPTIONS = {
  coreShare: 0.5,
  pollsPerJob: 10,
} as const;

export interface ScalingEstimate {
  /** What Redis and the API spend per second with no worker, set aside before anything else. */
  redisBaselineMsPerSecond: number;
  apiBaselineMsPerSecond: number;
  /** Redis CPU per job, its status polls included (the highest of the rounds). */
  redisMsPerJob: number;
  /** Redis CPU per second for each idle worker process (the highest of the rounds). */
  redisIdleMsPerWorkerSecond: number;
  apiMsPerJob: number;
  /** Jobs per second that half a core of Redis serves, idle workers aside. */
  redisJobsPerSecond: number;
  /** Jobs per second that half a core of one API process serves. */
  apiJobsPerSecond: number;
  /** The best round on this machine: what one worker host like it renders per second. */
  hostJobsPerSecond: number;
  /** Hosts like this one that one Redis keeps busy, each with one worker process. */
  hostsPerRedis: number;
  hostsPerApi: number;
}

/** A worked estimate from one run's scaling part; every input is a measured number. */
export function estimateScaling(scaling: ScalingResult): ScalingEstimate {
  const { coreShare, pollsPerJob } = ESTIMATE_ASSUMPTIONS;
  const budgetMs = coreShare * 1000;
  const highest = (values: number[]) => values.reduce((max, value) => Math.max(max, value), 0);
  const poll = scaling.statusPoll;
  const redisMsPerJob =
    highest(scaling.rounds.map((round) => round.perJob.redisCpuMs)) +
    pollsPerJob * poll.redisCpuMsPerRequest;
  const redisIdleMsPerWorkerSecond = highest(
    scaling.rounds.map((round) => round.idle.redisCpuMsPerWorkerSecond),
  );
  const apiMsPerJob =
    highest(scaling.rounds.map((round) => round.perJob.apiCpuMs)) +
    pollsPerJob * poll.apiCpuMsPerRequest;
  const hostJobsPerSecond = highest(scaling.rounds.map((round) => round.jobsPerMinute)) / 60;
  const redisBudgetMs = budgetMs - scaling.baseline.redisCpuMsPerSecond;
  const apiBudgetMs = budgetMs - scaling.baseline.apiCpuMsPerSecond;
  const redisJobsPerSecond = redisBudgetMs / redisMsPerJob;
  const apiJobsPerSecond = apiBudgetMs / apiMsPerJob;
  return {
    redisBaselineMsPerSecond: scaling.baseline.redisCpuMsPerSecond,
    apiBaselineMsPerSecond: scaling.baseline.apiCpuMsPerSecond,
    redisMsPerJob,
    redisIdleMsPerWorkerSecond,
    apiMsPerJob,
    redisJobsPerSecond,
    apiJobsPerSecond,
    hostJobsPerSecond,
    // Each host adds its jobs and its idle polling: budget = hosts × (rate × per job + idle).
    hostsPerRedis: redisBudgetMs / (hostJobsPerSecond * redisMsPerJob + redisIdleMsPerWorkerSecond),
    hostsPerApi: apiJobsPerSecond / hostJobsPerSecond,
  };
}
