import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import prettier from 'prettier';
import type { BenchResult } from './bench-result';
import { machineSummary } from './machine-info';
import { MIN_RUNS_TO_JUDGE, ms, signedMs, speedup } from './bench-targets';
import { runtimeTables } from './runtime-report';
import { scalingTables } from './scaling-report';
import { splitTables } from './split-report';
import { summarize, type Summary } from './stats';

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

/**
 * Writes performance.json and the results section of performance.md. Text outside the markers in
 * an existing performance.md (how to run, how to read) is kept as it is.
 */
export async function writeReport(
  outDir: string,
  result: BenchResult,
): Promise<{ json: string; markdown: string }> {
  await mkdir(outDir, { recursive: true });
  const json = path.join(outDir, 'performance.json');
  await writeFile(json, `${JSON.stringify(result, null, 2)}\n`);

  const markdown = path.join(outDir, 'performance.md');
  const section = `${START}\n\n${resultsSection(result)}\n${END}`;
  let document = `# Performance\n\n${section}\n`;
  if (existsSync(markdown)) {
    const current = await readFile(markdown, 'utf8');
    const start = current.indexOf(START);
    const end = current.indexOf(END);
    if (start >= 0 && end > start) {
      document = current.slice(0, start) + section + current.slice(end + END.length);
    }
  }
  const options = (await prettier.resolveConfig(markdown)) ?? {};
  await writeFile(markdown, await prettier.format(document, { ...options, parser: 'markdown' }));
  return { json, markdown };
}

function resultsSection(result: BenchResult): string {
  const lines: string[] = [
    '<!-- Written by `npm run bench`; whatever is between these markers is replaced on each run. -->',
    '',
    ...runTable(result),
    ...carriedOverLines(result),
    ...targetTable(result),
    ...renderTables(result),
    ...throughputTable(result),
    ...apiTable(result),
    ...repeatTable(result),
    ...warmPoolTables(result),
    ...runtimeTables(result),
    ...scalingTables(result),
    ...splitTables(result),
  ];
  return lines.join('\n');
}

function carriedOverLines(result: BenchResult): string[] {
  const entries = Object.entries(result.carriedOver ?? {});
  if (entries.length === 0) return [];
  const byRun = new Map<string, string[]>();
  for (const [part, from] of entries) {
    const load = `${from.loadAverage.start.toFixed(2)}–${from.loadAverage.end?.toFixed(2) ?? '?'}`;
    const machine = from.machine ?? 'machine not recorded';
    const run = `the ${from.mode} run of ${from.generatedAt} (commit ${from.gitCommit}; ${machine}; load ${load})`;
    byRun.set(run, [...(byRun.get(run) ?? []), part]);
  }
  return [
    'This run measured only some parts (`--only`); the others are carried over unchanged from earlier runs, each named here with its commit, machine and load:',
    '',
    ...[...byRun].map(
      ([run, parts]) => `- ${parts.map((part) => `\`${part}\``).join(', ')}: ${run}`,
    ),
    '',
  ];
}

function warmPoolTables(result: BenchResult): string[] {
  const warm = result.warm;
  if (!warm || warm.scenes.length === 0) return [];
  const median = (values: Array<number | null>): string => {
    const known = values.filter((value): value is number => value !== null);
    return known.length === 0 ? '?' : ms(summarize(known).median);
  };
  return [
    '### Warm pool',
    '',
    `The service with \`WARM_POOL_SIZE=${warm.poolSize}\` against the bare run and the service without a pool, taken in turns, each run started while the pool was full. Median (min–max) over ${warm.scenes[0]?.bare.runs.length ?? 0} runs each.`,
    '',
    '| Scene | Bare run | Service, no pool | Service, warm pool | Warm pool vs bare (medians) |',
    '| --- | --- | --- | --- | --- |',
    ...warm.scenes.map(
      (scene) =>
        `| ${scene.scene} | ${spread(scene.bare.totalMs)} | ${spread(scene.cold.totalMs)} | ${spread(scene.warm.totalMs)} | ${speedup(scene.ratio)} (x${scene.ratio.toFixed(2)}) |`,
    ),
    '',
    'The worker’s own time per job (medians): job folder or warm container, render, moving the file.',
    '',
    '| Scene | Service, no pool | Service, warm pool |',
    '| --- | --- | --- |',
    ...warm.scenes.map(
      (scene) =>
        `| ${scene.scene} | ${median(scene.cold.runs.map((run) => run.workerMs))} | ${median(scene.warm.runs.map((run) => run.workerMs))} |`,
    ),
    '',
  ];
}

function runTable(result: BenchResult): string[] {
  const { machine, versions, settings } = result;
  const load = `${machine.loadAverage.start.toFixed(2)} at the start, ${
    machine.loadAverage.end?.toFixed(2) ?? '?'
  } at the end`;
  return [
    '### This run',
    '',
    '| | |',
    '| --- | --- |',
    `| When | ${result.generatedAt} (${result.mode} run, ${settings.repetitions} repetition(s), took ${duration(result.durationSeconds)}) |`,
    `| Machine | ${machineSummary(machine)} |`,
    `| Load average (1 min) | ${load} |`,
    `| Versions | Node ${versions.node}, Docker Engine ${versions.dockerEngine} (API ${versions.dockerApi}), Redis ${versions.redis}, Manim ${versions.manim} |`,
    `| Render image | \`${versions.renderImage}\` (id ${versions.renderImageId}) |`,
    `| Commit | ${versions.gitCommit} |`,
    `| Service settings | worker concurrency ${settings.workerConcurrency}, RENDER_CPUS ${settings.serviceLimits.renderCpus}, RENDER_MEMORY_MB ${settings.serviceLimits.renderMemoryMb}, RENDER_PIDS_LIMIT ${settings.serviceLimits.renderPidsLimit} |`,
    '',
  ];
}

function targetTable(result: BenchResult): string[] {
  if (result.targets.length === 0) return [];
  const measuredIn = (verdict: BenchResult['targets'][number]): string => {
    const from = result.carriedOver?.[verdict.part];
    return from === undefined
      ? 'this run'
      : `${from.generatedAt.slice(0, 10)}, commit ${from.gitCommit}`;
  };
  const met = (value: boolean | null): string =>
    value === null ? `not judged (fewer than ${MIN_RUNS_TO_JUDGE} runs)` : value ? 'yes' : '**no**';
  return [
    '### Targets',
    '',
    `A target is met when the median of at least ${MIN_RUNS_TO_JUDGE} runs meets it; the spread is min–max over those runs.`,
    '',
    '| What | Target | Measured: median (min–max) | Runs | Met | Measured in |',
    '| --- | --- | --- | --- | --- | --- |',
    ...result.targets.map(
      (verdict) =>
        `| ${verdict.name} | ${verdict.target} | ${verdict.measured} | ${verdict.runs} | ${met(verdict.met)} | ${measuredIn(verdict)} |`,
    ),
    '',
  ];
}

function renderTables(result: BenchResult): string[] {
  const renders = result.renders;
  if (!renders || renders.length === 0) return [];
  const median = (values: Array<number | null>): string => {
    const known = values.filter((value): value is number => value !== null);
    return known.length === 0 ? '?' : ms(summarize(known).median);
  };
  return [
    '### Single renders: bare container run and the service end to end',
    '',
    `Median (min–max) over ${renders[0]?.bare.runs.length ?? 0} runs each, taken in turns.`,
    '',
    '| Scene | Bare run | Service end to end | Overhead (medians) | Ratio (medians) | Overhead (minimums) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...renders.map(
      (scene) =>
        `| ${scene.scene}: ${scene.description} | ${spread(scene.bare.totalMs)} | ${spread(scene.service.totalMs)} | ${signedMs(scene.overheadMs)} | x${scene.ratio.toFixed(2)} | ${signedMs(scene.service.totalMs.min - scene.bare.totalMs.min)} |`,
    ),
    '',
    'Where the time goes (medians). Bare: create, start until exit, remove. Service: POST, queued',
    'until a worker took the job, the worker’s own time (job folder, container, moving the file),',
    'the rest until the completed event arrived, and the download.',
    '',
    '| Scene | Bare: create / run / remove | Service: submit / queued / worker / to event / download |',
    '| --- | --- | --- |',
    ...renders.map((scene) => {
      const bare = scene.bare.runs;
      const service = scene.service.runs;
      const toEvent = service.map((run) =>
        run.workerMs === null ? null : run.waitMs - run.workerMs - (run.pickupMs ?? 0),
      );
      return `| ${scene.scene} | ${[
        median(bare.map((run) => run.createMs)),
        median(bare.map((run) => run.runMs)),
        median(bare.map((run) => run.removeMs)),
      ].join(' / ')} | ${[
        median(service.map((run) => run.submitMs)),
        median(service.map((run) => run.pickupMs)),
        median(service.map((run) => run.workerMs)),
        median(toEvent),
        median(service.map((run) => run.downloadMs)),
      ].join(' / ')} |`;
    }),
    '',
  ];
}

function throughputTable(result: BenchResult): string[] {
  const throughput = result.throughput;
  if (!throughput) return [];
  const row = (name: string, side: ThroughputSide) =>
    `| ${name} | ${spread(summarize(side.rounds.map((round) => round.wallMs)))} | ${rate(side.jobsPerMinute)} |`;
  return [
    '### Throughput',
    '',
    `${throughput.jobs} jobs of ${throughput.scene} at once, ${throughput.concurrency} at a time; median (min–max) over ${throughput.bare.rounds.length} round(s).`,
    '',
    '| | Wall time | Jobs per minute |',
    '| --- | --- | --- |',
    row(`Bare runs, ${throughput.concurrency} in parallel`, throughput.bare),
    row(`Service, worker concurrency ${throughput.concurrency}`, throughput.service),
    '',
    `Service / bare: ${(throughput.ratio * 100).toFixed(1)} %.`,
    '',
  ];
}

type ThroughputSide = NonNullable<BenchResult['throughput']>['bare'];

function apiTable(result: BenchResult): string[] {
  const api = result.api;
  if (!api) return [];
  const row = (load: typeof api.submit) => {
    const failures = load.rounds.reduce((sum, round) => sum + round.non2xx + round.errors, 0);
    const latency = load.latencyMs;
    return `| \`${load.endpoint}\` | ${load.connections} | ${rate(load.requestsPerSecond)} | ${latency.p50.toFixed(2)} / ${latency.p90.toFixed(2)} / ${latency.p99.toFixed(2)} | ${latency.count} | ${failures} |`;
  };
  const rounds = api.submit.rounds;
  return [
    '### The API alone',
    '',
    `API in a process of its own (log level ${api.logLevel}, request log to a file), Redis local, a queue without worker; autocannon on 127.0.0.1, ${rounds.length} round(s) of ${rounds[0]?.seconds.toFixed(1) ?? '?'} s after a 1 s warm-up. Jobs left after obliterating the queue: ${api.jobsLeftAfterCleanup}.`,
    '',
    '| Endpoint | Connections | Requests/s, median (min–max) | Latency p50 / p90 / p99 (ms) | Responses | Non-2xx or errors |',
    '| --- | --- | --- | --- | --- | --- |',
    row(api.submit),
    row(api.status),
    '',
  ];
}

function repeatTable(result: BenchResult): string[] {
  const repeats = result.repeats;
  if (!repeats) return [];
  return [
    '### The same request again',
    '',
    `${repeats.scene}, the identical request body submitted again after it completed.`,
    '',
    '| | End to end |',
    '| --- | --- |',
    `| First submission | ${ms(repeats.first.totalMs)} |`,
    `| Repeats, median (min–max) over ${repeats.repeats.length} | ${spread(repeats.totalMs)} |`,
    '',
  ];
}

function spread(summary: Summary): string {
  if (summary.n <= 1) return ms(summary.median);
  return `${ms(summary.median)} (${ms(summary.min)}–${ms(summary.max)})`;
}

function rate(summary: Summary): string {
  if (summary.n <= 1) return summary.median.toFixed(1);
  return `${summary.median.toFixed(1)} (${summary.min.toFixed(1)}–${summary.max.toFixed(1)})`;
}

function duration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds % 60);
  return minutes > 0 ? `${minutes} min ${rest} s` : `${rest} s`;
}
