import pLimit from 'p-limit';
import type { Metrics } from '../observability/metrics.js';
import { CircuitBreaker, isUpstreamFailure } from './breaker.js';
import type { Endpoint, EndpointRequest, HttpMethod } from './endpoint.js';
import { UpstreamHttpError, circuitOpen, failureFromNetwork, failureFromResponse, refusedInput } from './http-errors.js';
import { parseRetryAfterMs, retryDelayMs, shouldRetry } from './retry.js';
import type { HeaderReader, Transport } from './transport.js';

/**
 * The request core: one JSON exchange with the upstream, with its per-attempt timeout, the retry policy (reads
 * only), Retry-After, the circuit breaker, metrics and error classification. It knows nothing of GraphQL or of the
 * runs API's resources, so another wire can send through it.
 */
export interface CoreRequest extends EndpointRequest {
  /** Sent as JSON; serialised once, before any attempt. */
  body?: unknown;
  /**
   * Retry on 408/409/429/5xx and network errors. Defaults to true for GET and false otherwise:
   * a repeated POST can create a second run, so writes are never retried unless a caller knows better.
   */
  retry?: boolean;
  /** Aborts the request (and its retries). */
  signal?: AbortSignal;
}

export interface CoreResponse<T> {
  data: T;
  status: number;
  /** The upstream `x-request-id`. */
  requestId: string | undefined;
  /** The upstream's polling hint (`openai-poll-after-ms`), sent with runs that are still moving. */
  pollAfterMs?: number | undefined;
}

/** Told of every attempt (logs, traces, per-operation counts); returns what to call when it ends. */
export interface AttemptObserver {
  start(attempt: { method: HttpMethod; route: string }): (end: { status: string; requestId: string | undefined }) => void;
}

export interface RequestPolicy {
  /** Per-attempt timeout. */
  timeoutMs: number;
  maxRetries: number;
  retryAfterCapMs: number;
  /** Attempts in flight at once. */
  maxConcurrency: number;
  /** Failed attempts in a row that open the circuit; 0: no breaker. */
  breakerThreshold: number;
  breakerCooldownMs: number;
}

export interface RequestCoreOptions {
  policy: RequestPolicy;
  endpoint: Endpoint;
  transport: Transport;
  metrics?: Pick<Metrics, 'upstreamRequests' | 'upstreamLatency'> | undefined;
  observe?: AttemptObserver | undefined;
  /** Injected by tests to skip real waiting between retries. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Injected by tests for deterministic jitter. */
  random?: (() => number) | undefined;
  /** The breaker's clock. @default Date.now */
  now?: (() => number) | undefined;
}

type Attempt =
  | { ok: true; response: CoreResponse<unknown> }
  | { ok: false; error: UpstreamHttpError; status: number | undefined; headers: HeaderReader | undefined };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RequestCore {
  readonly endpoint: Endpoint;
  readonly breaker: CircuitBreaker | undefined;
  readonly #policy: RequestPolicy;
  readonly #transport: Transport;
  readonly #metrics: RequestCoreOptions['metrics'];
  readonly #observe: AttemptObserver | undefined;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: (() => number) | undefined;
  readonly #limit: ReturnType<typeof pLimit>;

  constructor(options: RequestCoreOptions) {
    const { policy } = options;
    this.endpoint = options.endpoint;
    this.#policy = policy;
    this.#transport = options.transport;
    this.#metrics = options.metrics;
    this.#observe = options.observe;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#random = options.random;
    this.#limit = pLimit(policy.maxConcurrency);
    this.breaker = policy.breakerThreshold > 0 ? new CircuitBreaker({ threshold: policy.breakerThreshold, cooldownMs: policy.breakerCooldownMs, ...(options.now ? { now: options.now } : {}) }) : undefined;
  }

  /** Sends a request (its URL already built when the caller needed it for a key), retrying reads as the policy allows. */
  async send<T>(request: CoreRequest, url: string = this.endpoint.url(request)): Promise<CoreResponse<T>> {
    const body = request.body === undefined ? undefined : serialiseBody(request.body);
    for (let attempt = 1; ; attempt++) {
      this.admit();
      let outcome: Attempt;
      try {
        outcome = await this.#limit(() => this.#attemptOnce(request, url, body));
      } catch (error) {
        this.breaker?.neutral();
        throw error;
      }
      this.record(outcome.ok ? outcome.response.status : outcome.status, outcome.ok);
      if (outcome.ok) return outcome.response as CoreResponse<T>;
      const retryable =
        outcome.error.details['reason'] !== 'invalid_response' &&
        shouldRetry({ method: request.method, retry: request.retry, attempt, maxRetries: this.#policy.maxRetries, status: outcome.status, headers: outcome.headers });
      if (!retryable) throw outcome.error;
      const delay = retryDelayMs(attempt, outcome.headers, { retryAfterCapMs: this.#policy.retryAfterCapMs, ...(this.#random ? { random: this.#random } : {}) });
      if (delay === undefined) throw outcome.error;
      await this.#sleep(delay);
    }
  }

  /** Throws at once while the circuit is open (nothing is sent). */
  admit(): void {
    if (this.breaker && !this.breaker.allow()) throw circuitOpen(this.breaker.retryInMs());
  }

  /** Counts an attempt's outcome towards the breaker: only upstream answers of 5xx and transport failures count against it. */
  record(status: number | undefined, ok: boolean): void {
    if (!this.breaker) return;
    if (ok) this.breaker.succeeded();
    else if (isUpstreamFailure(status)) this.breaker.failed();
    else this.breaker.neutral();
  }

  /**
   * Metrics and the observer of one attempt; returns what to call with its status when it ends. `timed: false` for
   * event streams, whose duration is the run's, not the upstream's latency.
   */
  startAttempt(labels: { method: HttpMethod; route: string }, timed = true): (status: string, requestId: string | undefined) => void {
    const stopTimer = timed ? this.#metrics?.upstreamLatency.startTimer(labels) : undefined;
    const observed = this.#observe?.start(labels);
    return (status, requestId) => {
      this.#metrics?.upstreamRequests.inc({ ...labels, status });
      stopTimer?.();
      observed?.({ status, requestId });
    };
  }

  get timeoutMs(): number {
    return this.#policy.timeoutMs;
  }

  async #attemptOnce(request: CoreRequest, url: string, body: string | undefined): Promise<Attempt> {
    const end = this.startAttempt({ method: request.method, route: request.route });
    const timeout = AbortSignal.timeout(this.#policy.timeoutMs);
    const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
    let status = 'error';
    let requestId: string | undefined;
    try {
      const response = await this.#transport(url, {
        method: request.method,
        headers: body !== undefined ? this.endpoint.headersWithBody : this.endpoint.headersWithoutBody,
        ...(body !== undefined ? { body } : {}),
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
          return { ok: false, error: failureFromNetwork('invalid_response', requestId), status: response.status, headers: undefined };
        }
      }
      const retryAfterMs = parseRetryAfterMs(response.headers);
      const error = failureFromResponse({ status: response.status, body: text, requestId, retryAfterMs, secrets: this.endpoint.secrets });
      return { ok: false, error, status: response.status, headers: response.headers };
    } catch (cause) {
      if (request.signal?.aborted) throw cause;
      return { ok: false, error: failureFromNetwork(timeout.aborted ? 'timeout' : 'network'), status: undefined, headers: undefined };
    } finally {
      end(status, requestId);
    }
  }
}

/**
 * The JSON of a request body, made before anything is sent: a body that cannot be serialised (nested too deep for
 * the stack, a BigInt, a cycle) is the caller's input, not an upstream failure, so it never reaches the breaker.
 */
export function serialiseBody(body: unknown): string {
  try {
    return JSON.stringify(body);
  } catch {
    throw refusedInput('The request cannot be sent: its input is nested too deeply or holds values that JSON cannot carry.');
  }
}
