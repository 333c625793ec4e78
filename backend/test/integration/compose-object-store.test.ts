import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  removeCheckout,
  runCommand,
  startComposeDeployment,
  type ComposeProject,
} from './support/compose-deployment';
import { inspectMp4 } from './support/mp4-inspection';
import { FOUR_STEP_SCENE } from './support/scenes';
import { waitUntil } from './support/wait-until';

const APP_IMAGE = 'manim-render-app:local';
/** The first run builds the SeaweedFS stand-in where no registry answers (about a minute). */
const SETUP_TIMEOUT_MS = 30 * 60_000;

/**
 * The Compose deployment with its own object store: `setup-docker-in-docker.sh --s3` turns on the
 * `seaweedfs` service and STORAGE=s3, and videos go to the bucket instead of ./outputs.
 */
describe('deploying with docker-compose.yml and its object store', () => {
  const name = `manim-compose-s3-${randomUUID().slice(0, 8)}`;
  let root: string;
  let checkout: string;
  let project: ComposeProject | undefined;
  let url: string;

  beforeAll(async () => {
    ({ root, checkout, project, url } = await startComposeDeployment({
      name,
      setupArgs: ['--s3'],
      setupTimeoutMs: SETUP_TIMEOUT_MS,
    }));
  }, SETUP_TIMEOUT_MS + 180_000);

  afterAll(async () => {
    await project?.down();
    if (root !== undefined) await removeCheckout(root, APP_IMAGE);
  }, 180_000);

  it('writes the object store settings to .env once', async () => {
    const dotEnv = await readFile(path.join(checkout, '.env'), 'utf8');
    for (const line of ['COMPOSE_PROFILES=s3', 'STORAGE=s3', 'S3_ENDPOINT=http://seaweedfs:8333']) {
      expect(dotEnv).toContain(`${line}\n`);
    }
    await runCommand('bash', ['scripts/setup-docker-in-docker.sh', '--s3'], { cwd: checkout });
    expect(await readFile(path.join(checkout, '.env'), 'utf8')).toBe(dotEnv);
  });

  it('keeps the video in the bucket, not in ./outputs, and serves it through the API', async () => {
    const submitted = await fetch(`${url}/api/animation/render`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: FOUR_STEP_SCENE, quality: 'low' }),
    });
    expect(submitted.status).toBe(202);
    const { id } = (await submitted.json()) as { id: string };
    const job = await waitUntil(
      `job ${id} ends`,
      async () =>
        (await (await fetch(`${url}/api/animation/jobs/${id}`)).json()) as { status: string },
      (view) => !['queued', 'active'].includes(view.status),
      { everyMs: 500, timeoutMs: 180_000 },
    );
    expect(job.status).toBe('completed');

    const response = await fetch(`${url}/api/animation/jobs/${id}/video`);
    expect(response.status).toBe(200);
    expect(inspectMp4(Buffer.from(await response.arrayBuffer())).videoTracks).toHaveLength(1);
    const outputs = await readdir(path.join(checkout, 'outputs'));
    expect(outputs.filter((entry) => entry !== '.gitkeep')).toEqual([]);
    const apiId = await project!.containerId('api');
    const listing = await runCommand('docker', [
      'exec',
      apiId,
      'node',
      '-e',
      "fetch('http://seaweedfs:8333/videos?list-type=2').then((r) => r.text()).then(console.log)",
    ]);
    expect(listing).toContain(`<Key>${id}/Steps.mp4</Key>`);
    const ready = (await (await fetch(`${url}/ready`)).json()) as { checks: { storage: unknown } };
    expect(ready.checks.storage).toMatchObject({ ok: true, backend: 's3' });
  });
});
