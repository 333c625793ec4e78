import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { sendWebhook, type Resolver } from '../../../src/webhooks/webhook-sender';

interface Received {
  host: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
  path: string | undefined;
}

/** A receiver on 127.0.0.1 that answers with `respond` and records what it got. */
async function startReceiver(respond: (res: ServerResponse, req: IncomingMessage) => void) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ host: req.headers.host, headers: req.headers, body, path: req.url });
      respond(res, req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers every name with the loopback address, as a rebinding DNS server would. */
const toLoopback: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];

const request = (url: string, timeoutMs = 5000) => ({
  url,
  body: '{"event":"job.completed"}',
  headers: { 'content-type': 'application/json', 'x-manim-event': 'job.completed' },
  timeoutMs,
});

describe('sendWebhook', () => {
  const receivers: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
  });

  it('connects to the address it checked, keeping the name in Host', async () => {
    const receiver = await startReceiver((res) => res.writeHead(204).end());
    receivers.push(receiver);
    const outcome = await sendWebhook(
      request(`http://hooks.invalid:${receiver.port}/render?token=t`),
      { allowPrivateTargets: true, resolve: toLoopback },
    );
    expect(outcome).toEqual({ kind: 'delivered', status: 204 });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]).toMatchObject({
      host: `hooks.invalid:${receiver.port}`,
      path: '/render?token=t',
      body: '{"event":"job.completed"}',
    });
    expect(receiver.received[0]?.headers['x-manim-event']).toBe('job.completed');
    expect(receiver.received[0]?.headers['content-length']).toBe('25');
  });

  it('refuses a name that resolves to an internal address, without connecting', async () => {
    const receiver = await startReceiver((res) => res.writeHead(200).end());
    receivers.push(receiver);
    const outcome = await sendWebhook(request(`http://hooks.invalid:${receiver.port}/`), {
      allowPrivateTargets: false,
      resolve: toLoopback,
    });
    expect(outcome.kind).toBe('blocked');
    if (outcome.kind === 'blocked') expect(outcome.message).toContain('a loopback address');
    expect(receiver.received).toHaveLength(0);
  });

  it('refuses when one of several addresses is internal', async () => {
    const mixed: Resolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.1', family: 4 },
    ];
    const outcome = await sendWebhook(request('http://hooks.invalid/'), {
      allowPrivateTargets: false,
      resolve: mixed,
    });
    expect(outcome.kind).toBe('blocked');
  });

  it('does not follow a redirect', async () => {
    const target = await startReceiver((res) => res.writeHead(200).end());
    receivers.push(target);
    const redirecting = await startReceiver((res) =>
      res.writeHead(302, { location: `http://127.0.0.1:${target.port}/` }).end(),
    );
    receivers.push(redirecting);
    const outcome = await sendWebhook(request(`http://127.0.0.1:${redirecting.port}/`), {
      allowPrivateTargets: true,
    });
    expect(outcome).toEqual({ kind: 'http_status', status: 302 });
    expect(target.received).toHaveLength(0);
  });

  it('reports other answers with their status', async () => {
    const receiver = await startReceiver((res) => res.writeHead(503).end('busy'));
    receivers.push(receiver);
    expect(
      await sendWebhook(request(`http://127.0.0.1:${receiver.port}/`), {
        allowPrivateTargets: true,
      }),
    ).toEqual({ kind: 'http_status', status: 503 });
  });

  it('gives up on a receiver that does not answer in time', async () => {
    const receiver = await startReceiver(() => undefined);
    receivers.push(receiver);
    const outcome = await sendWebhook(request(`http://127.0.0.1:${receiver.port}/`, 200), {
      allowPrivateTargets: true,
    });
    expect(outcome.kind).toBe('timeout');
  });

  it('speaks TLS to the checked address under the name: SNI and the certificate check', async () => {
    const fixtures = path.join(__dirname, '../../fixtures/tls');
    const serverNames: string[] = [];
    const server = https.createServer(
      {
        key: readFileSync(path.join(fixtures, 'hooks-invalid.key.pem')),
        cert: readFileSync(path.join(fixtures, 'hooks-invalid.cert.pem')),
        SNICallback: (name, callback) => {
          serverNames.push(name);
          callback(null, undefined);
        },
      },
      (_req, res) => res.writeHead(200).end(),
    );
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receivers.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    const port = (server.address() as AddressInfo).port;

    // The certificate is self-signed, so the sender's check refuses it after the handshake began.
    const outcome = await sendWebhook(request(`https://hooks.invalid:${port}/`), {
      allowPrivateTargets: true,
      resolve: toLoopback,
    });
    expect(outcome.kind).toBe('network_error');
    if (outcome.kind === 'network_error') expect(outcome.message).toContain('self-signed');
    expect(serverNames).toEqual(['hooks.invalid']);
  });

  it('reports a refused connection and a name that does not resolve', async () => {
    const receiver = await startReceiver((res) => res.end());
    const port = receiver.port;
    await receiver.close();
    const refused = await sendWebhook(request(`http://127.0.0.1:${port}/`), {
      allowPrivateTargets: true,
    });
    expect(refused.kind).toBe('network_error');
    if (refused.kind === 'network_error') expect(refused.message).toContain('ECONNREFUSED');

    const unknown = await sendWebhook(request('http://hooks.invalid/'), {
      allowPrivateTargets: true,
      resolve: async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND hooks.invalid'), {
          code: 'ENOTFOUND',
        });
      },
    });
    expect(unknown.kind).toBe('network_error');
    if (unknown.kind === 'network_error') expect(unknown.message).toContain('cannot resolve');
  });
});
