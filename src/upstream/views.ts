import type { Schemas } from '../spec/index.js';
import type { UpstreamCapability } from './profiles.js';
import type { AnswerObserver, ListParams, ListThreadsParams, ListThreadsResponse, QueryValue, Route, StepInclude, UpstreamClient, UpstreamRequest, UpstreamResponse, UpstreamStream } from './types.js';
import { errorFromNetwork, rethrowAsGraphQL } from './errors.js';
import type { ClientSignal } from './interest.js';
import type { UpstreamHealth, UpstreamOrigin } from './request.js';

/** How a view sends: plain, through the read cache, or on behalf of a client. Throws `UpstreamHttpError`s. */
export type Send = <T>(request: UpstreamRequest) => Promise<UpstreamResponse<T>>;

/** What every view of one client shares (built by the composer, client.ts). */
export interface ClientParts {
  stream(request: UpstreamRequest): Promise<UpstreamStream>;
  /** Sends through the read cache (a view made over it keeps adding what it adds to each request, e.g. a client signal). */
  cached(maxAgeMs: number, observer: AnswerObserver | undefined): Send;
  invalidate(pathPrefix: string): void;
  readonly inFlight: number;
  readonly generation: number;
  readonly health: UpstreamHealth;
  readonly capabilities: ReadonlySet<UpstreamCapability>;
}

const withInclude = (include: readonly StepInclude[] | undefined) => (include && include.length > 0 ? { 'include[]': include } : {});

/**
 * The typed runs reads over one way of sending, with upstream failures mapped to GraphQL errors. A class, so that
 * the views made per request and per subscription event cost one small object, not a closure per method.
 */
export class RunsView implements UpstreamClient {
  constructor(
    private readonly parts: ClientParts,
    private readonly send: Send,
    /** Given to the streams opened through this view, as `send` gives it to every other request. */
    private readonly origin?: UpstreamOrigin,
  ) {}

  async request<T>(request: UpstreamRequest): Promise<UpstreamResponse<T>> {
    try {
      return await this.send<T>(request);
    } catch (error) {
      return rethrowAsGraphQL(error);
    }
  }

  private async get<T>(route: Route, params: Record<string, string>, query?: Record<string, QueryValue>): Promise<T> {
    return (await this.request<T>({ method: 'GET', route, params, ...(query ? { query } : {}) })).data;
  }

  /** A list read through the tolerant reader (`readListPage`). */
  private async list<T extends ListPage>(route: Route, params: Record<string, string>, query: Record<string, QueryValue>): Promise<T> {
    const response = await this.request<unknown>({ method: 'GET', route, params, query });
    return readListPage(response.data, typeof query['limit'] === 'number' ? query['limit'] : undefined, response.requestId) as T;
  }

  getRun(threadId: string, runId: string) {
    return this.get<Schemas['RunObject']>('/threads/{thread_id}/runs/{run_id}', { thread_id: threadId, run_id: runId });
  }
  listRuns(threadId: string, params?: ListParams<'/threads/{thread_id}/runs'>) {
    return this.list<Schemas['ListRunsResponse']>('/threads/{thread_id}/runs', { thread_id: threadId }, { ...params });
  }
  getThread(threadId: string) {
    return this.get<Schemas['ThreadObject']>('/threads/{thread_id}', { thread_id: threadId });
  }
  getAssistant(assistantId: string) {
    return this.get<Schemas['AssistantObject']>('/assistants/{assistant_id}', { assistant_id: assistantId });
  }
  listAssistants(params?: ListParams<'/assistants'>) {
    return this.list<Schemas['ListAssistantsResponse']>('/assistants', {}, { ...params });
  }
  getMessage(threadId: string, messageId: string) {
    return this.get<Schemas['MessageObject']>('/threads/{thread_id}/messages/{message_id}', { thread_id: threadId, message_id: messageId });
  }
  listMessages(threadId: string, params?: ListParams<'/threads/{thread_id}/messages'>) {
    return this.list<Schemas['ListMessagesResponse']>('/threads/{thread_id}/messages', { thread_id: threadId }, { ...params });
  }
  getRunStep(threadId: string, runId: string, stepId: string, include?: readonly StepInclude[]) {
    return this.get<Schemas['RunStepObject']>('/threads/{thread_id}/runs/{run_id}/steps/{step_id}', { thread_id: threadId, run_id: runId, step_id: stepId }, withInclude(include));
  }
  listRunSteps(threadId: string, runId: string, params?: ListParams<'/threads/{thread_id}/runs/{run_id}/steps'>, include?: readonly StepInclude[]) {
    return this.list<Schemas['ListRunStepsResponse']>('/threads/{thread_id}/runs/{run_id}/steps', { thread_id: threadId, run_id: runId }, { ...params, ...withInclude(include) });
  }
  listThreads(params?: ListThreadsParams) {
    return this.list<ListThreadsResponse>('/threads', {}, { ...params });
  }
  supports(capability: UpstreamCapability): boolean {
    return this.parts.capabilities.has(capability);
  }
  stream(request: UpstreamRequest): Promise<UpstreamStream> {
    return this.parts.stream(this.origin ? { ...request, origin: this.origin } : request).catch(rethrowAsGraphQL);
  }
  withReadCache(maxAgeMs: number, observer?: AnswerObserver): UpstreamClient {
    return new RunsView(this.parts, this.parts.cached(maxAgeMs, observer), this.origin);
  }
  withClientSignal(signal: ClientSignal): UpstreamClient {
    const send = this.send;
    return new RunsView(this.parts, (request) => send({ ...request, clientSignal: signal }), this.origin);
  }
  forOrigin(origin: UpstreamOrigin): UpstreamClient {
    const send = this.send;
    return new RunsView(this.parts, (request) => send({ ...request, origin }), origin);
  }
  invalidate(pathPrefix: string): void {
    this.parts.invalidate(pathPrefix);
  }
  get inFlight(): number {
    return this.parts.inFlight;
  }
  get generation(): number {
    return this.parts.generation;
  }
  get health(): UpstreamHealth {
    return this.parts.health;
  }
}

interface ListPage {
  object?: 'list';
  data: Array<{ id: string }>;
  first_id?: string | null;
  last_id?: string | null;
  has_more: boolean;
}

/** What an upstream asks for when a list request names no `limit` (the OpenAI and Foundry default). */
const DEFAULT_LIST_LIMIT = 20;

/**
 * The tolerant reader of list answers: Foundry sends `{data, last_id?, has_more}` without `object` or `first_id`, and
 * look-alikes drop more, so the envelope is rebuilt from the items (cursors are item ids anyway). A missing `has_more`
 * is inferred from a full page, which may cost one empty page at the end but never loses one. An answer without a
 * `data` array of objects with ids is not a list: UPSTREAM_UNAVAILABLE (`invalid_response`), never a page of nothing.
 */
export function readListPage(answer: unknown, limit: number | undefined, requestId?: string): ListPage {
  const page = (typeof answer === 'object' && answer !== null ? answer : {}) as Partial<ListPage>;
  const data = page.data;
  if (!Array.isArray(data) || !data.every((item) => typeof item === 'object' && item !== null && typeof (item as { id?: unknown }).id === 'string')) {
    throw errorFromNetwork('invalid_response', requestId);
  }
  return {
    ...page,
    object: 'list',
    data,
    first_id: page.first_id ?? data[0]?.id ?? null,
    last_id: page.last_id ?? data.at(-1)?.id ?? null,
    has_more: typeof page.has_more === 'boolean' ? page.has_more : data.length >= (limit ?? DEFAULT_LIST_LIMIT),
  };
}
