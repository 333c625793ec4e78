import { readdir } from 'node:fs/promises';
import Docker from 'dockerode';
import { containersOfJob, waitForRunningContainer } from './support/job-containers';
import { inspectMp4 } from './support/mp4-inspection';
import { FOUR_STEP_SCENE } from './support/scenes';
import { startTestService, type TestService } from './support/test-service';

const docker = new Docker();

/** Sleeps first, so that the render container can be inspected while it runs. */
const SLOW_SCENE = `from manim import *\nimport time\nclass Slow(Scene):\n    def construct(self):\n        time.sleep(2)\n        self.play(Create(Circle()))\n`;
const BROKEN_SCENE = `from manim import *\nclass Broken(Scene):\n    def construct(self):\n        self.play(Create(Circle()))\n        undefined_name\n`;

/**
 * Copy mode, as a daemon that cannot see the worker's files needs it (a remote DOCKER_HOST, a
 * Docker-in-Docker sidecar): the job folder goes into the render container and the output comes
 * back through the Docker API, with no bind mount at all.
 */
describe('job files copied through the Docker API', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ env: { JOB_FILE_TRANSFER: 'copy' } });
  });
  afterAll(async () => {
    await service?.close();
  });

  it('renders with a volume of the container its own and leaves neither behind', async () => {
    const submitted = await service.submit({ code: SLOW_SCENE, quality: 'low' });
    const containerId = await waitForRunningContainer(submitted.body.id);
    const { Mounts: mounts } = await docker.getContainer(containerId).inspect();

    const job = await service.waitForEnd(submitted.body.id);

    expect(mounts).toEqual([expect.objectContaining({ Type: 'volume', Destination: '/job' })]);
    expect(job.status).toBe('completed');
    const video = await fetch(`${service.url}${submitted.body.links.video}`);
    expect(inspectMp4(Buffer.from(await video.arrayBuffer())).videoTracks).toHaveLength(1);
    expect(await containersOfJob(submitted.body.id)).toEqual([]);
    const volumeName = mounts[0]?.Name;
    if (volumeName === undefined) throw new Error('the render container had no named volume');
    await expect(docker.getVolume(volumeName).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
    expect(await readdir(service.config.TEMP_DIR)).not.toContain(submitted.body.id);
  });

  it('lets a scene write files at the top of its job folder, as its own user', async () => {
    const scene = `from manim import *\nclass Notes(Scene):\n    def construct(self):\n        with open("notes.txt", "w") as notes:\n            notes.write("written next to the scene")\n        self.play(Create(Circle()))\n`;
    const submitted = await service.submit({ code: scene, quality: 'low' });

    const job = await service.waitForEnd(submitted.body.id);

    expect(job.status).toBe('completed');
    expect(job.result?.ranAsRoot).toBeUndefined();
  });

  it('reports progress and scene errors as a mounted render does', async () => {
    const good = await service.submit({ code: FOUR_STEP_SCENE, quality: 'low' });
    const updates = service.recordProgress(good.body.id);
    const broken = await service.submit({ code: BROKEN_SCENE, quality: 'low' });

    const [goodJob, brokenJob] = await Promise.all([
      service.waitForEnd(good.body.id),
      service.waitForEnd(broken.body.id),
    ]);

    expect(goodJob).toMatchObject({ status: 'completed', result: { fileName: 'Steps.mp4' } });
    // The poster comes back with the media folder, as the video does.
    expect(goodJob.result?.posterUrl).toBe(`/api/animation/jobs/${goodJob.id}/poster`);
    expect(updates.some((update) => update.stage === 'rendering')).toBe(true);
    expect(updates.at(-1)).toMatchObject({ stage: 'done', percent: 100 });
    expect(brokenJob.status).toBe('failed');
    expect(brokenJob.error).toMatchObject({
      code: 'scene_error',
      message: expect.stringMatching(/NameError: name 'undefined_name' is not defined.*line 5/),
    });
  });
});
