import { createHash } from 'node:crypto';
import { requireRuntime } from './support/runtimes';
import { CORPUS, corpusFilesOf } from './support/scene-corpus';
import { startTestService, type TestService } from './support/test-service';

/**
 * gVisor changes the kernel a scene runs on, not what it renders: every corpus scene comes out
 * byte for byte the same under runsc as under the engine's default runtime.
 */
describe('the scene corpus under gVisor', () => {
  let runc: TestService;
  let runsc: TestService;

  beforeAll(async () => {
    await requireRuntime('runsc');
    runc = await startTestService();
    runsc = await startTestService({ env: { RENDER_RUNTIME: 'runsc' } });
  });
  afterAll(async () => {
    await runc?.close();
    await runsc?.close();
  });

  async function renderedBytes(service: TestService, name: string, code: string, format: string) {
    const submitted = await service.submitForm(
      { code, scene: name, format, quality: 'low', cache: 'false' },
      corpusFilesOf(name),
    );
    expect(submitted.body.error).toBeUndefined();
    const job = await service.waitForEnd(submitted.body.id);
    expect(job.error).toBeUndefined();
    const video = await fetch(`${service.url}${submitted.body.links.video}`);
    return createHash('sha256')
      .update(Buffer.from(await video.arrayBuffer()))
      .digest('hex');
  }

  it.each(CORPUS.map((entry) => [entry.name, entry] as const))(
    '%s renders the same file under both runtimes',
    async (name, entry) => {
      const format = entry.format ?? 'mp4';
      const [byRunc, byRunsc] = await Promise.all([
        renderedBytes(runc, name, entry.code, format),
        renderedBytes(runsc, name, entry.code, format),
      ]);
      expect(byRunsc).toBe(byRunc);
    },
  );
});
