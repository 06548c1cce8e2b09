import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per gateway instance, so tests with several gateways do not share counters. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gateway_process_' });
  const upstreamRequests = new Counter({
    name: 'gateway_upstream_requests_total',
    help: 'Requests sent to the upstream runs API, by method, templated route and status ("error" when no response arrived).',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const upstreamLatency = new Histogram({
    name: 'gateway_upstream_request_duration_seconds',
    help: 'Latency of upstream requests (each attempt), by method and templated route.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return { registry, upstreamRequests, upstreamLatency };
}

export type Metrics = ReturnType<typeof createMetrics>;
