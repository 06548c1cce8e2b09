import type { GatewayServices } from '../services.js';

export interface Readiness {
  ready: boolean;
  checks: { upstream: 'ok' | 'failing'; redis?: 'ok' | 'down' };
}

/**
 * Readiness: the upstream answers (one cheap list call, reused for `readinessCacheMs` so that a burst of
 * probes costs one call) and, when configured, Redis is reachable. The upstream call is a probe: it never waits
 * behind other upstream requests and gives up after `readinessTimeoutMs`, so a hung upstream reads as 503 quickly.
 * Never says why in detail: a probe is not a place for upstream messages. A change of the upstream check is logged
 * once (warn when it starts failing, info when it answers again).
 */
export function createReadiness(services: GatewayServices): () => Promise<Readiness> {
  const { config, logger } = services;
  let cached: { at: number; upstream: Promise<boolean> } | undefined;
  let lastUpstream = true;
  const upstreamOk = (): Promise<boolean> => {
    const now = Date.now();
    if (cached && now - cached.at < config.readinessCacheMs) return cached.upstream;
    const upstream = services.upstream
      .request({ method: 'GET', route: '/assistants', query: { limit: 1 }, retry: false, probe: { timeoutMs: config.readinessTimeoutMs } })
      .then(
        () => true,
        (error: unknown) => {
          if (lastUpstream) logger.warn({ code: (error as { extensions?: { code?: unknown } }).extensions?.code, reason: (error as { extensions?: { reason?: unknown } }).extensions?.reason }, 'readiness: the upstream is failing');
          return false;
        },
      )
      .then((ok) => {
        if (ok && !lastUpstream) logger.info('readiness: the upstream answers again');
        lastUpstream = ok;
        return ok;
      });
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
