import { createRequire } from 'node:module';
import { context, trace, SpanKind, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';

export { SpanKind, SpanStatusCode, context, trace, type Span, type Tracer };

export interface Tracing {
  tracer: Tracer;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

let contextManagerEnabled = false;

/**
 * The SDK's packages, loaded only when tracing is on: a gateway without an endpoint never loads the exporter, the
 * span processors or the async-hooks context manager. They are CommonJS (Node's `import` of them resolves to the
 * same CommonJS build), so `require` loads them synchronously and `createTracing` stays synchronous.
 */
function loadSdk() {
  const require = createRequire(import.meta.url);
  return {
    ...(require('@opentelemetry/context-async-hooks') as typeof import('@opentelemetry/context-async-hooks')),
    ...(require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http')),
    ...(require('@opentelemetry/resources') as typeof import('@opentelemetry/resources')),
    ...(require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base')),
  };
}

/**
 * OpenTelemetry tracing when an OTLP endpoint is configured: one span per operation and one per upstream
 * call, exported over OTLP/HTTP. Without an endpoint the tracer is a no-op and costs nothing per request.
 */
export function createTracing(options: { endpoint: string | undefined; serviceName: string }): Tracing {
  if (!options.endpoint) return { tracer: trace.getTracer('runs-gateway-noop'), shutdown: async () => undefined };
  const { AsyncLocalStorageContextManager, BasicTracerProvider, BatchSpanProcessor, OTLPTraceExporter, resourceFromAttributes } = loadSdk();
  if (!contextManagerEnabled) {
    // Spans of upstream calls find their operation's span through async context.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    contextManagerEnabled = true;
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` }), { scheduledDelayMillis: 500 })],
  });
  return { tracer: provider.getTracer('runs-gateway'), shutdown: () => provider.shutdown() };
}
