import type { RedisConnection } from '../src/redis/redis-connection';

/** What a Redis server has done so far, from INFO commandstats and INFO cpu. */
export interface RedisUsage {
  /** Commands executed, those run inside Lua scripts included; the bench's own INFO left out. */
  commands: number;
  /** EVAL and EVALSHA calls: BullMQ does most of its work in scripts. */
  scripts: number;
  /** The server's user and system CPU time. */
  cpuSeconds: number;
  byCommand: Record<string, number>;
}

export async function readRedisUsage(redis: RedisConnection): Promise<RedisUsage> {
  const [stats, cpu] = await Promise.all([redis.info('commandstats'), redis.info('cpu')]);
  const byCommand: Record<string, number> = {};
  for (const match of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const [, name, calls] = match;
    if (name === undefined || name === 'info') continue;
    byCommand[name] = Number(calls);
  }
  const cpuField = (name: string) =>
    Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? '0');
  return {
    commands: Object.values(byCommand).reduce((sum, calls) => sum + calls, 0),
    scripts: (byCommand.evalsha ?? 0) + (byCommand.eval ?? 0),
    cpuSeconds: cpuField('used_cpu_user') + cpuField('used_cpu_sys'),
    byCommand,
  };
}

/** What the server did between two readings. */
export function usageBetween(before: RedisUsage, after: RedisUsage): RedisUsage {
  const byCommand: Record<string, number> = {};
  for (const [name, calls] of Object.entries(after.byCommand)) {
    const delta = calls - (before.byCommand[name] ?? 0);
    if (delta > 0) byCommand[name] = delta;
  }
  return {
    commands: after.commands - before.commands,
    scripts: after.scripts - before.scripts,
    cpuSeconds: after.cpuSeconds - before.cpuSeconds,
    byCommand,
  };
}

/** Milliseconds of CPU over `seconds`, less what the baseline spends in that time. */
export function aboveBaseline(
  cpuSeconds: number,
  baselineMsPerSecond: number,
  seconds: number,
): number {
  return Math.max(0, cpuSeconds * 1000 - baselineMsPerSecond * seconds);
}
