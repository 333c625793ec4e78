import { startTestService, type TestService } from './support/test-service';

const SCENE =
  'from manim import *\nclass Keyed(Scene):\n    def construct(self):\n        self.play(Create(Circle()))\n';
const KEY = 'test-key-0123456789abcdef';
const ADMIN_KEY = 'admin-key-0123456789abcdef';

describe('API keys and rate limits', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({
      worker: false,
      env: {
        API_KEYS: `${KEY},second-key-0123456789`,
        ADMIN_API_KEY: ADMIN_KEY,
        RATE_LIMIT_RENDERS_PER_MINUTE: '2',
      },
    });
  });
  afterAll(async () => {
    await service?.close();
  });

  function render(headers: Record<string, string>, n: number): Promise<Response> {
    return fetch(`${service.url}/api/animation/render`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ code: `${SCENE}# ${n}\n` }),
    });
  }

  it('refuses requests without a valid key with 401', async () => {
    const none = await render({}, 1);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    expect((await render({ 'x-api-key': 'wrong-key-0123456789' }, 1)).status).toBe(401);
  });

  it('accepts a key in the Authorization header or X-API-Key, and refuses one in the query', async () => {
    const accepted = await render({ authorization: `Bearer ${KEY}` }, 1);
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: string };
    const byHeader = await fetch(`${service.url}/api/animation/jobs/${id}`, {
      headers: { 'x-api-key': KEY },
    });
    expect(byHeader.status).toBe(200);
    // A URL ends up in histories, logs and Referer headers: a key there is refused, even beside
    // a valid one in the header.
    for (const headers of [{}, { 'x-api-key': KEY }] as Array<Record<string, string>>) {
      const byQuery = await fetch(`${service.url}/api/animation/jobs/${id}?api_key=${KEY}`, {
        headers,
      });
      expect(byQuery.status).toBe(400);
      const body = (await byQuery.json()) as { error: { code: string; hint: string } };
      expect(body.error.code).toBe('key_in_query');
      expect(body.error.hint).toContain('browserLinks');
    }
  });

  it('keeps /health, /ready and the playground open', async () => {
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
    // Ready or not, /ready answers with its verdict rather than 401.
    expect((await fetch(`${service.url}/ready`)).status).not.toBe(401);
    expect((await fetch(`${service.url}/`)).status).toBe(200);
  });

  it('limits renders per key with 429 and Retry-After, and counts each key apart', async () => {
    const other = { 'x-api-key': 'second-key-0123456789' };
    expect((await render(other, 2)).status).toBe(202);
    expect((await render(other, 3)).status).toBe(202);
    const limited = await render(other, 4);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await limited.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.message).toContain('2 per minute');
  });

  it('keeps the queue dashboard behind the admin key, which a browser sends as Basic auth', async () => {
    const refused = await fetch(`${service.url}/admin/queues`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const withApiKey = await fetch(`${service.url}/admin/queues`, {
      headers: { 'x-api-key': KEY },
    });
    expect(withApiKey.status).toBe(401);

    const basic = `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}`;
    const page = await fetch(`${service.url}/admin/queues`, { headers: { authorization: basic } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const queues = await fetch(`${service.url}/admin/queues/api/queues`, {
      headers: { authorization: basic },
    });
    expect(queues.status).toBe(200);
    const listed = JSON.stringify(await queues.json());
    expect(listed).toContain(`"${service.config.QUEUE_NAME}"`);
    expect(listed).toContain(`"${service.config.QUEUE_NAME}-webhooks"`);
  });
});

describe('the queue dashboard', () => {
  const pause = (url: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/admin/queues/api/queues/${encodeURIComponent(queueName)}/pause`, {
      method: 'PUT',
      headers,
    });
  let queueName = '';

  it('stays closed on an open API while ADMIN_API_KEY is not set, pause and clean included', async () => {
    const open = await startTestService({ worker: false });
    try {
      queueName = open.config.QUEUE_NAME;
      const page = await fetch(`${open.url}/admin/queues`);
      expect(page.status).toBe(403);
      const body = (await page.json()) as { error: { code: string; message: string } };
      expect(body.error.message).toContain('ADMIN_API_KEY is not set');
      expect((await pause(open.url)).status).toBe(403);
      const clean = await fetch(
        `${open.url}/admin/queues/api/queues/${encodeURIComponent(queueName)}/clean/completed`,
        { method: 'PUT' },
      );
      expect(clean.status).toBe(403);
    } finally {
      await open.close();
    }
  });

  it('changes nothing when read-only, even for the admin key', async () => {
    const readOnly = await startTestService({
      worker: false,
      env: { ADMIN_API_KEY: ADMIN_KEY, ADMIN_READ_ONLY: 'true' },
    });
    try {
      queueName = readOnly.config.QUEUE_NAME;
      const basic = {
        authorization: `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}`,
      };
      const queues = await fetch(`${readOnly.url}/admin/queues/api/queues`, { headers: basic });
      expect(queues.status).toBe(200);
      const refused = await pause(readOnly.url, basic);
      expect(refused.status).toBe(405);
      const after = (await (
        await fetch(`${readOnly.url}/admin/queues/api/queues`, { headers: basic })
      ).json()) as { queues: Array<{ name: string; isPaused: boolean }> };
      expect(after.queues.find((queue) => queue.name === queueName)?.isPaused).toBe(false);
    } finally {
      await readOnly.close();
    }
  });

  it('warns loudly at start when the API is open beyond loopback', async () => {
    const lines: string[] = [];
    const exposed = await startTestService({
      worker: false,
      logLines: lines,
      env: { HOST: '0.0.0.0' },
    });
    await exposed.close();
    const warning = lines.find((line) => line.includes('THE API IS OPEN'));
    expect(warning).toBeDefined();
    expect(JSON.parse(warning ?? '{}')).toMatchObject({ level: 'warn', host: '0.0.0.0' });

    const quiet: string[] = [];
    const loopback = await startTestService({ worker: false, logLines: quiet });
    await loopback.close();
    expect(quiet.some((line) => line.includes('THE API IS OPEN'))).toBe(false);
  });
});
