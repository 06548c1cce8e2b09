import DataLoader from 'dataloader';
import type { Schemas } from './spec/index.js';
import type { StepInclude, UpstreamClient } from './upstream/client.js';
import { UpstreamError, isNotFound } from './upstream/errors.js';

export type Order = 'asc' | 'desc';

/** One upstream page request: the upstream's own cursor parameters. */
export interface PageParams {
  limit: number;
  order: Order;
  after?: string | undefined;
  before?: string | undefined;
}

export interface RunKey {
  threadId: string;
  runId: string;
}
export interface MessageKey {
  threadId: string;
  messageId: string;
}
export interface StepKey {
  threadId: string;
  runId: string;
  stepId: string;
  include?: readonly StepInclude[] | undefined;
}
export interface RunsPageKey {
  threadId: string;
  params: PageParams;
}
export interface MessagesPageKey {
  threadId: string;
  /** The upstream `run_id` filter. */
  runId?: string | undefined;
  params: PageParams;
}
export interface StepsPageKey {
  threadId: string;
  runId: string;
  params: PageParams;
  include?: readonly StepInclude[] | undefined;
}
export interface AssistantsPageKey {
  params: PageParams;
}

export interface Loaders {
  run: DataLoader<RunKey, Schemas['RunObject'] | null, string>;
  thread: DataLoader<string, Schemas['ThreadObject'] | null, string>;
  assistant: DataLoader<string, Schemas['AssistantObject'] | null, string>;
  message: DataLoader<MessageKey, Schemas['MessageObject'] | null, string>;
  step: DataLoader<StepKey, Schemas['RunStepObject'] | null, string>;
  runsPage: DataLoader<RunsPageKey, Schemas['ListRunsResponse'], string>;
  messagesPage: DataLoader<MessagesPageKey, Schemas['ListMessagesResponse'], string>;
  stepsPage: DataLoader<StepsPageKey, Schemas['ListRunStepsResponse'], string>;
  assistantsPage: DataLoader<AssistantsPageKey, Schemas['ListAssistantsResponse'], string>;
}

/** Who may see which thread (tenant isolation); everything in a thread follows its thread. */
export interface AccessPolicy {
  /** `load` reads the thread (once per request, through the loaders) when the policy does not know its owner yet. */
  canSeeThread(threadId: string, load: () => Promise<Schemas['ThreadObject'] | null>): Promise<boolean>;
}

export interface LoaderOptions {
  /**
   * false: no per-request caching or priming, every field calls the client (for measurements).
   * @default true
   */
  enabled?: boolean;
  /** When set, a thread the caller may not see, and all in it, loads as not found, before its upstream read. */
  access?: AccessPolicy | undefined;
}

const includeKey = (include: readonly StepInclude[] | undefined) => [...(include ?? [])].sort().join(',');
const pageKey = (params: PageParams) => JSON.stringify([params.limit, params.order, params.after ?? null, params.before ?? null]);

export const cacheKeys = {
  run: (key: RunKey) => `${key.threadId}:${key.runId}`,
  message: (key: MessageKey) => `${key.threadId}:${key.messageId}`,
  step: (key: StepKey) => `${key.threadId}:${key.runId}:${key.stepId}|${includeKey(key.include)}`,
  runsPage: (key: RunsPageKey) => `${key.threadId}|${pageKey(key.params)}`,
  messagesPage: (key: MessagesPageKey) => `${key.threadId}|${key.runId ?? ''}|${pageKey(key.params)}`,
  stepsPage: (key: StepsPageKey) => `${key.threadId}:${key.runId}|${includeKey(key.include)}|${pageKey(key.params)}`,
  assistantsPage: (key: AssistantsPageKey) => pageKey(key.params),
};

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * A loader whose batch function fetches each key on its own (the REST API has no multi-get) and
 * concurrently; the client bounds the concurrency. One value or Error per key, never a rejected batch.
 */
function perKey<K, V>(fetchOne: (key: K) => Promise<V>, cacheKeyFn: (key: K) => string, enabled: boolean, notFoundAsNull: boolean): DataLoader<K, V | null, string> {
  return new DataLoader<K, V | null, string>(
    (keys) =>
      Promise.all(
        keys.map((key) =>
          fetchOne(key).then(
            (value) => value,
            (error: unknown) => (notFoundAsNull && isNotFound(error) ? null : asError(error)),
          ),
        ),
      ),
    { cacheKeyFn, cache: enabled, batch: enabled, maxBatchSize: 100 },
  );
}

/**
 * Fresh loaders for one GraphQL operation. Each loader is made on first use: most operations touch a few of them,
 * and a subscription's context (one per subscriber, held for as long as it runs) usually none.
 */
export function createLoaders(upstream: UpstreamClient, options: LoaderOptions = {}): Loaders {
  return new OperationLoaders(upstream, options.enabled ?? true, options.access);
}

/** Exactly what an unknown id gets (the tenant check answers before any read of the foreign resource). */
const hidden = () => new UpstreamError('Not found.', 'NOT_FOUND', 404, { upstreamStatus: 404 });

class OperationLoaders implements Loaders {
  readonly #upstream: UpstreamClient;
  readonly #enabled: boolean;
  readonly #access: AccessPolicy | undefined;
  #run: Loaders['run'] | undefined;
  #thread: Loaders['thread'] | undefined;
  #assistant: Loaders['assistant'] | undefined;
  #message: Loaders['message'] | undefined;
  #step: Loaders['step'] | undefined;
  #runsPage: Loaders['runsPage'] | undefined;
  #messagesPage: Loaders['messagesPage'] | undefined;
  #stepsPage: Loaders['stepsPage'] | undefined;
  #assistantsPage: Loaders['assistantsPage'] | undefined;
  /** The unguarded thread read behind the policy: one per thread and request, shared with `thread`. */
  #rawThread: DataLoader<string, Schemas['ThreadObject'] | null, string> | undefined;

  constructor(upstream: UpstreamClient, enabled: boolean, access: AccessPolicy | undefined) {
    this.#upstream = upstream;
    this.#enabled = enabled;
    this.#access = access;
  }

  #item<K, V>(fetchOne: (key: K) => Promise<V>, cacheKeyFn: (key: K) => string): DataLoader<K, V | null, string> {
    return perKey(fetchOne, cacheKeyFn, this.#enabled, true);
  }

  /** A page of an existing parent is never "null": its 404 stays an error. */
  #page<K, V>(fetchOne: (key: K) => Promise<V>, cacheKeyFn: (key: K) => string): DataLoader<K, V, string> {
    return perKey(fetchOne, cacheKeyFn, this.#enabled, false) as unknown as DataLoader<K, V, string>;
  }

  #raw(): DataLoader<string, Schemas['ThreadObject'] | null, string> {
    return (this.#rawThread ??= this.#item((id: string) => this.#upstream.getThread(id), String));
  }

  async #guard(threadId: string): Promise<void> {
    const access = this.#access;
    if (access && !(await access.canSeeThread(threadId, () => this.#raw().load(threadId)))) throw hidden();
  }

  get run(): Loaders['run'] {
    return (this.#run ??= this.#item(async (key: RunKey) => {
      await this.#guard(key.threadId);
      return this.#upstream.getRun(key.threadId, key.runId);
    }, cacheKeys.run));
  }

  get thread(): Loaders['thread'] {
    return (this.#thread ??= this.#item(async (id: string) => {
      if (!this.#access) return this.#upstream.getThread(id);
      await this.#guard(id);
      const thread = await this.#raw().load(id);
      if (!thread) throw hidden();
      return thread;
    }, String));
  }

  get assistant(): Loaders['assistant'] {
    return (this.#assistant ??= this.#item((id: string) => this.#upstream.getAssistant(id), String));
  }

  get message(): Loaders['message'] {
    return (this.#message ??= this.#item(async (key: MessageKey) => {
      await this.#guard(key.threadId);
      return this.#upstream.getMessage(key.threadId, key.messageId);
    }, cacheKeys.message));
  }

  get step(): Loaders['step'] {
    return (this.#step ??= this.#item(async (key: StepKey) => {
      await this.#guard(key.threadId);
      return this.#upstream.getRunStep(key.threadId, key.runId, key.stepId, key.include);
    }, cacheKeys.step));
  }

  get runsPage(): Loaders['runsPage'] {
    return (this.#runsPage ??= this.#page(async (key: RunsPageKey) => {
      await this.#guard(key.threadId);
      const result = await this.#upstream.listRuns(key.threadId, key.params);
      for (const run of result.data) this.run.prime({ threadId: run.thread_id, runId: run.id }, run);
      return result;
    }, cacheKeys.runsPage));
  }

  get messagesPage(): Loaders['messagesPage'] {
    return (this.#messagesPage ??= this.#page(async (key: MessagesPageKey) => {
      await this.#guard(key.threadId);
      const result = await this.#upstream.listMessages(key.threadId, { ...key.params, ...(key.runId ? { run_id: key.runId } : {}) });
      for (const message of result.data) this.message.prime({ threadId: message.thread_id, messageId: message.id }, message);
      return result;
    }, cacheKeys.messagesPage));
  }

  get stepsPage(): Loaders['stepsPage'] {
    return (this.#stepsPage ??= this.#page(async (key: StepsPageKey) => {
      await this.#guard(key.threadId);
      const result = await this.#upstream.listRunSteps(key.threadId, key.runId, key.params, key.include);
      for (const step of result.data) this.step.prime({ threadId: step.thread_id, runId: step.run_id, stepId: step.id, include: key.include }, step);
      return result;
    }, cacheKeys.stepsPage));
  }

  get assistantsPage(): Loaders['assistantsPage'] {
    return (this.#assistantsPage ??= this.#page(async (key: AssistantsPageKey) => {
      const result = await this.#upstream.listAssistants(key.params);
      for (const assistant of result.data) this.assistant.prime(assistant.id, assistant);
      return result;
    }, cacheKeys.assistantsPage));
  }
}
