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
  target: string;
  measured: string;
  met: boolean;
}
