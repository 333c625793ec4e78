import path from 'node:path';

export interface BenchOptions {
  quick: boolean;
  /** Only rewrite performance.md from the performance.json in `outDir`, measuring nothing. */
  reportOnly: boolean;
  /** Runs per scene for the bare and the end-to-end measurements, and for the repeats. */
  repetitions: number;
  /** Rounds of the throughput measurement (each submits `throughputJobs` jobs at once). */
  throughputRounds: number;
  throughputJobs: number;
  /** Measured seconds of one API load round, and how many rounds per endpoint. */
  apiSeconds: number;
  apiRounds: number;
  /** Upper bound of requests in one API load round. */
  apiMaxRequests: number;
  apiConnections: number;
  /** Jobs per round of the scaling part, the worker counts it tries, its idle window. */
  scalingJobs: number;
  scalingWorkerCounts: number[];
  scalingIdleSeconds: number;
  /** Runs of each side of the split part (the long scene takes about a minute a run). */
  splitRepetitions: number;
  /** Where performance.json and performance.md are written. */
  outDir: string;
  /** Which parts to run; all by default. */
  parts: ReadonlySet<BenchPart>;
}

export const BENCH_PARTS = [
  'renders',
  'throughput',
  'api',
  'repeats',
  'warm',
  'scaling',
  'runtimes',
  'split',
] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

export const USAGE = `Usage: npm run bench -- [options]
  --quick                 a fast smoke run (1 repetition, 2 throughput jobs, 2 s API rounds,
                          1 and 2 workers for scaling);
                          writes to temp/bench/ unless --out is given
  --repetitions N         runs per scene (BENCH_REPETITIONS, default 5)
  --throughput-jobs N     jobs submitted at once (BENCH_THROUGHPUT_JOBS, default 6)
  --throughput-rounds N   throughput rounds (BENCH_THROUGHPUT_ROUNDS, default 3)
  --api-seconds S         seconds per API load round (BENCH_API_SECONDS, default 5)
  --scaling-jobs N        jobs per round of the scaling part, run with 1, 2 and 4 worker
                          processes (BENCH_SCALING_JOBS, default 12)
  --split-repetitions N   runs of each side of the split part, about a minute each
                          (BENCH_SPLIT_REPETITIONS, default 3)
  --only a,b              parts to run: ${BENCH_PARTS.join(', ')}; the other parts of the
                          performance.json in --out are kept, marked as carried over
  --out DIR               where performance.json/.md go (default docs/)
  --report-only           rewrite performance.md from the performance.json in --out`;

export class UsageError extends Error {}

/** Flags win over environment variables, which win over the defaults of the mode. */
export function parseBenchOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  projectRoot: string,
): BenchOptions {
  const flags = new Map<string, string>();
  let quick = false;
  let reportOnly = false;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    if (arg === '--quick' || arg === '--report-only') {
      if (arg === '--quick') quick = true;
      else reportOnly = true;
      continue;
    }
    if (arg === '--help' || arg === '-h') throw new UsageError(USAGE);
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match?.[1]) throw new UsageError(`unknown argument ${arg}\n${USAGE}`);
    const value = match[2] ?? argv[index + 1];
    if (match[2] === undefined) index += 1;
    if (value === undefined) throw new UsageError(`--${match[1]} needs a value\n${USAGE}`);
    flags.set(match[1], value);
  }
  const known = new Set([
    'repetitions',
    'throughput-jobs',
    'throughput-rounds',
    'api-seconds',
    'scaling-jobs',
    'split-repetitions',
    'only',
    'out',
  ]);
  for (const name of flags.keys()) {
    if (!known.has(name)) throw new UsageError(`unknown option --${name}\n${USAGE}`);
  }

  const count = (flag: string, variable: string, fallback: number): number => {
    const raw = flags.get(flag) ?? env[variable];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) {
      throw new UsageError(`--${flag} (${variable}) must be a whole number >= 1, got ${raw}`);
    }
    return value;
  };

  const parts = new Set<BenchPart>();
  for (const name of (flags.get('only') ?? BENCH_PARTS.join(',')).split(',')) {
    const part = BENCH_PARTS.find((candidate) => candidate === name.trim());
    if (!part)
      throw new UsageError(`--only: unknown part "${name}"; known: ${BENCH_PARTS.join(', ')}`);
    parts.add(part);
  }

  const defaultOut = quick
    ? path.join(projectRoot, 'temp', 'bench')
    : path.join(projectRoot, 'docs');
  const apiSeconds = count('api-seconds', 'BENCH_API_SECONDS', quick ? 2 : 5);
  return {
    quick,
    reportOnly,
    repetitions: count('repetitions', 'BENCH_REPETITIONS', quick ? 1 : 5),
    throughputRounds: count('throughput-rounds', 'BENCH_THROUGHPUT_ROUNDS', quick ? 1 : 3),
    throughputJobs: count('throughput-jobs', 'BENCH_THROUGHPUT_JOBS', quick ? 2 : 6),
    apiSeconds,
    apiRounds: quick ? 1 : 3,
    // Far above what one core answers in that time; it only bounds a runaway.
    apiMaxRequests: apiSeconds * 20_000,
    apiConnections: 10,
    scalingJobs: count('scaling-jobs', 'BENCH_SCALING_JOBS', quick ? 4 : 12),
    scalingWorkerCounts: quick ? [1, 2] : [1, 2, 4],
    scalingIdleSeconds: quick ? 3 : 10,
    splitRepetitions: count('split-repetitions', 'BENCH_SPLIT_REPETITIONS', quick ? 1 : 3),
    outDir: path.resolve(projectRoot, flags.get('out') ?? defaultOut),
    parts,
  };
}
