import { startTestService, type TestService } from './support/test-service';

const ONE_SCENE =
  'from manim import *\nclass OnlyScene(Scene):\n    def construct(self):\n        self.play(Create(Circle()))\n';
const TWO_SCENES = `${ONE_SCENE}class SecondScene(Scene):\n    def construct(self):\n        self.wait()\n`;

interface ErrorResponse {
  id: string;
  error: {
    code: string;
    message: string;
    details: { problems: Array<{ field: string }>; found: string[] };
  };
}

// No worker here: accepted jobs stay queued, which is what these tests look at.
describe('the render API against a real queue', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ worker: false, env: { MAX_CODE_BYTES: '2000' } });
  });
  afterAll(async () => {
    await service?.close();
  });

  async function post(
    body: string | FormData,
    contentType?: string,
  ): Promise<{ status: number; body: ErrorResponse }> {
    const response = await fetch(`${service.url}/api/animation/render`, {
      method: 'POST',
      headers: contentType ? { 'content-type': contentType } : {},
      body,
    });
    return { status: response.status, body: (await response.json()) as ErrorResponse };
  }

  it('queues a valid request and shows it as queued with its resolved options', async () => {
    const submitted = await service.submit({ code: ONE_SCENE, quality: 'low', format: 'webm' });
    expect(submitted.status).toBe(202);
    const job = await service.getJob(submitted.body.id);
    expect(job).toMatchObject({
      id: submitted.body.id,
      status: 'queued',
      progress: { stage: 'queued', percent: 0 },
      options: { scene: 'OnlyScene', quality: 'low', format: 'webm', transparent: false },
    });
    expect(job.startedAt).toBeUndefined();
    expect(job.result).toBeUndefined();
  });

  it('answers 409 for the video of a job that has not completed', async () => {
    const submitted = await service.submit({ code: ONE_SCENE });
    const response = await fetch(`${service.url}${submitted.body.links.video}`);
    expect(response.status).toBe(409);
    expect(((await response.json()) as ErrorResponse).error).toMatchObject({
      code: 'job_not_completed',
    });
  });

  it('answers 404 for an unknown job and its video', async () => {
    for (const suffix of ['', '/video']) {
      const response = await fetch(`${service.url}/api/animation/jobs/no-such-job${suffix}`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as ErrorResponse).error).toMatchObject({
        code: 'job_not_found',
      });
    }
  });

  it('answers 405 with Allow for a method a path does not serve, and 404 for a path that does not exist', async () => {
    const cases: Array<[string, string, string]> = [
      ['PUT', '/api/animation/render', 'POST, OPTIONS'],
      ['PATCH', '/api/animation/jobs/some-id', 'GET, HEAD, DELETE, OPTIONS'],
      ['POST', '/health', 'GET, HEAD, OPTIONS'],
    ];
    for (const [method, path, allow] of cases) {
      const response = await fetch(`${service.url}${path}`, { method });
      expect({
        method,
        path,
        status: response.status,
        allow: response.headers.get('allow'),
      }).toEqual({ method, path, status: 405, allow });
      expect(((await response.json()) as ErrorResponse).error.code).toBe('method_not_allowed');
    }
    const unknown = await fetch(`${service.url}/api/animation/nothing-here`, { method: 'PUT' });
    expect(unknown.status).toBe(404);
  });

  it('answers 400 for a multipart body the form parser cannot read', async () => {
    for (const [contentType, body] of [
      ['multipart/form-data', 'x'],
      ['multipart/form-data; boundary=XX', '--XX\r\nTrue--XX--\r\n'],
    ] as const) {
      const response = await post(body, contentType);
      expect({ contentType, status: response.status, code: response.body.error.code }).toEqual({
        contentType,
        status: 400,
        code: 'validation_failed',
      });
    }
  });

  it('lists every validation problem at once with 400', async () => {
    const response = await post(
      JSON.stringify({ code: ONE_SCENE, quality: 'ultra', format: 'avi', fps: -1, colour: 'red' }),
      'application/json',
    );
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
    const fields = response.body.error.details.problems.map(
      (problem: { field: string }) => problem.field,
    );
    expect(fields).toEqual(expect.arrayContaining(['quality', 'format', 'fps', 'colour']));
  });

  it('answers 422 naming the classes when the scene is ambiguous or unknown', async () => {
    const ambiguous = await post(JSON.stringify({ code: TWO_SCENES }), 'application/json');
    expect(ambiguous.status).toBe(422);
    expect(ambiguous.body.error.code).toBe('scene_not_found');
    expect(ambiguous.body.error.message).toContain('OnlyScene');
    expect(ambiguous.body.error.message).toContain('SecondScene');

    const unknown = await post(
      JSON.stringify({ code: ONE_SCENE, scene: 'Missing' }),
      'application/json',
    );
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.details.found).toEqual(['OnlyScene']);

    const none = await post(JSON.stringify({ code: 'print("no scene here")' }), 'application/json');
    expect(none.status).toBe(422);
  });

  it('answers 413 for code over the size limit', async () => {
    const code = `${ONE_SCENE}# ${'x'.repeat(3000)}\n`;
    const response = await post(JSON.stringify({ code }), 'application/json');
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('payload_too_large');
    expect(response.body.error.message).toContain('2000');
  });

  it('accepts a .py upload through multipart form data', async () => {
    const form = new FormData();
    form.append('file', new Blob([TWO_SCENES], { type: 'text/x-python' }), 'scenes.py');
    form.append('scene', 'SecondScene');
    form.append('fps', '24');
    const response = await post(form);
    expect(response.status).toBe(202);
    const job = await service.getJob(response.body.id);
    expect(job.options).toMatchObject({ scene: 'SecondScene', fps: 24 });
  });

  it('refuses a form field a character over its length with 400, even beyond the code limit', async () => {
    const form = new FormData();
    form.append('code', ONE_SCENE);
    form.append('callbackUrl', `https://example.com/${'é'.repeat(2040)}`);
    const response = await post(form);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
    expect(response.body.error.message).toContain('callbackUrl');
  });

  it('refuses uploads that are not .py files', async () => {
    const form = new FormData();
    form.append('file', new Blob([ONE_SCENE]), 'scene.txt');
    const response = await post(form);
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('invalid_files');
    expect(response.body.error.message).toContain('scene.txt');
  });

  it('publishes its defaults and caps at /api/limits', async () => {
    const response = await fetch(`${service.url}/api/limits`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      defaults: { quality: 'medium', format: 'mp4', timeoutSeconds: 300 },
      caps: { quality: 'production', fps: 60, timeoutSeconds: 900, codeBytes: 2000 },
      container: { network: 'none' },
    });
  });

  it('answers 400 naming the cap for a request over it', async () => {
    const response = await post(
      JSON.stringify({ code: ONE_SCENE, timeout: 5000 }),
      'application/json',
    );
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('MAX_RENDER_TIMEOUT_SECONDS');
  });

  it('answers 400 for malformed JSON and 415 for other content types', async () => {
    const malformed = await post('{"code": ', 'application/json');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('validation_failed');

    const text = await post(ONE_SCENE, 'text/plain');
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe('unsupported_media_type');
  });
});

describe('admission when the service is at its limits', () => {
  let service: TestService;

  afterEach(async () => {
    await service?.close();
  });

  it('answers 503 queue_full with Retry-After when the queue is at its cap', async () => {
    service = await startTestService({ worker: false, env: { MAX_QUEUED_JOBS: '2' } });
    for (const n of [1, 2]) {
      expect((await service.submit({ code: `${ONE_SCENE}# ${n}\n` })).status).toBe(202);
    }
    const refused = await fetch(`${service.url}/api/animation/render`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: `${ONE_SCENE}# 3\n` }),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    const body = (await refused.json()) as ErrorResponse;
    expect(body.error.code).toBe('queue_full');
    expect(body.error.message).toContain('the limit is 2');
  });

  it('answers 507 before a render could fill the disk', async () => {
    service = await startTestService({ worker: false, env: { MIN_FREE_DISK_MB: '1000000000' } });
    const refused = await service.submit({ code: ONE_SCENE });
    expect(refused.status).toBe(507);
    expect(refused.body.error?.code).toBe('insufficient_storage');
    expect(refused.body.error?.message).toContain('MIN_FREE_DISK_MB');
  });
});

describe('the place of a queued job in line', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ worker: false });
  });
  afterAll(async () => {
    await service?.close();
  });

  it('counts from the next job a worker takes', async () => {
    const ids: string[] = [];
    for (const n of [1, 2, 3])
      ids.push((await service.submit({ code: `${ONE_SCENE}# ${n}\n` })).body.id);
    const positions = [];
    for (const id of ids) positions.push((await service.getJob(id)).position);
    expect(positions).toEqual([1, 2, 3]);
  });
});
