import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { checkResolvedAddresses, type ResolvedAddress } from './target-address';
import type { AttemptOutcome } from './webhook-delivery';
import { TIMED_OUT, withinDeadline } from '../timing/timing';

/** Resolves a host name to every address it has. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) => {
  const answers = await lookup(hostname, { all: true });
  return answers.map((answer) => ({
    address: answer.address,
    family: answer.family === 6 ? 6 : 4,
  }));
};

export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

/** Reading a receiver's answer stops here: only its status matters. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Sends one webhook attempt: resolves the host, checks every address it resolved to, and
 * connects to the address it checked (a second lookup could answer differently: DNS
 * rebinding). Redirects are not followed. Never throws: every failure is an outcome.
 */
export async function sendWebhook(
  request: WebhookRequest,
  policy: { allowPrivateTargets: boolean; resolve?: Resolver },
): Promise<AttemptOutcome> {
  const url = new URL(request.url);
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: ResolvedAddress[];
  try {
    const resolved = await withinDeadline(
      (policy.resolve ?? systemResolver)(hostname),
      request.timeoutMs,
    );
    if (resolved === TIMED_OUT) {
      throw new Error(`resolving ${hostname} took longer than ${request.timeoutMs / 1000} s`);
    }
    addresses = resolved;
  } catch (error) {
    return { kind: 'network_error', message: `cannot resolve ${hostname}: ${messageOf(error)}` };
  }
  const checked = checkResolvedAddresses(hostname, addresses, policy.allowPrivateTargets);
  if (!checked.ok) return { kind: 'blocked', message: checked.reason };
  return post(url, hostname, checked.address, request);
}

function post(
  url: URL,
  hostname: string,
  pinned: ResolvedAddress,
  request: WebhookRequest,
): Promise<AttemptOutcome> {
  const pinnedLookup: LookupFunction = (_name, options, callback) => {
    if (options.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
    else callback(null, pinned.address, pinned.family);
  };
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<AttemptOutcome>((resolve) => {
    let settled = false;
    const settle = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const req = transport.request({
      method: 'POST',
      protocol: url.protocol,
      // The name, not the address: it is what Host and TLS (SNI, certificate) must carry.
      hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
      lookup: pinnedLookup,
      agent: false,
    });
    // Covers the whole exchange, connecting included; a receiver that never ends its answer
    // is cut off as well.
    const timer = setTimeout(() => {
      settle({
        kind: 'timeout',
        message: `no answer within ${request.timeoutMs / 1000} s (WEBHOOK_TIMEOUT_SECONDS)`,
      });
      req.destroy();
    }, request.timeoutMs);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      settle(
        status >= 200 && status < 300
          ? { kind: 'delivered', status }
          : { kind: 'http_status', status },
      );
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > MAX_RESPONSE_BYTES) res.destroy();
      });
      res.on('close', () => clearTimeout(timer));
      res.on('error', () => undefined);
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      settle({ kind: 'network_error', message: messageOf(error) });
    });
    req.end(request.body);
  });
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
