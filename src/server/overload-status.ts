import type { Plugin } from 'graphql-yoga';

interface ErrorLike {
  extensions?: Record<string, unknown>;
}

/** The `retryAfterMs` of the first error that says the gateway shed the operation (UPSTREAM_UNAVAILABLE, reason overloaded). */
export function overloadRetryAfterMs(errors: readonly ErrorLike[] | undefined): number | undefined {
  for (const error of errors ?? []) {
    const extensions = error.extensions;
    if (extensions?.['code'] === 'UPSTREAM_UNAVAILABLE' && extensions['reason'] === 'overloaded') {
      const retryAfterMs = extensions['retryAfterMs'];
      return typeof retryAfterMs === 'number' ? retryAfterMs : 1_000;
    }
  }
  return undefined;
}

/**
 * Over HTTP, an operation the gateway shed for overload answers 503 with `Retry-After`, so load balancers and
 * clients back off as they would from any overloaded server (yoga reads `extensions.http` of the result and drops
 * it from the body). WebSocket and SSE subscriptions are not HTTP answers and are left alone.
 */
export function useOverloadStatus(): Plugin {
  return {
    onExecutionResult({ result, setResult }) {
      if (!result || Array.isArray(result) || Symbol.asyncIterator in result) return;
      const retryAfterMs = overloadRetryAfterMs(result.errors);
      if (retryAfterMs === undefined) return;
      const http = { status: 503, headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } };
      setResult({ ...result, extensions: { ...result.extensions, http } });
    },
  };
}
