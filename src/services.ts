import type { Config } from './config.js';
import type { GatewayServices } from './context.js';
import { createLiveServices } from './live/index.js';
import { createMetrics } from './observability/metrics.js';
import { createUpstreamClient } from './upstream/client.js';

export interface ServicesOptions {
  /** Injected into the upstream client (tests fake or count upstream calls with it). */
  fetch?: typeof fetch;
}

/** The long-lived pieces of one gateway instance, built once at start-up. */
export function createServices(config: Config, options: ServicesOptions = {}): GatewayServices {
  const metrics = createMetrics();
  const upstream = createUpstreamClient({ config: config.upstream, metrics, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const live = createLiveServices({ upstream, config: config.live, metrics });
  return { upstream, config, metrics, live };
}
