import type { UpstreamHealth, UpstreamObserver } from '../upstream/client.js';
import type { Logger } from './logger.js';
import { SpanKind, SpanStatusCode, type Tracer } from './tracing.js';

/** Enough ids to follow an operation upstream; a runaway operation does not grow its log line without end. */
const MAX_CORRELATED_IDS = 100;

/** Each upstream attempt: counted and correlated with the operation that caused it, logged at debug, traced. */
export function upstreamObserver(options: { logger: Logger; tracer: Tracer }): UpstreamObserver {
  const { logger, tracer } = options;
  return {
    start({ method, route }, origin) {
      const span = tracer.startSpan(`upstream ${method} ${route}`, { kind: SpanKind.CLIENT, attributes: { 'http.request.method': method, 'url.template': route } });
      const started = performance.now();
      return ({ status, requestId }) => {
        if (origin?.upstreamCalls !== undefined) origin.upstreamCalls += 1;
        if (requestId && origin?.upstreamRequestIds && origin.upstreamRequestIds.length < MAX_CORRELATED_IDS) origin.upstreamRequestIds.push(requestId);
        span.setAttribute('http.response.status_code', status);
        if (requestId) span.setAttribute('upstream.request_id', requestId);
        if (status === 'error' || Number(status) >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        if (logger.isLevelEnabled('debug')) {
          logger.debug({ requestId: origin?.requestId, upstreamRequestId: requestId, method, route, status, durationMs: Math.round(performance.now() - started) }, 'upstream request');
        }
      };
    },
  };
}

/**
 * Outages and overload, logged once each (not per request): the breaker opening (warn), letting a probe through
 * (info) and closing again (info); a shedding episode starting (warn) and ending with its count (info).
 */
export function logUpstreamHealth(health: UpstreamHealth, logger: Logger): () => void {
  return health.onChange((event) => {
    if (event.kind === 'breaker') {
      if (event.state === 'open') logger.warn({ breaker: event.state, previous: event.previous }, 'upstream circuit open: the upstream API is failing, requests fail fast');
      else if (event.state === 'half-open') logger.info({ breaker: event.state }, 'upstream circuit half-open: one probe request may go');
      else logger.info({ breaker: event.state }, 'upstream circuit closed: the upstream API answers again');
    } else if (event.state === 'started') {
      logger.warn({ shedding: true }, 'upstream overloaded: requests beyond the queue or past their deadline are shed (UPSTREAM_UNAVAILABLE, overloaded)');
    } else {
      logger.info({ shedding: false, shed: event.shed }, 'upstream no longer overloaded');
    }
  });
}
