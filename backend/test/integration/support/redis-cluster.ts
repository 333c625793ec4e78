import { execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { commandOn, freePort, startRedisServer, stopRedisServer } from './redis-server';
import { waitUntil } from './wait-until';

const run = promisify(execFile);

/** Three masters that share the 16384 hash slots, real redis-server processes on free ports. */
export interface RedisClusterGroup {
  /** REDIS_CLUSTER_NODES for the service. */
  env: Record<string, string>;
  ports: number[];
  stop(): Promise<void>;
}

export async function startRedisCluster(dir: string): Promise<RedisClusterGroup> {
  const ports: number[] = [];
  const processes: ChildProcess[] = [];
  try {
    for (let index = 0; index < 3; index++) {
      const port = await freePort();
      ports.push(port);
      processes.push(
        await startRedisServer(port, dir, [
          '--cluster-enabled',
          'yes',
          // The node writes its view of the cluster here; every node needs a file of its own.
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          '2000',
        ]),
      );
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (const port of ports) {
      await waitUntil(
        `cluster node ${port} sees every slot served`,
        () => commandOn(port, 'CLUSTER', 'INFO').catch(() => ''),
        (info) => /cluster_state:ok/.test(String(info)),
      );
    }
  } catch (error) {
    for (const child of processes) await stopRedisServer(child);
    throw error;
  }
  return {
    env: { REDIS_CLUSTER_NODES: ports.map((port) => `127.0.0.1:${port}`).join(',') },
    ports,
    async stop() {
      for (const child of processes) await stopRedisServer(child);
    },
  };
}
