import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RenderCounts } from '../redis/render-statistics';
import type { WebhookCounts } from '../webhooks/webhook-statistics';

export interface ApiMetrics {
  /** Counts and times every request by method, route pattern and status. */
  middleware: RequestHandler;
  /** `GET /metrics` in the Prometheus text format. */
  handler: RequestHandler;
}

/**
 * The API's own numbers come from prom-client in a registry of this process; the queue's and the
 * renders' numbers are read from Redis at scrape time, so they cover every worker.
 */
export function createApiMetrics(sources: {
  queueCounts: () => Promise<Record<string, number>>;
  renderCounts: () => Promise<RenderCounts>;
  webhookCounts?: () => Promise<WebhookCounts>;
}): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'manim_api_' });
  const requests = new Counter({
    name: 'manim_http_requests_total',
    help: 'HTTP requests answered, by method, route and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'manim_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method and route.',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'manim_queue_jobs',
    help: 'Jobs in the render queue, by state.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      for (const [state, count] of Object.entries(await sources.queueCounts())) {
        this.set({ state }, count);
      }
    },
  });

  return {
    middleware: (req, res, next) => {
      const startedAt = process.hrtime.bigint();
      res.on('finish', () => {
        // The route pattern, not the path: job ids would make every path a series of its own.
        const route =
          typeof req.route?.path === 'string' ? `${req.baseUrl}${req.route.path}` : 'unmatched';
        const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
        requests.inc({ method: req.method, route, status: String(res.statusCode) });
        latency.observe({ method: req.method, route }, seconds);
      });
      next();
    },
    handler: async (_req, res) => {
      const own = await registry.metrics();
      const renders = formatRenderCounts(await sources.renderCounts());
      const webhooks = sources.webhookCounts
        ? formatWebhookCounts(await sources.webhookCounts())
        : '';
      res.type(registry.contentType).send(`${own}\n${renders}${webhooks}`);
    },
  };
}

/** The renders' histogram, failure and root-retry counters in the Prometheus text format. */
export function formatRenderCounts(counts: RenderCounts): string {
  const lines = [
    '# HELP manim_render_duration_seconds Time from a worker taking a job to its video being stored, by quality.',
    '# TYPE manim_render_duration_seconds histogram',
  ];
  for (const [quality, histogram] of Object.entries(counts.durationsByQuality)) {
    for (const bucket of histogram.buckets) {
      lines.push(
        `manim_render_duration_seconds_bucket{quality="${quality}",le="${bucket.le}"} ${bucket.count}`,
      );
    }
    lines.push(
      `manim_render_duration_seconds_bucket{quality="${quality}",le="+Inf"} ${histogram.count}`,
    );
    lines.push(`manim_render_duration_seconds_sum{quality="${quality}"} ${histogram.sum}`);
    lines.push(`manim_render_duration_seconds_count{quality="${quality}"} ${histogram.count}`);
  }
  lines.push(
    ...counterLines(
      'manim_render_failures_total',
      'Failed renders, by error code.',
      'code',
      counts.failuresByCode,
    ),
    ...counterLines(
      'manim_render_root_retries_total',
      'Renders that could not write their job folder, by what followed: a retry as root that completed or failed, or no retry (refused) because root could not help.',
      'outcome',
      counts.rootRetriesByOutcome,
    ),
  );
  return `${lines.join('\n')}\n`;
}

/** The webhook counters in the Prometheus text format. */
export function formatWebhookCounts(counts: WebhookCounts): string {
  const lines = [
    ...counterLines(
      'manim_webhook_attempts_total',
      'Webhook delivery attempts, by result: delivered (2xx), http_status (any other answer), timeout, network_error, blocked (refused target address).',
      'result',
      counts.attempts,
    ),
    ...counterLines(
      'manim_webhook_deliveries_total',
      'Webhook deliveries that ended, by outcome: delivered, or failed after their last attempt.',
      'outcome',
      counts.deliveries,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** One counter with one label, in the Prometheus text format: its HELP and TYPE, then a line per value. */
function counterLines(
  name: string,
  help: string,
  label: string,
  values: Record<string, number>,
): string[] {
  return [
    `# HELP ${name} ${help}`,
    `# TYPE ${name} counter`,
    ...Object.entries(values).map(([value, count]) => `${name}{${label}="${value}"} ${count}`),
  ];
}
