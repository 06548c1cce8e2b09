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

/** Fresh loaders for one GraphQL operation. */
export function createLoaders(upstream: UpstreamClient, options: LoaderOptions = {}): Loaders {
  const enabled = options.enabled ?? true;
  const item = <K, V>(fetchOne: (key: K) => Promise<V>, cacheKeyFn: (key: K) => string) => perKey(fetchOne, cacheKeyFn, enabled, true);
  // A page of an existing parent is never "null": its 404 stays an error.
  const page = <K, V>(fetchOne: (key: K) => Promise<V>, cacheKeyFn: (key: K) => string) =>
    perKey(fetchOne, cacheKeyFn, enabled, false) as unknown as DataLoader<K, V, string>;

  const { access } = options;
  // The unguarded thread read behind the policy: one per thread and request, shared with `thread`.
  const rawThread = access ? item((id: string) => upstream.getThread(id), String) : undefined;
  // Exactly what an unknown id gets (the tenant check answers before any read of the foreign resource).
  const hidden = () => new UpstreamError('Not found.', 'NOT_FOUND', 404, { upstreamStatus: 404 });
  const guard = async (threadId: string): Promise<void> => {
    if (access && rawThread && !(await access.canSeeThread(threadId, () => rawThread.load(threadId)))) throw hidden();
  };

  const loaders: Loaders = {
    run: item(async (key: RunKey) => {
      await guard(key.threadId);
      return upstream.getRun(key.threadId, key.runId);
    }, cacheKeys.run),
    thread: item(async (id: string) => {
      if (!rawThread) return upstream.getThread(id);
      await guard(id);
      const thread = await rawThread.load(id);
      if (!thread) throw hidden();
      return thread;
    }, String),
    assistant: item((id: string) => upstream.getAssistant(id), String),
    message: item(async (key: MessageKey) => {
      await guard(key.threadId);
      return upstream.getMessage(key.threadId, key.messageId);
    }, cacheKeys.message),
    step: item(async (key: StepKey) => {
      await guard(key.threadId);
      return upstream.getRunStep(key.threadId, key.runId, key.stepId, key.include);
    }, cacheKeys.step),
    runsPage: page(async (key: RunsPageKey) => {
      await guard(key.threadId);
      const result = await upstream.listRuns(key.threadId, key.params);
      for (const run of result.data) loaders.run.prime({ threadId: run.thread_id, runId: run.id }, run);
      return result;
    }, cacheKeys.runsPage),
    messagesPage: page(async (key: MessagesPageKey) => {
      await guard(key.threadId);
      const result = await upstream.listMessages(key.threadId, { ...key.params, ...(key.runId ? { run_id: key.runId } : {}) });
      for (const message of result.data) loaders.message.prime({ threadId: message.thread_id, messageId: message.id }, message);
      return result;
    }, cacheKeys.messagesPage),
    stepsPage: page(async (key: StepsPageKey) => {
      await guard(key.threadId);
      const result = await upstream.listRunSteps(key.threadId, key.runId, key.params, key.include);
      for (const step of result.data) loaders.step.prime({ threadId: step.thread_id, runId: step.run_id, stepId: step.id, include: key.include }, step);
      return result;
    }, cacheKeys.stepsPage),
    assistantsPage: page(async (key: AssistantsPageKey) => {
      const result = await upstream.listAssistants(key.params);
      for (const assistant of result.data) loaders.assistant.prime(assistant.id, assistant);
      return result;
    }, cacheKeys.assistantsPage),
  };
  return loaders;
}
