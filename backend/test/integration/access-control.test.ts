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

  it('accepts a key in the Authorization header, X-API-Key or the api_key query', async () => {
    const accepted = await render({ authorization: `Bearer ${KEY}` }, 1);
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: string };
    const byHeader = await fetch(`${service.url}/api/animation/jobs/${id}`, {
      headers: { 'x-api-key': KEY },
    });
    expect(byHeader.status).toBe(200);
    const byQuery = await fetch(`${service.url}/api/animation/jobs/${id}?api_key=${KEY}`);
    expect(byQuery.status).toBe(200);
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
