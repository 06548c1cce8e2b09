import type { Config } from './config.js';
import type { Cluster } from './cluster/cluster.js';
import type { LiveServices } from './live/index.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { Logger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';
import type { Tracing } from './observability/tracing.js';
import { ANONYMOUS, type Identity } from './security/auth.js';
import { withCallBudget } from './security/budget.js';
import { accessPolicy } from './security/tenants.js';
import type { AnswerObserver, UpstreamClient } from './upstream/client.js';
import { ClientInterest } from './upstream/interest.js';
import type { IdempotencyStore } from './writes/idempotency.js';

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

/**
 * What every resolver receives: fresh loaders per operation. Across operations, upstream answers are shared only
 * through the client's short read cache (UPSTREAM_READ_CACHE_MS) and its in-flight GETs.
 */
export interface GatewayContext {
  services: GatewayServices;
  /** The shared client seen through this operation's upstream-call budget. */
  upstream: UpstreamClient;
  /** The caller (ANONYMOUS when GATEWAY_AUTH=none). */
  identity: Identity;
  config: Config;
  loaders: Loaders;
  /**
   * When the oldest upstream answer this operation used began (ms since the epoch; +Infinity before any), and the
   * client's write generation when the operation started: together they bound how long its result stays true.
   */
  freshness: Freshness;
  /** The clients waiting for this operation (over HTTP and SSE): its reads are cancelled when all have gone. */
  interest?: ClientInterest;
}

/** How old the upstream answers an operation used are; see GatewayContext.freshness. */
export class Freshness implements AnswerObserver {
  oldestAnswerAt = Number.POSITIVE_INFINITY;
  constructor(readonly generation: number) {}
  answered(startedAt: number): void {
    if (startedAt < this.oldestAnswerAt) this.oldestAnswerAt = startedAt;
  }
}

/**
 * Fresh loaders for one subscription event. Their reads go through a short-lived cache shared by all
 * subscribers, so that N subscribers selecting the same nested fields cost one upstream call per event.
 */
export function createEventLoaders(services: GatewayServices, identity: Identity = ANONYMOUS): Loaders {
  // Each event is executed like an operation of its own, with a budget of its own.
  const upstream = withCallBudget(services.upstream, services.config.security.maxUpstreamCallsPerOperation).withReadCache(services.config.live.sharedCacheMs);
  return createLoaders(upstream, { enabled: services.loaders ?? true, access: accessPolicy(services, identity) });
}

/**
 * `clientSignal` aborts when the client goes away: reads made for this operation alone are then cancelled upstream
 * (a read shared with other clients only when all of them have gone).
 */
export function createContext(services: GatewayServices, identity: Identity = ANONYMOUS, clientSignal?: AbortSignal): GatewayContext {
  const readCacheMs = services.config.upstream.readCacheMs;
  const freshness = new Freshness(services.upstream.generation);
  const shared = readCacheMs > 0 ? services.upstream.withReadCache(readCacheMs, freshness) : services.upstream;
  const interest = clientSignal ? new ClientInterest(clientSignal) : undefined;
  const client = interest ? shared.withClientSignal(interest) : shared;
  const upstream = withCallBudget(client, services.config.security.maxUpstreamCallsPerOperation);
  return {
    services,
    upstream,
    identity,
    config: services.config,
    loaders: createLoaders(upstream, { enabled: services.loaders ?? true, access: accessPolicy(services, identity) }),
    freshness,
    ...(interest ? { interest } : {}),
  };
}
