import { createCluster, type Cluster } from './cluster/cluster.js';
import { clusterCoordination } from './cluster/coordination.js';
import type { Config } from './config.js';
import { createLiveServices, type LiveServices } from './live/index.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { createTracing, type Tracing } from './observability/tracing.js';
import { logUpstreamHealth, upstreamObserver } from './observability/upstream.js';
import { OwnerCache } from './security/tenants.js';
import { ThreadActivity } from './threads/activity.js';
import type { ThreadDirectory } from './threads/directory.js';
import { EmbeddedThreadDirectory } from './threads/embedded.js';
import { RedisThreadDirectory } from './threads/redis.js';
import { createUpstreamClient, type UpstreamClient } from './upstream/client.js';
import type { Transport } from './upstream/transport.js';
import { MemoryIdempotencyStore, type IdempotencyStore } from './writes/idempotency.js';

/** Long-lived pieces shared by every operation. */
export interface GatewayServices {
  upstream: UpstreamClient;
  config: Config;
  metrics: Metrics;
  logger: Logger;
  tracing: Tracing;
  /** Pubsub, run and thread observers, stream readers: what subscriptions and run writes share. */
  live: LiveServices;
  /** Mutations' idempotency keys: in memory, or in Redis when instances share them. */
  idempotency: IdempotencyStore;
  /** The Redis side of a multi-instance deployment (REDIS_URL), if configured. */
  cluster?: Cluster;
  /** Thread id → owner, for the tenancy checks (GATEWAY_AUTH ≠ none). */
  owners: OwnerCache;
  /**
   * The gateway's index of the threads created through it (viewer.threads) and what keeps it current: embedded
   * (GATEWAY_DATA_DIR), or in Redis when instances share it.
   */
  threads: ThreadActivity;
  /**
   * Per-request DataLoaders (caching, priming from lists). false makes every field call the client directly;
   * only for measuring what the loaders save.
   * @default true
   */
  loaders?: boolean;
  /**
   * Identical concurrent queries share one execution (src/server/shared-execution.ts). false runs each on its own;
   * only for measuring what sharing saves.
   * @default true
   */
  sharedExecution?: boolean;
}

export interface ServicesOptions {
  /**
   * The upstream's base URL when the config has none (the embedded runs API's, once it listens).
   * @default config.upstream.baseUrl
   */
  upstreamUrl?: string;
  /** Injected into the upstream client (tests fake or count upstream calls with it). */
  fetch?: typeof fetch;
  /** Injected into the upstream client in place of its node:http transport (benchmarks observe answers with it). */
  transport?: Transport;
  /** Where logs go (tests capture them); stdout by default. */
  logger?: Logger;
  /** The upstream client's clock (read cache, breaker). @default Date.now */
  now?: () => number;
}

/**
 * The long-lived pieces of one gateway instance, built once at start-up. With `REDIS_URL` the instances
 * share pubsub, poller leases, run states and idempotency keys through Redis; without it everything is in
 * this process.
 */
export function createServices(config: Config, options: ServicesOptions = {}): GatewayServices {
  const metrics = createMetrics({ legacyNames: config.metricsLegacyNames });
  const logger = options.logger ?? createLogger(config);
  const tracing: Tracing = createTracing({ endpoint: config.tracing.otlpEndpoint, serviceName: config.tracing.serviceName });
  const baseUrl = options.upstreamUrl ?? config.upstream.baseUrl;
  if (baseUrl === undefined) throw new Error('the gateway needs an upstream: UPSTREAM_BASE_URL, or the embedded runs API\'s URL (upstreamUrl)');
  const upstream = createUpstreamClient({
    config: { ...config.upstream, baseUrl },
    metrics,
    observe: upstreamObserver({ logger, tracer: tracing.tracer }),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.transport ? { transport: options.transport } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  logUpstreamHealth(upstream.health, logger);
  const cluster: Cluster | undefined = config.redis ? createCluster(config.redis, { logger: logger.child({ component: 'redis' }) }) : undefined;
  // Bound below, once the pubsub it publishes on exists: the run observers report the runs they see to it.
  let threads: ThreadActivity | undefined;
  const live = createLiveServices({
    upstream,
    config: config.live,
    metrics,
    onRunChanged: (run) => threads?.runChanged(run),
    ...(cluster
      ? {
          eventTarget: cluster.eventTarget,
          coordination: clusterCoordination(cluster, { leaseMs: config.live.leaseMs, stateTtlMs: config.live.stateTtlMs }),
          health: {
            available: () => cluster.health.status() === 'ready',
            onDown: (listener) => cluster.health.on('down', () => listener()),
          },
        }
      : {}),
  });
  const idempotency = cluster?.idempotency ?? new MemoryIdempotencyStore({ maxKeys: config.idempotency.maxKeys });
  // The circuit letting a probe through (half-open) or closing again: pollers waiting out a back-off try at once.
  const stopRecoveryNews = upstream.health.onChange((event) => {
    if (event.kind === 'breaker' && event.state !== 'open') live.upstreamRecovered();
  });
  live.onClose(stopRecoveryNews);
  const directory: ThreadDirectory = cluster ? new RedisThreadDirectory(cluster.connections.command) : new EmbeddedThreadDirectory({ dataDir: config.threads.dataDir });
  threads = new ThreadActivity(directory, live.pubsub, logger.child({ component: 'thread-directory' }));
  const services: GatewayServices = { upstream, config, metrics, logger, tracing, live, idempotency, owners: new OwnerCache(), threads, ...(cluster ? { cluster } : {}) };
  if (cluster) {
    // A write through another instance drops this one's cached answers too (its read cache and shared results).
    const stop = live.pubsub.listen('upstreamInvalidated', 'all', (pathPrefix) => services.upstream.invalidate(pathPrefix));
    live.onClose(stop);
  }
  return services;
}

/** After a write: drops the cached upstream answers under `pathPrefix` here and, with Redis, on every instance. */
export function invalidateEverywhere(services: GatewayServices, pathPrefix: string): void {
  services.upstream.invalidate(pathPrefix);
  if (services.cluster) services.live.pubsub.publish('upstreamInvalidated', 'all', pathPrefix);
}

/** Stops what the services run: pollers (releasing their leases) and streams first, then the Redis connections. */
export async function closeServices(services: GatewayServices): Promise<void> {
  await services.live.close();
  await services.threads.directory.close();
  await services.cluster?.close();
  await services.tracing.shutdown();
}
