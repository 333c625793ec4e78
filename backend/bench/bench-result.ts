import type { ApiLoadResult } from './api-load';
import type { BenchPart } from './bench-options';
import type { BareRunTiming } from './bare-render';
import type { EndToEndTiming } from './bench-service';
import type { MachineInfo, Versions } from './machine-info';
import type { Summary } from './stats';

/** The raw record of one run, written to performance.json and rendered into performance.md. */
export interface BenchResult {
  generatedAt: string;
  mode: 'quick' | 'full';
  durationSeconds: number;
  settings: {
    repetitions: number;
    throughputJobs: number;
    throughputRounds: number;
    workerConcurrency: number;
    apiSeconds: number;
    apiRounds: number;
    apiConnections: number;
    scalingJobs?: number;
    /** The service's container limits during the run (the bare runs have none). */
    serviceLimits: { renderCpus: number; renderMemoryMb: number; renderPidsLimit: number };
  };
  machine: MachineInfo;
  versions: Versions;
  renders?: SceneComparison[];
  throughput?: ThroughputComparison;
  api?: ApiLoadResult;
  repeats?: RepeatResult;
  warm?: WarmPoolComparison;
  scaling?: ScalingResult;
  runtimes?: RuntimeComparison;
  split?: SplitComparison;
  /**
   * Parts this run did not measure (`--only`), kept from the performance.json it replaced, with
   * the run they come from.
   */
  carriedOver?: Partial<Record<BenchPart, CarriedOverFrom>>;
  targets: TargetVerdict[];
}

export interface CarriedOverFrom {
  generatedAt: string;
  mode: 'quick' | 'full';
  gitCommit: string;
  loadAverage: { start: number; end?: number };
  /** CPU, cores, memory, system and kernel of that run; absent in records made before it was kept. */
  machine?: string;
}

/** The trivial and gallery scenes with a warm pool, against the bare run and the service without. */
export interface WarmPoolComparison {
  /** WARM_POOL_SIZE of the service with the pool. */
  poolSize: number;
  scenes: WarmSceneComparison[];
}

export interface WarmSceneComparison {
  scene: string;
  description: string;
  bare: { runs: BareRunTiming[]; totalMs: Summary };
  /** The service without a pool (WARM_POOL_SIZE=0). */
  cold: { runs: EndToEndTiming[]; totalMs: Summary };
  /** The service with a pool, each run started while the pool was full. */
  warm: { runs: EndToEndTiming[]; totalMs: Summary };
  /** Median warm end to end over median bare run. */
  ratio: number;
}

export interface SceneComparison {
  scene: string;
  description: string;
  bare: { runs: BareRunTiming[]; totalMs: Summary };
  service: { runs: EndToEndTiming[]; totalMs: Summary };
  /** Median end to end minus median bare run. */
  overheadMs: number;
  /** Median end to end over median bare run. */
  ratio: number;
}

export interface ThroughputRound {
  wallMs: number;
  jobsPerMinute: number;
}

export interface ThroughputComparison {
  scene: string;
  jobs: number;
  concurrency: number;
  bare: { rounds: ThroughputRound[]; jobsPerMinute: Summary };
  service: { rounds: ThroughputRound[]; jobsPerMinute: Summary };
  /** Median service jobs per minute over median bare jobs per minute. */
  ratio: number;
}

export interface RepeatResult {
  scene: string;
  /** The first submission of the request, which every later one repeats. */
  first: EndToEndTiming;
  repeats: EndToEndTiming[];
  totalMs: Summary;
}

export interface TargetVerdict {
  name: string;
  /** The part whose figures the verdict reads, to name the run they come from. */
  part: BenchPart;
  target: string;
  /** The medians the verdict compares, with their spread (min–max) and the number of runs. */
  measured: string;
  /** How many runs the medians come from (the fewest of the sides compared). */
  runs: number;
  /** Null when fewer runs than MIN_RUNS_TO_JUDGE were taken: not judged. */
  met: boolean | null;
}

/** Jobs per minute and the load on Redis and the API for 1, 2, 4… worker processes. */
export interface ScalingResult {
  scene: string;
  /** Jobs submitted at once in each measured round. */
  jobs: number;
  /** How long the workers sat idle while Redis was watched, per round. */
  idleSeconds: number;
  dockerInDocker: { storageDriver: string; privileged: boolean };
  /** Redis and the API with no worker, over the idle window: timers and event readers. */
  baseline: {
    redisCommandsPerSecond: number;
    redisCpuMsPerSecond: number;
    apiCpuMsPerSecond: number;
  };
  /**
   * Redis CPU per PING sent one after another: a round trip on this machine, to scale the other
   * Redis numbers to a machine where system calls cost more or less.
   */
  redisCpuMsPerPing: number;
  rounds: ScalingRound[];
  /** Jobs per minute of each round over those of the first (one worker). */
  speedup: Array<{ workers: number; ratio: number }>;
  /** `GET /api/animation/jobs/:id` of a finished job, one after another; CPU above the baseline. */
  statusPoll: {
    requests: number;
    redisCommandsPerRequest: number;
    redisCpuMsPerRequest: number;
    apiCpuMsPerRequest: number;
  };
}

export interface ScalingRound {
  workers: number;
  workersPerEngine: { machine: number; dockerInDocker: number };
  jobsRenderedPerEngine: { machine: number; dockerInDocker: number };
  jobs: number;
  wallMs: number;
  jobsPerMinute: number;
  /** Everything Redis and the API did during the round, divided by its jobs. */
  perJob: {
    redisCommands: number;
    redisScripts: number;
    /** CPU above the baseline: less what Redis and the API spend anyway over the wall time. */
    redisCpuMs: number;
    apiCpuMs: number;
  };
  /** What each idle worker adds to the baseline. */
  idle: {
    seconds: number;
    redisCommandsPerWorkerSecond: number;
    redisCpuMsPerWorkerSecond: number;
  };
  /** The commands Redis ran most often, per job (those inside scripts included). */
  topCommands: Array<{ command: string; perJob: number }>;
}

/** gVisor against the engine's default runtime, end to end, without and with a warm pool. */
export interface RuntimeComparison {
  runtime: string;
  /** What one idle warm container holds, by runtime. */
  idleWarmMemoryMb: { runc: number; runsc: number };
  scenes: Array<{
    scene: string;
    description: string;
    totalMs: { runcCold: Summary; runcWarm: Summary; runscCold: Summary; runscWarm: Summary };
    /** Median under gVisor over median under the default runtime, without a pool. */
    coldRatio: number;
    /** The same with a warm pool of one. */
    warmRatio: number;
  }>;
}

/** The long reference scene bare, and through the service in one container and in ranges. */
export interface SplitComparison {
  scene: string;
  description: string;
  /** SPLIT_MAX_CHUNKS of the service; `auto` takes at most this many ranges. */
  maxChunks: number;
  sides: Record<SplitSide, SplitSideResult>;
  /** What auto chose, run by run. */
  autoChunks: number[];
  /** Model of wall time against the number of ranges, one range per host of this speed. */
  model: { ranges: number; predictedMs: number }[];
  /** The scene re-rendered with its last play changed, on a service that reuses plays. */
  editLoop?: { wallMs: Summary; reusedPlays: number[] };
}

export const SPLIT_SIDES = ['bare', 'chunks1', 'chunks2', 'auto'] as const;
export type SplitSide = (typeof SPLIT_SIDES)[number];

export interface SplitSideResult {
  wallMs: Summary;
  /** CPU time of the whole machine during the run (every process), in seconds. */
  cpuSeconds: Summary;
  /** Split renders: where the time went, run by run. */
  timings?: {
    planMs: number;
    ranges: { durationMs: number; steppedMs: number }[];
    joinMs: number;
  }[];
}
