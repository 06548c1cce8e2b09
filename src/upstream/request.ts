import type { Metrics } from '../observability/metrics.js';
import { AdmissionGate, type ShedReason } from './admission.js';
import { CircuitBreaker, isUpstreamFailure, type BreakerChange, type BreakerState } from './breaker.js';
import type { Endpoint, EndpointRequest, HttpMethod } from './endpoint.js';
import { PlainSignal, type ClientSignal } from './interest.js';
import { UpstreamHttpError, circuitOpen, failureFromNetwork, failureFromResponse, refusedInput } from './http-errors.js';
import { parseRetryAfterMs, retryDelayMs, shouldRetry } from './retry.js';
import type { TokenSource } from './token-provider.js';
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
  /** Aborts the request (and its retries): an AbortSignal, or any signal of that shape (a client's interest). */
  signal?: ClientSignal;
  /**
   * A health probe (readiness): sent at once, beside the concurrency limit and its queue, so it cannot wait behind
   * a hung upstream; one attempt with this timeout.
   */
  probe?: { timeoutMs: number };
  /** Who the request is made for: the caller it names upstream and the operation that counts it. */
  origin?: UpstreamOrigin | undefined;
  /**
   * Headers of this request besides the endpoint's (an `Idempotency-Key`, an end user's isolation key); never in
   * place of the endpoint's own (its key, content type, version).
   */
  headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * Who a request is made for: the end user named upstream in `x-gateway-caller` (UPSTREAM_FORWARD_CALLER; none: the
 * gateway itself), and the operation whose log line counts its attempts and their upstream ids. Carried on the
 * request, from the view made for the operation (the gateway's RequestContext is one).
 */
export interface UpstreamOrigin {
  readonly caller?: string | undefined;
  readonly requestId?: string;
  upstreamCalls?: number;
  upstreamRequestIds?: string[];
}

export interface CoreResponse<T> {
  data: T;
  status: number;
  /** The upstream `x-request-id`. */
  requestId: string | undefined;
  /** The upstream's polling hint (`openai-poll-after-ms`), sent with runs that are still moving. */
  pollAfterMs?: number | undefined;
  /** The length of the body as it arrived (UTF-16 code units): what keeping this answer costs, roughly. */
  bodyLength?: number;
}

/** Told of every attempt (logs, traces, per-operation counts); returns what to call when it ends. */
export interface AttemptObserver {
  start(attempt: { method: HttpMethod; route: string }, origin: UpstreamOrigin | undefined): (end: { status: string; requestId: string | undefined }) => void;
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
  /** Requests waiting for a slot at most; past it, requests are shed (UPSTREAM_UNAVAILABLE, reason overloaded). */
  maxQueue: number;
  /**
   * How long one request may take from the moment it is made: its wait in the queue, and for reads every attempt
   * and the waits between them. A write, once sent, keeps its full attempt timeout (cutting it short would only
   * make its outcome unknown sooner).
   */
  operationDeadlineMs: number;
}

/** What the core tells of the upstream's health: breaker transitions and shedding episodes. */
export type HealthEvent =
  | ({ kind: 'breaker' } & BreakerChange)
  | { kind: 'shedding'; state: 'started' | 'ended'; /** Requests shed in the episode so far. */ shed: number; at: number };

/** The upstream's health as this client sees it, and a way to hear of changes (live subscriptions, logs, metrics). */
export interface UpstreamHealth {
  /** `closed` also when there is no breaker. */
  readonly breaker: BreakerState;
  /** Requests in flight towards the upstream now (an event stream until its head arrives; probes not counted). */
  readonly active: number;
  /** Requests waiting for a slot now. */
  readonly queued: number;
  /** True from the first shed request until no request has been shed for a while. */
  readonly shedding: boolean;
  /** Calls `listener` on every breaker transition and at the start and end of each shedding episode; returns an unsubscribe. */
  onChange(listener: (event: HealthEvent) => void): () => void;
}

export interface RequestCoreOptions {
  policy: RequestPolicy;
  endpoint: Endpoint;
  transport: Transport;
  metrics?: Pick<Metrics, 'upstreamRequests' | 'upstreamLatency' | 'upstreamShed' | 'upstreamBreakerState' | 'upstreamBreakerTransitions' | 'bindUpstream'> | undefined;
  observe?: AttemptObserver | undefined;
  /** Injected by tests to skip real waiting between retries. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Injected by tests for deterministic jitter. */
  random?: (() => number) | undefined;
  /** The clock of the breaker and of deadlines. @default Date.now */
  now?: (() => number) | undefined;
  /** Bearer tokens that expire (client credentials); without it the endpoint's static key is sent. */
  tokens?: TokenSource | undefined;
}

/** A shedding episode ends when nothing has been shed for this long (so it is logged once, not per request). */
const SHEDDING_QUIET_MS = 5_000;

const BREAKER_GAUGE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

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
  readonly #now: () => number;
  readonly #tokens: TokenSource | undefined;
  readonly #gate: AdmissionGate;
  /** Reads get at least this much of their deadline for an attempt; one that would get less is shed unsent. */
  readonly #minReadAttemptMs: number;
  readonly #listeners = new Set<(event: HealthEvent) => void>();
  #shedInEpisode = 0;
  #sheddingTimer: ReturnType<typeof setTimeout> | undefined;
  readonly health: UpstreamHealth;

  constructor(options: RequestCoreOptions) {
    const { policy } = options;
    this.endpoint = options.endpoint;
    this.#policy = policy;
    this.#transport = options.transport;
    this.#metrics = options.metrics;
    this.#observe = options.observe;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#random = options.random;
    this.#now = options.now ?? Date.now;
    this.#tokens = options.tokens;
    this.#minReadAttemptMs = Math.min(policy.timeoutMs, policy.operationDeadlineMs / 10);
    this.#gate = new AdmissionGate({ maxConcurrency: policy.maxConcurrency, maxQueue: policy.maxQueue, onShed: (reason) => this.#onShed(reason), now: this.#now });
    const metrics = this.#metrics;
    this.breaker =
      policy.breakerThreshold > 0
        ? new CircuitBreaker({
            threshold: policy.breakerThreshold,
            cooldownMs: policy.breakerCooldownMs,
            now: this.#now,
            onChange: (change) => {
              metrics?.upstreamBreakerState.set(BREAKER_GAUGE[change.state]);
              metrics?.upstreamBreakerTransitions.inc({ state: change.state });
              this.#emit({ kind: 'breaker', ...change });
            },
          })
        : undefined;
    const core = this;
    this.health = {
      get breaker() {
        return core.breaker?.state ?? 'closed';
      },
      get active() {
        return core.#gate.active;
      },
      get queued() {
        return core.#gate.queued;
      },
      get shedding() {
        return core.#sheddingTimer !== undefined;
      },
      onChange(listener) {
        core.#listeners.add(listener);
        return () => core.#listeners.delete(listener);
      },
    };
    metrics?.bindUpstream(() => ({ active: this.#gate.active, queued: this.#gate.queued }));
  }

  /** Sends a request (its URL already built when the caller needed it for a key), retrying reads as the policy allows. */
  async send<T>(request: CoreRequest, url: string = this.endpoint.url(request)): Promise<CoreResponse<T>> {
    const body = request.body === undefined ? undefined : serialiseBody(request.body);
    const deadlineAt = this.#now() + this.#policy.operationDeadlineMs;
    const read = request.method === 'GET';
    let tokenRenewed = false;
    for (let attempt = 1; ; attempt++) {
      this.admit();
      let outcome: Attempt;
      let bearer: string | undefined;
      try {
        // A token endpoint failure is thrown as it is: nothing reached the upstream.
        if (this.#tokens) bearer = await this.#tokens.token();
        if (request.probe) outcome = await this.#attemptOnce(request, url, body, request.probe.timeoutMs, bearer);
        else {
          const startBy = deadlineAt - this.#now() - (read ? this.#minReadAttemptMs : 0);
          // Timed when the attempt starts, after its wait in the queue.
          const task = () => this.#attemptOnce(request, url, body, read ? Math.min(this.#policy.timeoutMs, deadlineAt - this.#now()) : this.#policy.timeoutMs, bearer);
          outcome = await this.#gate.run(task, startBy, request.signal);
        }
      } catch (error) {
        this.breaker?.neutral();
        throw error;
      }
      this.record(outcome.ok ? outcome.response.status : outcome.status, outcome.ok);
      if (outcome.ok) return outcome.response as CoreResponse<T>;
      if (outcome.status === 401 && bearer !== undefined) {
        // Revoked or expired early: the next request buys a new token, and a read tries once more with it now.
        this.tokenRejected(bearer);
        if (read && !tokenRenewed) {
          tokenRenewed = true;
          attempt -= 1;
          continue;
        }
      }
      const retryable =
        outcome.error.details['reason'] !== 'invalid_response' &&
        shouldRetry({ method: request.method, retry: request.retry, attempt, maxRetries: this.#policy.maxRetries, status: outcome.status, headers: outcome.headers });
      if (!retryable || request.probe) throw outcome.error;
      const delay = retryDelayMs(attempt, outcome.headers, { retryAfterCapMs: this.#policy.retryAfterCapMs, ...(this.#random ? { random: this.#random } : {}) });
      // No retry that could not finish before the deadline.
      if (delay === undefined || this.#now() + delay + this.#minReadAttemptMs > deadlineAt) throw outcome.error;
      await this.#sleep(delay);
    }
  }

  /**
   * Runs `task` in one of the concurrency slots, waiting in the bounded queue at most until the deadline of a
   * request made now (event streams hold a slot only until their response head arrives).
   */
  inSlot<T>(task: () => Promise<T>): Promise<T> {
    return this.#gate.run(task, this.#policy.operationDeadlineMs);
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
  startAttempt(labels: { method: HttpMethod; route: string }, origin: UpstreamOrigin | undefined, timed = true): (status: string, requestId: string | undefined) => void {
    const stopTimer = timed ? this.#metrics?.upstreamLatency.startTimer(labels) : undefined;
    const observed = this.#observe?.start(labels, origin);
    return (status, requestId) => {
      this.#metrics?.upstreamRequests.inc({ ...labels, status });
      stopTimer?.();
      observed?.({ status, requestId });
    };
  }

  get timeoutMs(): number {
    return this.#policy.timeoutMs;
  }

  #emit(event: HealthEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  #onShed(reason: ShedReason): void {
    this.#metrics?.upstreamShed.inc({ reason });
    this.#shedInEpisode += 1;
    if (this.#sheddingTimer) {
      this.#sheddingTimer.refresh();
      return;
    }
    this.#sheddingTimer = setTimeout(() => {
      this.#sheddingTimer = undefined;
      const shed = this.#shedInEpisode;
      this.#shedInEpisode = 0;
      this.#emit({ kind: 'shedding', state: 'ended', shed, at: this.#now() });
    }, SHEDDING_QUIET_MS);
    this.#sheddingTimer.unref?.();
    this.#emit({ kind: 'shedding', state: 'started', shed: 1, at: this.#now() });
  }

  /** The upstream refused this token (401): the next request buys another. */
  tokenRejected(bearer: string): void {
    this.#tokens?.rejected(bearer);
  }

  /** The bearer token of a request made now, when the upstream takes expiring tokens. */
  bearer(): Promise<string | undefined> {
    return this.#tokens ? this.#tokens.token() : Promise.resolve(undefined);
  }

  async #attemptOnce(request: CoreRequest, url: string, body: string | undefined, timeoutMs: number, bearer: string | undefined): Promise<Attempt> {
    const end = this.startAttempt({ method: request.method, route: request.route }, request.origin);
    const signal = attemptSignal(timeoutMs, request.signal);
    const caller = request.origin?.caller;
    let status = 'error';
    let requestId: string | undefined;
    try {
      const response = await this.#transport(
        url,
        body !== undefined
          ? { method: request.method, headers: withBearer(this.endpoint.headersWithBody, bearer, caller, request.headers), body, signal }
          : { method: request.method, headers: withBearer(this.endpoint.headersWithoutBody, bearer, caller, request.headers), signal },
      );
      status = String(response.status);
      requestId = response.headers.get('x-request-id') ?? undefined;
      // The body is read under the same timeout: a stalled body is a timeout too.
      const text = await response.text();
      if (response.ok) {
        try {
          const pollAfterMs = Number(response.headers.get('openai-poll-after-ms') ?? Number.NaN);
          const data = JSON.parse(text) as unknown;
          return { ok: true, response: { data, status: response.status, requestId, bodyLength: text.length, ...(pollAfterMs >= 0 ? { pollAfterMs } : {}) } };
        } catch {
          return { ok: false, error: failureFromNetwork('invalid_response', requestId), status: response.status, headers: undefined };
        }
      }
      const retryAfterMs = parseRetryAfterMs(response.headers);
      const error = failureFromResponse({ status: response.status, body: text, requestId, retryAfterMs, secrets: this.endpoint.secrets });
      return { ok: false, error, status: response.status, headers: response.headers };
    } catch (cause) {
      if (request.signal?.aborted) throw cause;
      return { ok: false, error: failureFromNetwork(signal.timedOut() ? 'timeout' : 'network'), status: undefined, headers: undefined };
    } finally {
      signal.release();
      end(status, requestId);
    }
  }
}

/**
 * The signal of one attempt: aborted by its timeout or by the caller's signal. One timer and plain fields, no
 * AbortController: AbortSignal.timeout + AbortSignal.any cost ~100 µs of CPU per request here (a weakly held signal
 * each, a timer that is not cleared, listeners on every source), and even one controller's signal with its listeners
 * costs a few µs on Node 20. `release` clears the timer and the caller's listener.
 */
export class AttemptSignal extends PlainSignal {
  #expired = false;
  readonly #timer: ReturnType<typeof setTimeout>;
  readonly #outer: ClientSignal | undefined;
  readonly #onOuterAbort: (() => void) | undefined;

  constructor(timeoutMs: number, outer: ClientSignal | undefined) {
    super();
    this.#timer = setTimeout(expire, Math.max(1, timeoutMs), this);
    // Like AbortSignal.timeout's: a pending attempt timer alone does not keep the process alive.
    this.#timer.unref();
    if (outer?.aborted) this.abort(outer.reason);
    else if (outer) {
      this.#outer = outer;
      this.#onOuterAbort = () => this.abort(outer.reason);
      outer.addEventListener('abort', this.#onOuterAbort, { once: true });
    }
  }

  /** The signal the transport listens to: the attempt itself. */
  get signal(): ClientSignal {
    return this;
  }

  timedOut(): boolean {
    return this.#expired;
  }

  /** Called by the timer. */
  expire(): void {
    this.#expired = true;
    this.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  }

  release(): void {
    clearTimeout(this.#timer);
    if (this.#onOuterAbort) this.#outer?.removeEventListener('abort', this.#onOuterAbort);
  }
}

const expire = (attempt: AttemptSignal) => attempt.expire();

export function attemptSignal(timeoutMs: number, outer: ClientSignal | undefined): AttemptSignal {
  return new AttemptSignal(timeoutMs, outer);
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

/** The end user a request is made for, as the runs API reads it (src/runs-api/caller.ts); percent-encoded. */
export const CALLER_HEADER = 'x-gateway-caller';

/**
 * The endpoint's headers with a token, when there is one (static keys are in the endpoint's headers already), the
 * request's caller when it names one (its origin does only with UPSTREAM_FORWARD_CALLER), and the request's own
 * headers under them (the endpoint's win a clash). Without any of these, the endpoint's frozen object as it is.
 */
export function withBearer(headers: Readonly<Record<string, string>>, bearer: string | undefined, caller: string | undefined, own?: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const withOwn = own === undefined ? headers : { ...own, ...headers };
  const forUser = caller === undefined ? withOwn : { ...withOwn, [CALLER_HEADER]: encodeURIComponent(caller) };
  return bearer === undefined ? forUser : { ...forUser, authorization: `Bearer ${bearer}` };
}
