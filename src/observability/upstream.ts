import type { UpstreamObserver } from '../upstream/client.js';
import type { Logger } from './logger.js';
import { currentRequestContext } from './request-context.js';
import { SpanKind, SpanStatusCode, type Tracer } from './tracing.js';

/** Enough ids to follow an operation upstream; a runaway operation does not grow its log line without end. */
const MAX_CORRELATED_IDS = 100;

/** Each upstream attempt: counted and correlated with the operation that caused it, logged at debug, traced. */
export function upstreamObserver(options: { logger: Logger; tracer: Tracer }): UpstreamObserver {
  const { logger, tracer } = options;
  return {
    start({ method, route }) {
      const request = currentRequestContext();
      const span = tracer.startSpan(`upstream ${method} ${route}`, { kind: SpanKind.CLIENT, attributes: { 'http.request.method': method, 'url.template': route } });
      const started = performance.now();
      return ({ status, requestId }) => {
        if (request) {
          request.upstreamCalls += 1;
          if (requestId && request.upstreamRequestIds.length < MAX_CORRELATED_IDS) request.upstreamRequestIds.push(requestId);
        }
        span.setAttribute('http.response.status_code', status);
        if (requestId) span.setAttribute('upstream.request_id', requestId);
        if (status === 'error' || Number(status) >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        if (logger.isLevelEnabled('debug')) {
          logger.debug({ requestId: request?.requestId, upstreamRequestId: requestId, method, route, status, durationMs: Math.round(performance.now() - started) }, 'upstream request');
        }
      };
    },
  };
}
