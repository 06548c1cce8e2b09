import type { Schemas, paths } from '../spec/index.js';
import type { CoreRequest, CoreResponse, UpstreamHealth, UpstreamOrigin } from './request.js';
import type { ClientSignal } from './interest.js';
import type { EventStream } from './stream.js';
import type { UpstreamCapability } from './profiles.js';

/**
 * The client's types, apart from its making (client.ts) so that the typed reads (views.ts) and the client that
 * composes them import them from here, not from each other.
 */

/** A templated path of the spec, e.g. `/threads/{thread_id}/runs/{run_id}`; also the metrics `route` label. */
export type Route = keyof paths & string;
export type { HttpMethod, QueryValue } from './endpoint.js';
export type { HealthEvent, UpstreamHealth, UpstreamOrigin } from './request.js';
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

/** `GET /threads` (Foundry classic): no `object`, and `first_id` may be missing, as in every list of that server. */
export interface ListThreadsResponse {
  object?: 'list';
  data: Array<Schemas['ThreadObject']>;
  first_id?: string | null;
  last_id?: string | null;
  has_more: boolean;
}

export interface ListThreadsParams {
  limit?: number;
  order?: 'asc' | 'desc';
  after?: string;
  before?: string;
}
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
  /** Only where the upstream has the list (`supports('list_threads')`); elsewhere UPSTREAM_UNSUPPORTED, unsent. */
  listThreads(params?: ListThreadsParams): Promise<ListThreadsResponse>;
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
  /** A view whose requests (and streams) are made for `origin`: the caller they name upstream, the operation that counts them. */
  forOrigin(origin: UpstreamOrigin): UpstreamClient;
  /** Forgets cached answers of a run, thread or other resource after a write: every cached GET whose path starts with `pathPrefix`. */
  invalidate(pathPrefix: string): void;
  /** GETs currently shared between callers (for tests and diagnostics). */
  readonly inFlight: number;
  /** Counts invalidations: anything read while it stayed the same saw no write made through this client. */
  readonly generation: number;
  /** Breaker state, load and shedding, with `onChange` to hear of outages and recovery (see request.ts `UpstreamHealth`). */
  readonly health: UpstreamHealth;
  /** Whether the upstream's profile has an operation (decided once, from the config): callers may hide what it lacks. */
  supports(capability: UpstreamCapability): boolean;
}

/** Told when each answer a cached view serves began (ms since the epoch). An object, not a callback: one is made per operation. */
export interface AnswerObserver {
  answered(startedAt: number): void;
}

