import { context, trace, SpanKind, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

export { SpanKind, SpanStatusCode, context, trace, type Span, type Tracer };

export interface Tracing {
  tracer: Tracer;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

let contextManagerEnabled = false;

/**
 * OpenTelemetry tracing when an OTLP endpoint is configured: one span per operation and one per upstream
 * call, exported over OTLP/HTTP. Without an endpoint the tracer is a no-op and costs nothing per request.
 */
export function createTracing(options: { endpoint: string | undefined; serviceName: string }): Tracing {
  if (!options.endpoint) return { tracer: trace.getTracer('runs-gateway-noop'), shutdown: async () => undefined };
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
