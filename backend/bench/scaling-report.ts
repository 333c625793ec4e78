import type { BenchResult } from './bench-result';
import { ESTIMATE_ASSUMPTIONS, estimateScaling } from './scaling-estimate';

/** The scaling part's section of performance.md: the rounds, then the estimate built on them. */
export function scalingTables(result: BenchResult): string[] {
  const scaling = result.scaling;
  if (!scaling || scaling.rounds.length === 0) return [];
  const estimate = estimateScaling(scaling);
  const { coreShare, pollsPerJob } = ESTIMATE_ASSUMPTIONS;
  const poll = scaling.statusPoll;
  const fixed = (value: number, digits = 2) => value.toFixed(digits);
  return [
    '### Scaling out: worker processes on two Docker Engines',
    '',
    `One API process and N worker processes (WORKER_CONCURRENCY=1 each, no warm pool) on a Redis of their own; workers alternate between the machine's engine and a Docker-in-Docker engine (${scaling.dockerInDocker.storageDriver}, ${scaling.dockerInDocker.privileged ? 'privileged' : 'explicit capabilities'}) that sees none of the host's folders. Each round: one warm-up job per worker, ${scaling.idleSeconds} s idle, then ${scaling.jobs} jobs of ${scaling.scene} at once. Redis counts include the commands run inside BullMQ's Lua scripts and the bench's own event reader; CPU is the Redis server's and the API process's.`,
    '',
    '| Workers (machine + DinD) | Jobs rendered (machine / DinD) | Wall time | Jobs per minute | Speed-up | Redis commands per job (scripts) | Redis CPU per job | API CPU per job | Each idle worker: Redis commands / CPU per second |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...scaling.rounds.map((round, index) => {
      const engines = round.workersPerEngine;
      const rendered = round.jobsRenderedPerEngine;
      return `| ${round.workers} (${engines.machine} + ${engines.dockerInDocker}) | ${rendered.machine} / ${rendered.dockerInDocker} | ${fixed(round.wallMs / 1000, 1)} s | ${fixed(round.jobsPerMinute, 1)} | x${fixed(scaling.speedup[index]?.ratio ?? 0)} | ${fixed(round.perJob.redisCommands, 0)} (${fixed(round.perJob.redisScripts, 0)}) | ${fixed(round.perJob.redisCpuMs)} ms | ${fixed(round.perJob.apiCpuMs)} ms | ${fixed(round.idle.redisCommandsPerWorkerSecond, 1)} / ${fixed(round.idle.redisCpuMsPerWorkerSecond, 3)} ms |`;
    }),
    '',
    `Most frequent commands per job, ${scaling.rounds[scaling.rounds.length - 1]?.workers ?? 0} workers: ${(
      scaling.rounds[scaling.rounds.length - 1]?.topCommands ?? []
    )
      .map((entry) => `${entry.command} ${fixed(entry.perJob, 1)}`)
      .join(', ')}.`,
    '',
    `CPU is counted above a baseline taken first with the API and no worker: Redis ${fixed(scaling.baseline.redisCommandsPerSecond, 1)} commands and ${fixed(scaling.baseline.redisCpuMsPerSecond)} ms of CPU per second, the API ${fixed(scaling.baseline.apiCpuMsPerSecond)} ms per second. A status poll (\`GET /api/animation/jobs/:id\`, ${poll.requests} in a row) costs ${fixed(poll.redisCommandsPerRequest, 1)} Redis commands, ${fixed(poll.redisCpuMsPerRequest, 3)} ms of Redis CPU and ${fixed(poll.apiCpuMsPerRequest)} ms of API CPU. For scale: one PING round trip costs this Redis ${fixed(scaling.redisCpuMsPerPing * 1000, 1)} µs of CPU; where system calls are cheaper, every Redis figure here shrinks in proportion.`,
    '',
    '#### Worked estimate',
    '',
    `Planning Redis and one API process at ${coreShare * 100} % of a core each, less their baselines, with clients that poll their job ${pollsPerJob} times; per job the highest of the rounds:`,
    '',
    '| | Per job | Jobs per second | Hosts like this one |',
    '| --- | --- | --- | --- |',
    `| Redis (one thread) | ${fixed(estimate.redisMsPerJob)} ms CPU; each worker ${fixed(estimate.redisIdleMsPerWorkerSecond, 3)} ms per second while idle | ${fixed(estimate.redisJobsPerSecond, 0)} | ${fixed(estimate.hostsPerRedis, 0)} |`,
    `| One API process | ${fixed(estimate.apiMsPerJob)} ms CPU | ${fixed(estimate.apiJobsPerSecond, 0)} | ${fixed(estimate.hostsPerApi, 0)} |`,
    `| One worker host like this machine | | ${fixed(estimate.hostJobsPerSecond, 2)} (best round) | 1 |`,
    '',
  ];
}
