import type { UpstreamConfig } from '../config.js';
import type { Metrics } from '../observability/metrics.js';
import { Endpoint } from './endpoint.js';
import { unsupportedOperation } from './http-errors.js';
import { CAPABILITY_OPERATION, capabilityOf } from './profiles.js';
import { ReadCache } from './read-cache.js';
import { RequestCore, type AttemptObserver } from './request.js';
import { SharedGets } from './shared-gets.js';
import { openEventStream } from './stream.js';
import { ClientCredentialsTokenProvider, type TokenSource } from './token-provider.js';
import { fetchTransport, httpTransport, type Transport } from './transport.js';
import type { AnswerObserver, UpstreamClient, UpstreamRequest, UpstreamResponse } from './types.js';
import { RunsView, type ClientParts, type Send } from './views.js';

/**
 * The typed upstream client of the runs API, composed of: the request core (request.ts: endpoint, attempts,
 * retries, breaker, error classification), in-flight sharing of GETs (shared-gets.ts), the read cache
 * (read-cache.ts), event streams (stream.ts) and the typed reads (views.ts), which map failures to GraphQL errors.
 */

export * from './types.js';

export interface UpstreamClientOptions {
  config: UpstreamConfig;
  metrics?: Metrics;
  fetch?: typeof fetch;
  /** How JSON requests travel (measurements wrap the default one); default: `fetch` when given, else node:http. */
  transport?: Transport;
  /**
   * Concurrent identical GETs share one upstream call.
   * @default true
   */
  dedupe?: boolean;
  /** Injected by tests to skip real waiting between retries. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected by tests for deterministic jitter. */
  random?: () => number;
  /** The clock of the read cache and the breaker (tests inject one instead of waiting). @default Date.now */
  now?: () => number;
  /** Told of every attempt (logs, traces, per-operation counts); returns what to call when it ends. */
  observe?: UpstreamObserver;
  /** Where tokens come from under `client-credentials`; default: the token endpoint of the config, over `fetch`. */
  tokens?: TokenSource;
}

export type UpstreamObserver = AttemptObserver;

/** Sockets beyond the concurrency limit, so that a readiness probe never waits for a socket held by a hung request. */
const READINESS_SOCKETS = 1;

export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const { config } = options;
  if (!config.baseUrl) throw new Error('createUpstreamClient needs config.baseUrl');
  const endpoint = new Endpoint({ ...config, baseUrl: config.baseUrl });
  // Event streams need a web ReadableStream body: they go through fetch; every other call through the transport.
  const doFetch = options.fetch ?? globalThis.fetch;
  const transport = options.transport ?? (options.fetch ? fetchTransport(options.fetch) : httpTransport({ maxSockets: config.maxConcurrency + READINESS_SOCKETS }));
  const tokens = options.tokens ?? tokenSourceOf(config, doFetch);
  const core = new RequestCore({ policy: config, endpoint, transport, metrics: options.metrics, observe: options.observe, sleep: options.sleep, random: options.random, now: options.now, tokens });
  /** An operation the profile lacks is refused here, unsent: the same typed error every time, never a 404 to interpret. */
  const checkSupported = (request: UpstreamRequest): void => {
    const capability = capabilityOf(request.method, request.route);
    if (capability !== undefined && !config.capabilities.has(capability)) throw unsupportedOperation(CAPABILITY_OPERATION[capability], capability, config.profile);
  };
  const shared = options.dedupe === false ? undefined : new SharedGets<UpstreamResponse<unknown>>();
  // A parsed answer weighs a few times its text; twice the text's length in bytes is a floor, not an exact count.
  const cache = new ReadCache<UpstreamResponse<unknown>>({ sizeOf: (response) => 2 * (response.bodyLength ?? 0), ...(options.now ? { now: options.now } : {}) });

  /**
   * What identical GETs are shared and cached under: the URL, and the caller when the request names one upstream
   * (UPSTREAM_FORWARD_CALLER), whose answer is that caller's alone. The caller follows the URL, so that invalidating a
   * path prefix still reaches every caller's copy.
   */
  const sharingKey = (url: string, caller: string | undefined): string => (caller === undefined ? url : `${url}#caller=${encodeURIComponent(caller)}`);

  /** Sends with the URL already built (the cached view has built it for its key). */
  const sendAt = <T>(request: UpstreamRequest, url: string): Promise<UpstreamResponse<T>> => {
    checkSupported(request);
    // A probe shares nothing: it must not wait for a GET queued behind a hung upstream.
    if (!shared || request.method !== 'GET' || request.signal || request.probe) {
      // A write is never cut short because its client left: its outcome would be unknown.
      // The client's interest itself: the attempt listens to it, no AbortSignal is made for it.
      const signal = request.signal ?? (request.method === 'GET' ? request.clientSignal : undefined);
      return core.send<T>(signal ? { ...request, signal } : request, url);
    }
    return shared.get(sharingKey(url, request.origin?.caller), (signal) => core.send({ ...request, signal }, url), request.clientSignal) as Promise<UpstreamResponse<T>>;
  };
  const send: Send = (request) => sendAt(request, endpoint.url(request));

  const parts: ClientParts = {
    stream: async (request) => {
      checkSupported(request);
      return openEventStream(core, doFetch, request);
    },
    cached: (maxAgeMs, observer) => async <T>(request: UpstreamRequest) => {
      if (request.method !== 'GET' || request.signal) return send<T>(request);
      const url = endpoint.url(request);
      const startedAt = cache.now();
      const key = sharingKey(url, request.origin?.caller);
      const hit = cache.get(key, maxAgeMs, startedAt);
      if (hit) {
        observer?.answered(hit.startedAt);
        return hit.value as UpstreamResponse<T>;
      }
      const generation = cache.generation;
      const response = await sendAt<T>(request, url);
      observer?.answered(startedAt);
      cache.set(key, { startedAt, value: response }, generation);
      return response;
    },
    invalidate(pathPrefix) {
      const prefix = endpoint.prefix(pathPrefix);
      cache.invalidate(prefix);
      shared?.forget(prefix);
    },
    get inFlight() {
      return shared?.size ?? 0;
    },
    get generation() {
      return cache.generation;
    },
    health: core.health,
    capabilities: config.capabilities,
  };
  return new RunsView(parts, send);
}

function tokenSourceOf(config: UpstreamConfig, doFetch: typeof fetch): TokenSource | undefined {
  const { auth } = config;
  if (auth.mode !== 'client-credentials') return undefined;
  return new ClientCredentialsTokenProvider({ ...auth, fetch: doFetch });
}
