import Docker from 'dockerode';
import { loadConfig } from '../../src/config/load-config';
import { deploymentScope } from '../../src/config/redis-settings';
import {
  MANAGED_LABEL,
  QUEUE_LABEL,
  SCOPE_LABEL,
  WORKER_LABEL,
} from '../../src/render-engine/container-labels';
import { containerExists } from './support/job-containers';
import { startTestService, type TestService } from './support/test-service';
import { testEnvironment, testQueueName } from './support/test-environment';
import { waitUntil } from './support/wait-until';

const docker = new Docker();

/** A created, never started, container labelled like a render container of a dead worker. */
async function leftover(queueName: string, scope: string): Promise<string> {
  const container = await docker.createContainer({
    Image: testEnvironment().image,
    Cmd: ['true'],
    Labels: {
      [MANAGED_LABEL]: 'true',
      [QUEUE_LABEL]: queueName,
      [SCOPE_LABEL]: scope,
      [WORKER_LABEL]: 'a-worker-that-is-gone',
    },
  });
  return container.id;
}

describe('the sweep of render containers left by dead workers', () => {
  let service: TestService | undefined;
  const created: string[] = [];

  afterAll(async () => {
    await service?.close();
    for (const id of created) {
      await docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  });

  it("removes its own deployment's and leaves another deployment's on the same queue name", async () => {
    const queueName = testQueueName();
    const ours = await leftover(
      queueName,
      deploymentScope(loadConfig({ REDIS_URL: testEnvironment().redisUrl, QUEUE_NAME: queueName })),
    );
    // Same queue name, another Redis: its workers are invisible from here, not dead.
    const theirs = await leftover(
      queueName,
      deploymentScope(loadConfig({ REDIS_URL: 'redis://elsewhere:6379', QUEUE_NAME: queueName })),
    );
    created.push(ours, theirs);

    service = await startTestService({ env: { QUEUE_NAME: queueName } });
    await waitUntil(
      'the sweep removed our leftover',
      () => containerExists(ours),
      (found) => !found,
    );

    expect(await containerExists(theirs)).toBe(true);
  });
});
