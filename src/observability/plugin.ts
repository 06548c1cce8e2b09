import { getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { RequestContext } from './request-context.js';
import type { SubscriptionObserver } from '../server/subscription-events.js';
import { isSpanContextValid } from '@opentelemetry/api';
import { context, SpanStatusCode, trace, type Tracer } from './tracing.js';

/** Operation names are client input: past this many distinct names, the metric label is "other". */
const MAX_OPERATION_NAMES = 200;

/**
 * One log line, one metric sample and one span per GraphQL operation, correlated through the request id
 * with the upstream calls it caused (their `x-request-id`s are listed in the line).
 */
export function useOperationObservability(options: { logger: Logger; metrics: Metrics; tracer: Tracer }): Plugin & {
  /**
   * The log of a subscription whose stream the caller observes from now on (its events and end); asked once, at
   * subscribe (src/server/subscription-events.ts does). A stream nobody takes the log of is observed through envelop
   * hooks on the stream instead, which wrap it in iterators for every subscriber (and a failed stream is not seen).
   */
  subscriptionOf(args: object): SubscriptionObserver | undefined;
  /** The line, sample and span of a query answered from the answer cache (src/server/answer-cache.ts), without yoga. */
  answeredFromCache(operation: { type: 'query'; name: string | undefined }, durationMs: number, requestId: string | undefined): void;
} {
  const { logger, metrics, tracer } = options;
  const names = new Set<string>();
  const labelFor = (name: string | undefined): string => {
    const label = name ?? 'anonymous';
    if (names.has(label)) return label;
    if (names.size >= MAX_OPERATION_NAMES) return 'other';
    names.add(label);
    return label;
  };
  const describe = (document: DocumentNode, operationName: string | null | undefined) => {
    const operation = getOperationAST(document, operationName);
    return { type: operation?.operation ?? 'query', name: operation?.name?.value };
  };

  /** One subscription: its events, and its end (counted and logged once). */
  class SubscriptionLog implements SubscriptionObserver {
    events = 0;
    #ended = false;
    readonly #started = performance.now();
    constructor(
      readonly name: string | undefined,
      readonly requestId: string | undefined,
    ) {}

    next(): void {
      this.events += 1;
    }

    end(outcome: 'ok' | 'failed'): void {
      if (this.#ended) return;
      this.#ended = true;
      metrics.activeSubscriptions.dec();
      metrics.operations.inc({ type: 'subscription', name: labelFor(this.name), outcome });
      logger.info(
        { requestId: this.requestId, operationType: 'subscription', operationName: this.name ?? null, outcome, events: this.events, durationMs: Math.round(performance.now() - this.#started) },
        'subscription ended',
      );
    }
  }

  /** Subscriptions started and not yet handed to their stream's observer (or ended without a stream). */
  const logs = new WeakMap<object, SubscriptionLog>();
  const subscribeHooks = {
    onSubscribeResult({ args, result }: { args: object; result: unknown }) {
      const log = logs.get(args);
      if (!log) return undefined;
      logs.delete(args);
      // An error before any stream (validation, a resolver that threw, a refusal) is a single result, not a stream.
      if (!(Symbol.asyncIterator in Object(result))) {
        log.end('failed');
        return undefined;
      }
      // A stream nobody took the log for (no subscription-events plugin): observed through hooks on the stream.
      return { onNext: () => log.next(), onEnd: () => log.end('ok') };
    },
  };

  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const { type, name } = describe(args.document, args.operationName);
      const started = performance.now();
      const span = tracer.startSpan(`graphql.${type}${name ? ` ${name}` : ''}`, { attributes: { 'graphql.operation.type': type, ...(name ? { 'graphql.operation.name': name } : {}) } });
      // Upstream calls made while executing become children of this span. A span that records nothing and carries
      // no trace (tracing off) has nothing to hand on: execution is not wrapped for it.
      if (span.isRecording() || isSpanContextValid(span.spanContext())) {
        const spanContext = trace.setSpan(context.active(), span);
        setExecuteFn((executeArgs) => context.with(spanContext, () => executeFn(executeArgs)));
      }
      return {
        onExecuteDone({ result }) {
          const seconds = (performance.now() - started) / 1000;
          const single = result as ExecutionResult;
          const outcome = single.errors?.length ? (single.data ? 'error' : 'failed') : 'ok';
          metrics.operations.inc({ type, name: labelFor(name), outcome });
          metrics.operationDuration.observe({ type }, seconds);
          // The line is built only for a logger that writes it (LOG_LEVEL above info writes none).
          if (logger.isLevelEnabled('info')) {
            const request = (args.contextValue as { requestContext?: RequestContext } | undefined)?.requestContext;
            const codes = single.errors?.map((error) => error.extensions?.['code'] ?? 'INTERNAL_SERVER_ERROR');
            logger.info(
              {
                requestId: request?.requestId,
                ...(request?.clientAddress !== undefined ? { clientAddress: request.clientAddress } : {}),
                operationType: type,
                operationName: name ?? null,
                outcome,
                durationMs: Math.round(seconds * 1000),
                upstreamCalls: request?.upstreamCalls ?? 0,
                upstreamRequestIds: request?.upstreamRequestIds ?? [],
                ...(codes ? { errorCodes: codes } : {}),
              },
              'graphql operation',
            );
          }
          if (outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        },
      };
    },
    onSubscribe({ args }) {
      const { name } = describe(args.document, args.operationName);
      metrics.activeSubscriptions.inc();
      const request = (args.contextValue as { requestContext?: RequestContext } | undefined)?.requestContext;
      const log = new SubscriptionLog(name, request?.requestId);
      logger.info({ requestId: log.requestId, ...(request?.clientAddress !== undefined ? { clientAddress: request.clientAddress } : {}), operationType: 'subscription', operationName: name ?? null }, 'subscription started');
      logs.set(args, log);
      // The same hooks for every subscription, and none on its stream: a stream hook costs every subscriber wrapping
      // iterators for as long as it runs (the stream's observer counts its events and end instead).
      return subscribeHooks;
    },
    answeredFromCache({ type, name }, durationMs, requestId) {
      const span = tracer.startSpan(`graphql.${type}${name ? ` ${name}` : ''}`, {
        attributes: { 'graphql.operation.type': type, ...(name ? { 'graphql.operation.name': name } : {}), 'gateway.answer': 'cache' },
      });
      metrics.operations.inc({ type, name: labelFor(name), outcome: 'ok' });
      metrics.operationDuration.observe({ type }, durationMs / 1000);
      if (logger.isLevelEnabled('info')) {
        logger.info(
          {
            requestId,
            operationType: type,
            operationName: name ?? null,
            outcome: 'ok',
            durationMs: Math.round(durationMs),
            upstreamCalls: 0,
            upstreamRequestIds: [],
            answer: 'cache',
          },
          'graphql operation',
        );
      }
      span.end();
    },
    subscriptionOf(args: object): SubscriptionLog | undefined {
      const log = logs.get(args);
      logs.delete(args);
      return log;
    },
  };
}
