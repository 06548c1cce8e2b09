import type { GatewayServices } from '../context.js';

export interface Readiness {
  ready: boolean;
  checks: { upstream: 'ok' | 'failing'; redis?: 'ok' | 'down' };
}

/**
 * Readiness: the upstream answers (one cheap list call, reused for `readinessCacheMs` so that a burst of
 * probes costs one call) and, when configured, Redis is reachable. Never says why in detail: a probe is
 * not a place for upstream messages.
 */
export function createReadiness(services: GatewayServices): () => Promise<Readiness> {
  let cached: { at: number; upstream: Promise<boolean> } | undefined;
  const upstreamOk = (): Promise<boolean> => {
    const now = Date.now();
    if (cached && now - cached.at < services.config.readinessCacheMs) return cached.upstream;
    const upstream = services.upstream
      .request({ method: 'GET', route: '/assistants', query: { limit: 1 }, retry: false })
      .then(() => true, () => false);
    cached = { at: now, upstream };
    return upstream;
  };
  return async () => {
    const upstream = await upstreamOk();
    const redis = services.cluster ? services.cluster.health.status() : undefined;
    const ready = upstream && (redis === undefined || redis === 'ready');
    return { ready, checks: { upstream: upstream ? 'ok' : 'failing', ...(redis ? { redis: redis === 'ready' ? 'ok' : 'down' } : {}) } };
  };
}
