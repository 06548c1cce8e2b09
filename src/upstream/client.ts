import type { UpstreamConfig } from '../config.js';
import type { Metrics } from '../observability/metrics.js';
import type { Schemas, paths } from '../spec/index.js';
import { Endpoint } from './endpoint.js';
import { abortSignalOf, type ClientSignal } from './interest.js';
import { ReadCache } from './read-cache.js';
import { RequestCore, type AttemptObserver, type CoreRequest, type CoreResponse, type UpstreamHealth } from './request.js';
import { SharedGets } from './shared-gets.js';
import { openEventStream, type EventStream } from './stream.js';
import { fetchTransport, httpTransport, type Transport } from './transport.js';
import { RunsView, type ClientParts, type Send } from './views.js';

/**
 * The typed upstream client of the runs API, composed of: the request core (request.ts: endpoint, attempts,
 * retries, breaker, error classification), in-flight sharing of GETs (shared-gets.ts), the read cache
 * (read-cache.ts), event streams (stream.ts) and the typed reads (views.ts), which map failures to GraphQL errors.
 */

/** A templated path of the spec, e.g. `/threads/{thread_id}/runs/{run_id}`; also the metrics `route` label. */
export type Route = keyof paths & string;
export type { HttpMethod, QueryValue } from './endpoint.js';
export type { HealthEvent, UpstreamHealth } from './request.js';
export type { BreakerChange, BreakerState } from './breaker.js';

/** A request of the runs wire: the core's request on a route of the spec. A request with a `signal` is not shared with other callers. */
export interface UpstreamRequest extends CoreRequest {
  route: Route;
  /**
   * The signal of the client request this read serves (its disconnect). A GET shared by several clients is
   * aborted upstream once every client it serves has gone; a caller whose client left gets an abort error.
   */
  clientSignal?: ClientSignal;
}

export type UpstreamResponse<T> = CoreResponse<T>;
/** An upstream `stream: true` answer: the open event stream of a run. */
export type UpstreamStream = EventStream;

/** The typed reads, shared by the client and its cached view. */
export interface UpstreamReads {
  getRun(threadId: string, runId: string): Promise<Schemas['RunObject']>;
  listRuns(threadId: string, params?: ListParams<'/threads/{thread_id}/runs'>): Promise<Schemas['ListRunsResponse']>;
  getThread(threadId: string): Promise<Schemas['ThreadObject']>;
  getAssistant(assistantId: string): Promise<Schemas['AssistantObject']>;
  listAssistants(params?: ListParams<'/assistants'>): Promise<Schemas['ListAssistantsResponse']>;
  getMessage(threadId: string, messageId: string): Promise<Schemas['MessageObject']>;
  /** `run_id` filters to the messages a run created. */
  listMessages(threadId: string, params?: ListParams<'/threads/{thread_id}/messages'>): Promise<Schemas['ListMessagesResponse']>;
  getRunStep(threadId: string, runId: string, stepId: string, include?: readonly StepInclude[]): Promise<Schemas['RunStepObject']>;
  listRunSteps(
    threadId: string,
    runId: string,
    params?: ListParams<'/threads/{thread_id}/runs/{run_id}/steps'>,
    include?: readonly StepInclude[],
  ): Promise<Schemas['ListRunStepsResponse']>;
}

type Query<R extends Route> = paths[R] extends { get: { parameters: { query?: infer Q } } } ? NonNullable<Q> : never;
export type ListParams<R extends Route> = Omit<Query<R>, 'include[]'>;
export type StepInclude = NonNullable<Query<'/threads/{thread_id}/runs/{run_id}/steps'>['include[]']>[number];

export interface UpstreamClient extends UpstreamReads {
  /** The one request builder: base URL, auth, beta and configured headers/query parameters, retries, metrics. */
  request<T>(request: UpstreamRequest): Promise<UpstreamResponse<T>>;
  /**
   * A write answered with Server-Sent Events (`stream: true` in the body). Never retried; counted against the
   * bound on concurrent requests only until its response head arrives (a stream lives as long as its run).
   */
  stream(request: UpstreamRequest): Promise<UpstreamStream>;
  /**
   * A view whose GETs share answers younger than `maxAgeMs` across callers (subscription events:
   * N subscribers selecting the same nested fields cost one upstream call per event, not N).
   * `observer` is told when each answer it serves began (its age).
   */
  withReadCache(maxAgeMs: number, observer?: AnswerObserver): UpstreamClient;
  /** A view whose reads serve the client request with this signal: see `UpstreamRequest.clientSignal`. */
  withClientSignal(signal: ClientSignal): UpstreamClient;
  /** Forgets cached answers of a run, thread or other resource after a write: every cached GET whose path starts with `pathPrefix`. */
  invalidate(pathPrefix: string): void;
  /** GETs currently shared between callers (for tests and diagnostics). */
  readonly inFlight: number;
  /** Counts invalidations: anything read while it stayed the same saw no write made through this client. */
  readonly generation: number;
  /** Breaker state, load and shedding, with `onChange` to hear of outages and recovery (see request.ts `UpstreamHealth`). */
  readonly health: UpstreamHealth;
}

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
}

/** Told when each answer a cached view serves began (ms since the epoch). An object, not a callback: one is made per operation. */
export interface AnswerObserver {
  answered(startedAt: number): void;
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
  const core = new RequestCore({ policy: config, endpoint, transport, metrics: options.metrics, observe: options.observe, sleep: options.sleep, random: options.random, now: options.now });
  const shared = options.dedupe === false ? undefined : new SharedGets<UpstreamResponse<unknown>>();
  // A parsed answer weighs a few times its text; twice the text's length in bytes is a floor, not an exact count.
  const cache = new ReadCache<UpstreamResponse<unknown>>({ sizeOf: (response) => 2 * (response.bodyLength ?? 0), ...(options.now ? { now: options.now } : {}) });

  /** Sends with the URL already built (the cached view has built it for its key). */
  const sendAt = <T>(request: UpstreamRequest, url: string): Promise<UpstreamResponse<T>> => {
    // A probe shares nothing: it must not wait for a GET queued behind a hung upstream.
    if (!shared || request.method !== 'GET' || request.signal || request.probe) {
      // A write is never cut short because its client left: its outcome would be unknown.
      const signal = request.signal ?? (request.method === 'GET' && request.clientSignal ? abortSignalOf(request.clientSignal) : undefined);
      return core.send<T>(signal ? { ...request, signal } : request, url);
    }
    return shared.get(url, (signal) => core.send({ ...request, signal }, url), request.clientSignal) as Promise<UpstreamResponse<T>>;
  };
  const send: Send = (request) => sendAt(request, endpoint.url(request));

  const parts: ClientParts = {
    stream: (request) => openEventStream(core, doFetch, request),
    cached: (maxAgeMs, observer) => async <T>(request: UpstreamRequest) => {
      if (request.method !== 'GET' || request.signal) return send<T>(request);
      const url = endpoint.url(request);
      const startedAt = cache.now();
      const hit = cache.get(url, maxAgeMs, startedAt);
      if (hit) {
        observer?.answered(hit.startedAt);
        return hit.value as UpstreamResponse<T>;
      }
      const generation = cache.generation;
      const response = await sendAt<T>(request, url);
      observer?.answered(startedAt);
      cache.set(url, { startedAt, value: response }, generation);
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
  };
  return new RunsView(parts, send);
}
