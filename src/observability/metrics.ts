import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { IndexedCounter, IndexedHistogram } from './indexed-metrics.js';

/** prom-client's process and Node.js metrics are named `process_…` and `nodejs_…`: this prefix makes them `gateway_process_…`, `gateway_nodejs_…`. */
export const DEFAULT_METRICS_PREFIX = 'gateway_';
/** Wave 1's prefix, which doubled `process_` (`gateway_process_process_cpu_user_seconds_total`). Deprecated. */
export const LEGACY_DEFAULT_METRICS_PREFIX = 'gateway_process_';

export interface MetricsOptions {
  /** Also the process metrics under wave 1's names (METRICS_LEGACY_NAMES). @default false */
  legacyNames?: boolean;
}

/** One registry per gateway instance, so tests with several gateways do not share counters. */
export function createMetrics(options: MetricsOptions = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: DEFAULT_METRICS_PREFIX });
  if (options.legacyNames) collectDefaultMetrics({ register: registry, prefix: LEGACY_DEFAULT_METRICS_PREFIX });
  const upstreamRequests = new IndexedCounter({
    name: 'gateway_upstream_requests_total',
    help: 'Requests sent to the upstream runs API, by method, templated route and status ("error" when no response arrived).',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const upstreamLatency = new IndexedHistogram({
    name: 'gateway_upstream_request_duration_seconds',
    help: 'Latency of upstream requests (each attempt), by method and templated route.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const upstreamShed = new IndexedCounter({
    name: 'gateway_upstream_shed_total',
    help: 'Upstream requests shed before being sent (UPSTREAM_UNAVAILABLE, reason overloaded), by reason: queue_full (UPSTREAM_MAX_QUEUE requests were waiting) or deadline (it could not start in time to finish within UPSTREAM_OPERATION_DEADLINE_MS).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const upstreamBreakerState = new Gauge({
    name: 'gateway_upstream_breaker_state',
    help: 'State of the upstream circuit breaker: 0 closed, 1 half-open (one probe may go), 2 open (requests fail fast).',
    registers: [registry],
  });
  const upstreamBreakerTransitions = new IndexedCounter({
    name: 'gateway_upstream_breaker_transitions_total',
    help: 'Transitions of the upstream circuit breaker, by the state entered.',
    labelNames: ['state'] as const,
    registers: [registry],
  });
  let upstreamStats: () => { active: number; queued: number } = () => ({ active: 0, queued: 0 });
  new Gauge({
    name: 'gateway_upstream_in_flight',
    help: 'Upstream requests in flight now (bounded by UPSTREAM_MAX_CONCURRENCY; an event stream counts until its response head arrives; readiness probes not counted).',
    registers: [registry],
    collect() {
      this.set(upstreamStats().active);
    },
  });
  new Gauge({
    name: 'gateway_upstream_queued',
    help: 'Upstream requests waiting for a slot now (bounded by UPSTREAM_MAX_QUEUE).',
    registers: [registry],
    collect() {
      this.set(upstreamStats().queued);
    },
  });
  const operations = new IndexedCounter({
    name: 'gateway_operations_total',
    help: 'GraphQL operations by type (query, mutation, subscription), operation name ("anonymous" without one; "other" past 200 distinct names) and outcome (ok, error: some errors, failed: no data).',
    labelNames: ['type', 'name', 'outcome'] as const,
    registers: [registry],
  });
  const operationDuration = new IndexedHistogram({
    name: 'gateway_operation_duration_seconds',
    help: 'Execution time of GraphQL queries and mutations, by type.',
    labelNames: ['type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const activeSubscriptions = new Gauge({
    name: 'gateway_active_subscriptions',
    help: 'Subscriptions open now (graphql-ws and SSE).',
    registers: [registry],
  });
  const subscriptionEventExecutions = new Counter({
    name: 'gateway_subscription_event_executions_total',
    help: 'Executions of subscription events: one per published state and distinct operation (document, variables, identity), however many subscribers get its result.',
    registers: [registry],
  });
  const pollLag = new Histogram({
    name: 'gateway_poll_lag_seconds',
    help: 'From the moment a run poll was due to its answer: scheduling delay plus upstream latency. How stale a live state can be beyond the poll interval.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const httpConnectionsRefused = new IndexedCounter({
    name: 'gateway_http_connections_refused_total',
    help: 'Connections closed on arrival because a cap was reached: limit "total" (HTTP_MAX_CONNECTIONS) or "address" (HTTP_MAX_CONNECTIONS_PER_ADDRESS).',
    labelNames: ['limit'] as const,
    registers: [registry],
  });
  let liveStats: () => { pollers: number; observedRuns: number; streams: number; threadPollers: number } = () => ({ pollers: 0, observedRuns: 0, streams: 0, threadPollers: 0 });
  type LiveStats = ReturnType<typeof liveStats>;
  const liveGauge = (name: string, help: string, pick: (stats: LiveStats) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(pick(liveStats()));
      },
    });
  liveGauge('gateway_live_pollers', 'Runs this instance polls now (with Redis: the runs whose lease it holds).', (stats) => stats.pollers);
  liveGauge('gateway_live_runs', 'Runs observed for subscribers or streams on this instance.', (stats) => stats.observedRuns);
  liveGauge('gateway_live_thread_pollers', 'Threads whose run list this instance watches for threadRunsUpdated.', (stats) => stats.threadPollers);
  liveGauge('gateway_live_streams', 'Upstream run event streams being read now (runs started through this instance).', (stats) => stats.streams);
  return {
    registry,
    upstreamRequests,
    upstreamLatency,
    upstreamShed,
    upstreamBreakerState,
    upstreamBreakerTransitions,
    /** Where the upstream queue gauges read from (set by the upstream client). */
    bindUpstream(stats: typeof upstreamStats): void {
      upstreamStats = stats;
    },
    operations,
    operationDuration,
    activeSubscriptions,
    subscriptionEventExecutions,
    pollLag,
    httpConnectionsRefused,
    /** Where the live gauges read from (set once the live services exist). */
    bindLive(stats: typeof liveStats): void {
      liveStats = stats;
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
