import type { Config } from './config.js';
import type { LiveServices } from './live/index.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { Metrics } from './observability/metrics.js';
import type { UpstreamClient } from './upstream/client.js';

/** Long-lived pieces shared by every operation. */
export interface GatewayServices {
  upstream: UpstreamClient;
  config: Config;
  metrics: Metrics;
  /** Pubsub, run and thread observers, stream readers: what subscriptions and run writes share. */
  live: LiveServices;
  /**
   * Per-request DataLoaders (caching, priming from lists). false makes every field call the client directly;
   * only for measuring what the loaders save.
   * @default true
   */
  loaders?: boolean;
}

/** What every resolver receives: fresh loaders per operation, so nothing is cached across requests. */
export interface GatewayContext {
  services: GatewayServices;
  upstream: UpstreamClient;
  config: Config;
  loaders: Loaders;
}

/**
 * Fresh loaders for one subscription event. Their reads go through a short-lived cache shared by all
 * subscribers, so that N subscribers selecting the same nested fields cost one upstream call per event.
 */
export function createEventLoaders(services: GatewayServices): Loaders {
  return createLoaders(services.upstream.withReadCache(services.config.live.sharedCacheMs), { enabled: services.loaders ?? true });
}

export function createContext(services: GatewayServices): GatewayContext {
  return {
    services,
    upstream: services.upstream,
    config: services.config,
    loaders: createLoaders(services.upstream, { enabled: services.loaders ?? true }),
  };
}
