import type { Config } from './config.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { Metrics } from './observability/metrics.js';
import type { UpstreamClient } from './upstream/client.js';

/** Long-lived pieces shared by every operation. */
export interface GatewayServices {
  upstream: UpstreamClient;
  config: Config;
  metrics: Metrics;
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

export function createContext(services: GatewayServices): GatewayContext {
  return {
    services,
    upstream: services.upstream,
    config: services.config,
    loaders: createLoaders(services.upstream, { enabled: services.loaders ?? true }),
  };
}
