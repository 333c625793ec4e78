import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { commandOn, freePort, startRedisServer, stopRedisServer } from './redis-server';
import { waitUntil } from './wait-until';

export const SENTINEL_GROUP = 'renders';

/**
 * A master, its replica and three sentinels that watch them (quorum 2), all real redis-server
 * processes on free ports. `failMaster` kills the master; the sentinels promote the replica.
 */
export interface SentinelGroup {
  /** REDIS_SENTINELS and REDIS_SENTINEL_NAME for the service. */
  env: Record<string, string>;
  masterPort: number;
  replicaPort: number;
  /** Kills the master and resolves once the sentinels name the replica as the master. */
  failMaster(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSentinelGroup(dir: string): Promise<SentinelGroup> {
  const masterPort = await freePort();
  const replicaPort = await freePort();
  const processes: ChildProcess[] = [];
  const master = await startRedisServer(masterPort, dir);
  processes.push(master);
  const replica = await startRedisServer(replicaPort, dir, [
    '--replicaof',
    '127.0.0.1',
    String(masterPort),
  ]);
  processes.push(replica);
  await until('the replica is in sync', async () => {
    const info = await commandOn(replicaPort, 'INFO', 'replication');
    return /master_link_status:up/.test(String(info));
  });

  const sentinelPorts: number[] = [];
  for (let index = 0; index < 3; index++) {
    const port = await freePort();
    const file = path.join(dir, `sentinel-${port}.conf`);
    // Sentinels rewrite their configuration file, so each gets a writable one of its own.
    await writeFile(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${SENTINEL_GROUP} 127.0.0.1 ${masterPort} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_GROUP} 1000`,
        `sentinel failover-timeout ${SENTINEL_GROUP} 10000`,
        `sentinel parallel-syncs ${SENTINEL_GROUP} 1`,
        '',
      ].join('\n'),
    );
    processes.push(spawn('redis-server', [file, '--sentinel'], { stdio: 'ignore' }));
    sentinelPorts.push(port);
  }
  // A failover needs sentinels that know the replica and each other (they meet through the master).
  for (const port of sentinelPorts) {
    await until(`sentinel ${port} knows the replica and the other sentinels`, async () => {
      const replicas = (await commandOn(port, 'SENTINEL', 'REPLICAS', SENTINEL_GROUP)) as unknown[];
      const others = (await commandOn(port, 'SENTINEL', 'SENTINELS', SENTINEL_GROUP)) as unknown[];
      return replicas.length === 1 && others.length === 2;
    });
  }

  return {
    env: {
      REDIS_SENTINELS: sentinelPorts.map((port) => `127.0.0.1:${port}`).join(','),
      REDIS_SENTINEL_NAME: SENTINEL_GROUP,
    },
    masterPort,
    replicaPort,
    async failMaster() {
      await stopRedisServer(master);
      await until('the sentinels promote the replica', async () => {
        const named = await Promise.all(
          sentinelPorts.map(
            (port) =>
              commandOn(port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_GROUP) as Promise<
                string[]
              >,
          ),
        );
        return named.every((address) => address[1] === String(replicaPort));
      });
    },
    async stop() {
      for (const child of processes.reverse()) await stopRedisServer(child);
    },
  };
}

function until(what: string, condition: () => Promise<boolean>): Promise<boolean> {
  return waitUntil(
    what,
    () => condition().catch(() => false),
    (met) => met,
  );
}
