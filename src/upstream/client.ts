import pLimit from 'p-limit';
import type { UpstreamConfig } from '../config.js';
import type { Metrics } from '../observability/metrics.js';
import type { Schemas, paths } from '../spec/index.js';
import { UpstreamError, badUserInput, errorFromNetwork, errorFromResponse } from './errors.js';
import { CircuitBreaker, isUpstreamFailure } from './breaker.js';
import { parseRetryAfterMs, retryDelayMs, shouldRetry } from './retry.js';
import { fetchTransport, httpTransport, type HeaderReader, type Transport } from './transport.js';
import { abortSignalOf, type ClientSignal } from './interest.js';

/** A templated path of the spec, e.g. `/threads/{thread_id}/runs/{run_id}`; also the metrics `route` label. */
export type Route = keyof paths & string;
export type HttpMethod = 'GET' | 'POST' | 'DELETE';
export type QueryValue = string | number | boolean | readonly string[] | null | undefined;

export interface UpstreamRequest {
  method: HttpMethod;
  route: Route;
  /** Values for the `{name}` placeholders of `route`; encoded here. */
  params?: Record<string, string>;
  /** Arrays are sent as repeated keys (`include[]=a&include[]=b`); null/undefined are left out. */
  query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  body?: unknown;
  /**
   * Retry on 408/409/429/5xx and network errors. Defaults to true for GET and false otherwise:
   * a repeated POST can create a second run, so writes are never retried unless a caller knows better.
   */
  retry?: boolean;
  /** Aborts the request (and its retries). A request with a signal is not shared with other callers. */
  signal?: AbortSignal;
  /**
   * The signal of the client request this read serves (its disconnect). A GET shared by several clients is
   * aborted upstream once every client it serves has gone; a caller whose client left gets an abort error.
   */
  clientSignal?: ClientSignal;
}

export interface UpstreamResponse<T> {
  data: T;
  status: number;
  /** The upstream `x-request-id`. */
  requestId: string | undefined;
  /** The upstream's polling hint (`openai-poll-after-ms`), sent with runs that are still moving. */
  pollAfterMs?: number | undefined;
}

/** An upstream `stream: true` answer: the open event stream of a run. */
export interface UpstreamStream {
  body: ReadableStream<Uint8Array>;
  requestId: string | undefined;
  /** Closes the upstream connection. */
  abort: () => void;
}

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
   * A write answered with Server-Sent Events (`stream: true` in the body). Never retried, and not
   * counted against the bound on concurrent requests: a stream lives as long as its run.
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
  /** Told of every attempt (logs, traces, per-operation counts); returns what to call when it ends. */
  observe?: UpstreamObserver;
}

/** Told when each answer a cached view serves began (ms since the epoch). An object, not a callback: one is made per operation. */
export interface AnswerObserver {
  answered(startedAt: number): void;
}

export interface UpstreamObserver {
  start(attempt: { method: HttpMethod; route: Route }): (end: { status: string; requestId: string | undefined }) => void;
}

/** Bound of the shared read cache, in answers. */
const MAX_CACHED_ANSWERS = 10_000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const { config, metrics } = options;
  if (!config.baseUrl) throw new Error('createUpstreamClient needs config.baseUrl');
  const baseUrl = config.baseUrl.replace(/\/+$/, '');
  // Event streams need a web ReadableStream body: they go through fetch; every other call through the transport.
  const doFetch = options.fetch ?? globalThis.fetch;
  const transport = options.transport ?? (options.fetch ? fetchTransport(options.fetch) : httpTransport({ maxSockets: config.maxConcurrency }));
  const dedupe = options.dedupe ?? true;
  const sleep = options.sleep ?? defaultSleep;
  const limit = pLimit(config.maxConcurrency);
  const breaker = config.breakerThreshold ? new CircuitBreaker({ threshold: config.breakerThreshold, cooldownMs: config.breakerCooldownMs ?? 5_000 }) : undefined;
  /** Fails fast while the circuit is open: no upstream call. */
  const circuitOpen = (): UpstreamError =>
    new UpstreamError('The upstream API is failing; requests are paused for a moment.', 'UPSTREAM_UNAVAILABLE', undefined, {
      reason: 'circuit_open',
      retryAfterMs: breaker?.retryInMs() ?? 0,
    });
  /** Shared GETs: the answer, and how many callers still wait for it (the GET is aborted when none do). */
  const inFlight = new Map<string, { promise: Promise<UpstreamResponse<unknown>>; controller: AbortController; waiting: number }>();
  const secrets = config.apiKey ? [config.apiKey] : [];

  /** The headers of every request, built once: accept, beta, configured extras, then the key. */
  const headersWithoutBody: Readonly<Record<string, string>> = (() => {
    const headers = new Headers({ accept: 'application/json' });
    if (config.betaHeader) headers.set('OpenAI-Beta', config.betaHeader);
    for (const [name, value] of Object.entries(config.headers)) headers.set(name, value);
    if (config.apiKey) {
      if (config.authHeader === 'authorization') headers.set('Authorization', `Bearer ${config.apiKey}`);
      else headers.set(config.authHeader, config.apiKey);
    }
    return Object.freeze(Object.fromEntries(headers.entries()));
  })();
  const headersWithBody = Object.freeze({ ...headersWithoutBody, 'content-type': 'application/json' });

  function buildUrl(request: UpstreamRequest): string {
    const path = request.route.replace(/\{(\w+)\}/g, (_match, name: string) => {
      const value = request.params?.[name];
      if (value === undefined) throw new Error(`missing path parameter ${name} for ${request.route}`);
      // '.' and '..' would be resolved as path segments and reach another endpoint.
      if (value === '' || value === '.' || value === '..') throw badUserInput(`"${value}" is not a valid ${name}.`, { param: name });
      return encodeURIComponent(value);
    });
    const url = new URL(`${baseUrl}${path}`);
    for (const [name, value] of Object.entries(config.queryParams)) url.searchParams.append(name, value);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value === undefined || value === null) continue;
      if (Array.isArray(value)) for (const item of value as readonly string[]) url.searchParams.append(name, item);
      else url.searchParams.append(name, String(value));
    }
    return url.toString();
  }

  type Attempt =
    | { ok: true; response: UpstreamResponse<unknown> }
    | { ok: false; error: UpstreamError; status: number | undefined; headers: HeaderReader | undefined };

  async function attemptOnce(request: UpstreamRequest, url: string): Promise<Attempt> {
    const labels = { method: request.method, route: request.route };
    const stopTimer = metrics?.upstreamLatency.startTimer(labels);
    const observed = options.observe?.start(labels);
    const timeout = AbortSignal.timeout(config.timeoutMs);
    const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
    let status: string = 'error';
    let requestId: string | undefined;
    try {
      const response = await transport(url, {
        method: request.method,
        headers: request.body !== undefined ? headersWithBody : headersWithoutBody,
        ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
        signal,
      });
      status = String(response.status);
      requestId = response.headers.get('x-request-id') ?? undefined;
      // The body is read under the same timeout: a stalled body is a timeout too.
      const text = await response.text();
      if (response.ok) {
        try {
          const pollAfterMs = Number(response.headers.get('openai-poll-after-ms') ?? Number.NaN);
          const data = JSON.parse(text) as unknown;
          return { ok: true, response: { data, status: response.status, requestId, ...(pollAfterMs >= 0 ? { pollAfterMs } : {}) } };
        } catch {
          return { ok: false, error: errorFromNetwork('invalid_response', requestId), status: response.status, headers: undefined };
        }
      }
      const retryAfterMs = parseRetryAfterMs(response.headers);
      const error = errorFromResponse({ status: response.status, body: text, requestId, retryAfterMs, secrets });
      return { ok: false, error, status: response.status, headers: response.headers };
    } catch (cause) {
      if (request.signal?.aborted) throw cause;
      return { ok: false, error: errorFromNetwork(timeout.aborted ? 'timeout' : 'network'), status: undefined, headers: undefined };
    } finally {
      metrics?.upstreamRequests.inc({ ...labels, status });
      stopTimer?.();
      observed?.({ status, requestId });
    }
  }

  async function execute(request: UpstreamRequest, url: string): Promise<UpstreamResponse<unknown>> {
    for (let attempt = 1; ; attempt++) {
      if (breaker && !breaker.allow()) throw circuitOpen();
      let outcome: Attempt;
      try {
        outcome = await limit(() => attemptOnce(request, url));
      } catch (error) {
        breaker?.neutral();
        throw error;
      }
      if (outcome.ok) breaker?.succeeded();
      else if (isUpstreamFailure(outcome.status)) breaker?.failed();
      else breaker?.neutral();
      if (outcome.ok) return outcome.response;
      const retryable =
        outcome.error.extensions['reason'] !== 'invalid_response' &&
        shouldRetry({
          method: request.method,
          retry: request.retry,
          attempt,
          maxRetries: config.maxRetries,
          status: outcome.status,
          headers: outcome.headers,
        });
      if (!retryable) throw outcome.error;
      const delay = retryDelayMs(attempt, outcome.headers, { retryAfterCapMs: config.retryAfterCapMs, ...(options.random ? { random: options.random } : {}) });
      if (delay === undefined) throw outcome.error;
      await sleep(delay);
    }
  }

  async function request<T>(req: UpstreamRequest): Promise<UpstreamResponse<T>> {
    return requestAt<T>(req, buildUrl(req));
  }

  /** `request` with its URL already built (the cached view has built it for its key). */
  async function requestAt<T>(req: UpstreamRequest, url: string): Promise<UpstreamResponse<T>> {
    if (!dedupe || req.method !== 'GET' || req.signal) {
      // A write is never cut short because its client left: its outcome would be unknown.
      const signal = req.signal ?? (req.method === 'GET' && req.clientSignal ? abortSignalOf(req.clientSignal) : undefined);
      return (await execute(signal ? { ...req, signal } : req, url)) as UpstreamResponse<T>;
    }
    const key = `GET ${url}`;
    let shared = inFlight.get(key);
    if (!shared) {
      const controller = new AbortController();
      const entry = { controller, waiting: 0, promise: execute({ ...req, signal: controller.signal }, url) };
      shared = entry;
      inFlight.set(key, entry);
      const forget = () => {
        if (inFlight.get(key) === entry) inFlight.delete(key);
      };
      entry.promise.then(forget, forget);
    }
    return (await join(shared, req.clientSignal)) as UpstreamResponse<T>;
  }

  /** Waits for a shared GET on behalf of one caller; the last caller to leave aborts it upstream. */
  function join(shared: { promise: Promise<UpstreamResponse<unknown>>; controller: AbortController; waiting: number }, clientSignal: ClientSignal | undefined): Promise<UpstreamResponse<unknown>> {
    shared.waiting += 1;
    if (!clientSignal) return shared.promise;
    return new Promise((resolve, reject) => {
      const leave = () => {
        shared.waiting -= 1;
        if (shared.waiting === 0) shared.controller.abort();
        reject(clientSignal.reason ?? new DOMException('The client went away.', 'AbortError'));
      };
      if (clientSignal.aborted) return leave();
      clientSignal.addEventListener('abort', leave, { once: true });
      shared.promise.then(
        (value) => {
          clientSignal.removeEventListener('abort', leave);
          resolve(value);
        },
        (error: unknown) => {
          clientSignal.removeEventListener('abort', leave);
          reject(error);
        },
      );
    });
  }

  async function stream(req: UpstreamRequest): Promise<UpstreamStream> {
    const url = buildUrl(req);
    if (breaker && !breaker.allow()) throw circuitOpen();
    const labels = { method: req.method, route: req.route };
    const controller = new AbortController();
    // Only the wait for the response head is bounded; the stream itself has the caller's idle timeout.
    const headTimeout = setTimeout(() => controller.abort(), config.timeoutMs);
    const observed = options.observe?.start(labels);
    let status = 'error';
    let requestId: string | undefined;
    try {
      const headers = { ...headersWithBody, accept: 'text/event-stream' };
      const response = await doFetch(url, { method: req.method, headers, body: JSON.stringify(req.body), signal: controller.signal, redirect: 'error' });
      status = String(response.status);
      requestId = response.headers.get('x-request-id') ?? undefined;
      if (!response.ok || !response.body || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
        const text = await response.text().catch(() => '');
        if (response.ok) throw errorFromNetwork('invalid_response', requestId);
        throw errorFromResponse({ status: response.status, body: text, requestId, retryAfterMs: parseRetryAfterMs(response.headers), secrets });
      }
      breaker?.succeeded();
      return { body: response.body, requestId, abort: () => controller.abort() };
    } catch (cause) {
      if (isUpstreamFailure(status === 'error' ? undefined : Number(status))) breaker?.failed();
      else breaker?.neutral();
      if (cause instanceof UpstreamError) throw cause;
      throw errorFromNetwork(controller.signal.aborted ? 'timeout' : 'network');
    } finally {
      clearTimeout(headTimeout);
      metrics?.upstreamRequests.inc({ ...labels, status });
      observed?.({ status, requestId });
    }
  }

  /**
   * Answers of recent GETs by URL, for the cached views. Only answers are kept (not failures); each view decides how
   * old an answer it accepts, counted from when its GET began. Concurrent misses share one GET through `request`.
   */
  const recent = new Map<string, { startedAt: number; response: UpstreamResponse<unknown> }>();
  let longestMaxAgeMs = 0;
  function cachedRequest(maxAgeMs: number, observer: AnswerObserver | undefined) {
    longestMaxAgeMs = Math.max(longestMaxAgeMs, maxAgeMs);
    return async <T>(req: UpstreamRequest): Promise<UpstreamResponse<T>> => {
      if (req.method !== 'GET' || req.signal) return request<T>(req);
      const key = buildUrl(req);
      const startedAt = Date.now();
      const hit = recent.get(key);
      if (hit && startedAt - hit.startedAt < maxAgeMs) {
        observer?.answered(hit.startedAt);
        return hit.response as UpstreamResponse<T>;
      }
      const generation = generations;
      const response = await requestAt<T>(req, key);
      observer?.answered(startedAt);
      // An answer that began before a write (invalidate) may hold the old state: it is not kept.
      if (generation === generations) {
        recent.delete(key);
        recent.set(key, { startedAt, response });
        if (recent.size > MAX_CACHED_ANSWERS) {
          for (const [entryKey, entry] of recent) if (startedAt - entry.startedAt >= longestMaxAgeMs) recent.delete(entryKey);
          // Still full of fresh answers: the oldest go first (a Map iterates in insertion order).
          for (const entryKey of recent.keys()) {
            if (recent.size <= MAX_CACHED_ANSWERS) break;
            recent.delete(entryKey);
          }
        }
      }
      return response;
    };
  }
  /** Bumped by every invalidation. */
  let generations = 0;

  function invalidate(pathPrefix: string): void {
    generations += 1;
    const prefix = `${baseUrl}${pathPrefix}`;
    for (const key of recent.keys()) if (key.startsWith(prefix)) recent.delete(key);
    // A GET that began before the write may answer the old state: later callers start a fresh one.
    for (const key of inFlight.keys()) if (key.startsWith(`GET ${prefix}`)) inFlight.delete(key);
  }

  const withInclude = (include: readonly StepInclude[] | undefined) => (include && include.length > 0 ? { 'include[]': include } : {});

  type Send = <T>(req: UpstreamRequest) => Promise<UpstreamResponse<T>>;

  /**
   * One way of sending (plain, cached, on behalf of a client). A class, so that the views made per request and per
   * subscription event cost one small object, not a closure per method.
   */
  class View implements UpstreamClient {
    constructor(readonly request: Send) {}

    private async get<T>(route: Route, params: Record<string, string>, query?: Record<string, QueryValue>): Promise<T> {
      return (await this.request<T>({ method: 'GET', route, params, ...(query ? { query } : {}) })).data;
    }

    getRun(threadId: string, runId: string) {
      return this.get<Schemas['RunObject']>('/threads/{thread_id}/runs/{run_id}', { thread_id: threadId, run_id: runId });
    }
    listRuns(threadId: string, params?: ListParams<'/threads/{thread_id}/runs'>) {
      return this.get<Schemas['ListRunsResponse']>('/threads/{thread_id}/runs', { thread_id: threadId }, { ...params });
    }
    getThread(threadId: string) {
      return this.get<Schemas['ThreadObject']>('/threads/{thread_id}', { thread_id: threadId });
    }
    getAssistant(assistantId: string) {
      return this.get<Schemas['AssistantObject']>('/assistants/{assistant_id}', { assistant_id: assistantId });
    }
    listAssistants(params?: ListParams<'/assistants'>) {
      return this.get<Schemas['ListAssistantsResponse']>('/assistants', {}, { ...params });
    }
    getMessage(threadId: string, messageId: string) {
      return this.get<Schemas['MessageObject']>('/threads/{thread_id}/messages/{message_id}', { thread_id: threadId, message_id: messageId });
    }
    listMessages(threadId: string, params?: ListParams<'/threads/{thread_id}/messages'>) {
      return this.get<Schemas['ListMessagesResponse']>('/threads/{thread_id}/messages', { thread_id: threadId }, { ...params });
    }
    getRunStep(threadId: string, runId: string, stepId: string, include?: readonly StepInclude[]) {
      return this.get<Schemas['RunStepObject']>('/threads/{thread_id}/runs/{run_id}/steps/{step_id}', { thread_id: threadId, run_id: runId, step_id: stepId }, withInclude(include));
    }
    listRunSteps(threadId: string, runId: string, params?: ListParams<'/threads/{thread_id}/runs/{run_id}/steps'>, include?: readonly StepInclude[]) {
      return this.get<Schemas['ListRunStepsResponse']>('/threads/{thread_id}/runs/{run_id}/steps', { thread_id: threadId, run_id: runId }, { ...params, ...withInclude(include) });
    }
    stream(req: UpstreamRequest) {
      return stream(req);
    }
    withReadCache(maxAgeMs: number, observer?: AnswerObserver): UpstreamClient {
      return new View(cachedRequest(maxAgeMs, observer));
    }
    withClientSignal(signal: ClientSignal): UpstreamClient {
      const send = this.request;
      return new View((req) => send({ ...req, clientSignal: signal }));
    }
    invalidate(pathPrefix: string) {
      invalidate(pathPrefix);
    }
    get inFlight() {
      return inFlight.size;
    }
    get generation() {
      return generations;
    }
  }

  return new View(request);
}
