import { randomBytes } from 'node:crypto';
import { nowSeconds, realClock, type Clock, type ClockTimer } from '../../../embedded/clock.js';
import { EventChannel } from '../../../embedded/event-channel.js';
import type { RunsEngine, RunStart } from '../../engine.js';
import { notFound } from '../../errors.js';
import { newId } from '../../ids.js';
import { newAssistant, newMessage, newRun, newThread, toolResources } from '../../objects.js';
import { ACTIVE_RUN_STATUSES, checkCancellable, checkMessageAllowed, checkRunAllowed, checkToolChoice, checkToolOutputs, expirySeconds, isFinalEvent, type RunRequest } from '../../rules.js';
import type { Assistant, CreateMessageRequest, CreateThreadAndRunRequest, CreateThreadRequest, Message, Run, StreamEvent, SubmitToolOutputsRequest, Thread } from '../../types.js';
import type { ResponseObject } from '../../../responses-api/types.js';
import { asApiError, isUnknownOutcome, type ResponsesClient, type ResponsesEvent } from './client.js';
import { deltaEvents, StreamedResponse } from './events.js';
import { acceptToolOutputs, applyResponse, cancelRun, checkMappable, expireRun, functionCallOutputs, messageItem, responseBody, toolResourceIds, type ApplyContext, type RunView } from './mapping.js';
import { listPage, pageOf, Records, type IntentDoc, type MessageDoc, type RunDoc, type ThreadDoc } from './records.js';
import type { EngineStore } from './store/contract.js';
import { Lru } from '../../../collections/lru.js';
import type { AgentReference } from '../../../responses-api/foundry.js';
import { agentOf, isolationKeyOf } from './profile.js';

export interface ResponsesEngineOptions {
  /** The Responses upstream. */
  client: ResponsesClient;
  /** Where the engine keeps what the upstream cannot (closed with the engine). */
  store: EngineStore;
  /** How long a run may wait in requires_action before it expires. */
  requiresActionTimeoutMs: number;
  /** At most one upstream read per run per this interval, for the whole cluster (a lease in the run's record). */
  pollIntervalMs: number;
  /**
   * With signed webhooks: their deliveries say when a response ends, so a read of an active run asks the upstream
   * only this often (a safety net for a lost delivery) instead of every poll interval.
   */
  webhookFallbackMs?: number | undefined;
  clock?: Clock;
  /**
   * Foundry's new agents (RESPONSES_PROFILE=foundry): every response names the run's agent (profile.ts `agentOf`:
   * the assistant's `metadata.foundry_agent`, else `defaultAgent`) instead of the model and instructions.
   */
  agents?: { defaultAgent: AgentReference | undefined } | undefined;
  /**
   * Each end user's data upstream under their own `x-ms-user-isolation-key`: a hash of the caller the gateway names
   * (caller.ts). A thread is seen only by the caller it was made for; another caller's is not found.
   */
  isolation?: { secret: string | undefined } | undefined;
}

/** What the engine offers besides the runs operations: the webhook's callback. */
export interface ResponsesEngine extends RunsEngine {
  /** A signed webhook said a response ended: one GET of it, and its run moves on (streams and pollers see it). */
  onResponseEnded(responseId: string, type: string): Promise<void>;
  /** Upstream calls this engine made, by kind (for tests and BENCHMARKS). */
  readonly upstreamCalls: Readonly<Record<string, number>>;
}

type Listener = (event: StreamEvent) => void;

const newVectorStoreId = (): string => `vs_${randomBytes(12).toString('hex')}`;
/** Conversations take at most 20 items per request. */
const ITEMS_PER_REQUEST = 20;
/** How often a dropped upstream stream is resumed before the engine falls back to reading the response. */
const STREAM_RESUMPTIONS = 3;

/**
 * The runs API on a Responses upstream. Assistants, the thread ↔ conversation map, the fields items lack, run
 * chains and the run and step indexes live in the engine's store; conversations hold the messages; every run is
 * a chain of background responses, translated back into the run, its steps and its messages by mapping.ts.
 */
export function createResponsesEngine(options: ResponsesEngineOptions): ResponsesEngine {
  const clock = options.clock ?? realClock;
  const { client, store } = options;
  const { isolation } = options;
  // The engine itself serves work for nobody in particular (timers, webhooks, the gateway's shared pollers): it sees
  // every thread, and continues what a caller started with the key stored on the thread. A caller's requests are
  // served by `forCaller`'s view, which sees only the threads made for them.
  const records = new Records(store, () => clock.now());
  /** The upstream as the end user whose thread (or run) `doc` is. */
  const upstream = (doc: { isolationKey?: string | undefined }) => client.forUser(doc.isolationKey);
  const listeners = new Map<string, Set<Listener>>();
  const locks = new Map<string, Promise<unknown>>();
  /** Runs whose head this instance is reading as a stream: they need no polling. */
  const streaming = new Set<string>();
  const dueTimers = new Map<string, ClockTimer>();
  const channels = new Map<string, Set<EventChannel<StreamEvent>>>();
  const tasks = new Set<Promise<unknown>>();
  const upstreamCalls: Record<string, number> = {};
  let closed = false;

  const count = <T>(kind: string, call: () => Promise<T>): Promise<T> => {
    upstreamCalls[kind] = (upstreamCalls[kind] ?? 0) + 1;
    return call();
  };
  const ctx = (): ApplyContext => ({ now: nowSeconds(clock), newStepId: () => newId('step'), newMessageId: () => newId('msg'), newCallId: () => newId('call') });
  const expiry = expirySeconds(options.requiresActionTimeoutMs);
  /** A run whose assistant maps to no agent is refused before anything is made. */
  const checkAgent = (assistant: Assistant): void => {
    if (options.agents) agentOf(assistant, options.agents.defaultAgent);
  };

  /** One change at a time per run in this instance (between instances, compare-and-set on the record). */
  function locked<T>(runId: string, task: () => Promise<T>): Promise<T> {
    const previous = locks.get(runId) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => undefined);
    locks.set(runId, settled);
    void settled.then(() => {
      if (locks.get(runId) === settled) locks.delete(runId);
    });
    return next;
  }

  function publish(runId: string, events: StreamEvent[]): void {
    const set = listeners.get(runId);
    if (!set || events.length === 0) return;
    for (const event of events) for (const listener of [...set]) listener(event);
  }

  function subscribe(runId: string, first: StreamEvent[] = []): EventChannel<StreamEvent> {
    let listener: Listener = () => {};
    const channel = new EventChannel<StreamEvent>(() => {
      listeners.get(runId)?.delete(listener);
      channels.get(runId)?.delete(channel);
    });
    listener = (event) => {
      channel.push(event);
      if (isFinalEvent(event.event)) channel.end();
    };
    for (const event of first) channel.push(event);
    let set = listeners.get(runId);
    if (!set) listeners.set(runId, (set = new Set()));
    set.add(listener);
    let open = channels.get(runId);
    if (!open) channels.set(runId, (open = new Set()));
    open.add(channel);
    return channel;
  }

  function background(task: Promise<unknown>): void {
    const tracked = task.catch(() => undefined).finally(() => tasks.delete(tracked));
    tasks.add(tracked);
  }

  function armDue(runId: string, threadId: string, dueAt: number | null): void {
    const existing = dueTimers.get(runId);
    if (existing) clock.clearTimeout(existing);
    dueTimers.delete(runId);
    if (dueAt === null || closed) return;
    dueTimers.set(
      runId,
      clock.setTimeout(() => {
        dueTimers.delete(runId);
        background(current(threadId, runId, { force: false }));
      }, Math.max(0, dueAt - clock.now())),
    );
  }

  /** Writes a loaded view (and the due time of its tool outputs); the events go out only once it is stored. */
  async function save(loaded: { doc: RunDoc; version: number; view: RunView }, events: StreamEvent[]): Promise<boolean> {
    const { doc, view } = loaded;
    const waiting = view.run.status === 'requires_action';
    if (waiting !== (doc.outputsDueAt !== null)) {
      doc.outputsDueAt = waiting ? clock.now() + options.requiresActionTimeoutMs : null;
      await records.setDue(view.run.id, view.run.thread_id, doc.outputsDueAt);
      armDue(view.run.id, view.run.thread_id, doc.outputsDueAt);
    }
    const version = await records.saveView(doc, loaded.version, view);
    if (version === undefined) return false;
    loaded.version = version;
    publish(view.run.id, events);
    return true;
  }

  /**
   * The run as it stands: from the store, brought up to date first when it is active and nobody asked the
   * upstream within the poll interval (or `force`, a webhook): at most one GET per run per interval.
   */
  async function current(threadId: string, runId: string, { force }: { force: boolean }): Promise<Run> {
    const { doc } = await records.run(threadId, runId);
    // Most reads (an ended run, or one asked about within the interval) are answered by the record alone: the
    // steps and messages are loaded only when the run may change.
    if (!mayChange(doc, force)) return doc.run;
    return locked(runId, async () => {
      const loaded = await records.loadView(runId);
      if (!loaded) throw notFound('run', runId);
      const { doc, view } = loaded;
      if (!ACTIVE_RUN_STATUSES.has(view.run.status)) return view.run;
      if (doc.pendingIntent && !streaming.has(runId)) await resolveIntent(loaded);
      if (view.run.status === 'requires_action') {
        if (doc.outputsDueAt !== null && clock.now() >= doc.outputsDueAt) {
          await closeCalls(loaded, 'expired');
          await save(loaded, expireRun(view, ctx()));
        }
        return view.run;
      }
      if (view.cancelRequested && doc.headEnded) {
        await closeCalls(loaded, 'cancelled');
        await save(loaded, cancelRun(view, ctx()));
        return view.run;
      }
      const head = doc.chain.at(-1);
      if (!head || streaming.has(runId)) return view.run;
      if (!force && clock.now() < doc.refreshedAt + (options.webhookFallbackMs ?? options.pollIntervalMs)) return view.run;
      // The lease: whoever writes refreshedAt first asks the upstream; the others answer the stored state.
      doc.refreshedAt = clock.now();
      if (!(await save(loaded, []))) return (await records.run(threadId, runId)).doc.run;
      const response = await count('GET /responses/{id}', () => upstream(doc).getResponse(head)).catch((error: unknown) => {
        throw asApiError(error);
      });
      await applyHead(loaded, response);
      return view.run;
    });
  }

  /** What `current` would do beyond answering the record: re-checked under the run's lock before anything is done. */
  function mayChange(doc: RunDoc, force: boolean): boolean {
    if (!ACTIVE_RUN_STATUSES.has(doc.run.status)) return false;
    if (force) return true;
    if (doc.pendingIntent && !streaming.has(doc.run.id)) return true;
    if (doc.run.status === 'requires_action') return doc.outputsDueAt !== null && clock.now() >= doc.outputsDueAt;
    if (doc.cancelRequested && doc.headEnded) return true;
    if (doc.chain.length === 0 || streaming.has(doc.run.id)) return false;
    return clock.now() >= doc.refreshedAt + (options.webhookFallbackMs ?? options.pollIntervalMs);
  }

  /**
   * A run that ends while it waits for tool outputs leaves its function calls open in the conversation, and the
   * next response there would be refused ("No tool output found for function call"): each gets an output that
   * says why none came.
   */
  async function closeCalls(loaded: { doc: RunDoc; view: RunView }, why: 'cancelled' | 'expired'): Promise<void> {
    const calls = loaded.view.pendingCalls;
    if (calls.length === 0) return;
    const outputs = calls.map((call) => ({ type: 'function_call_output', call_id: call.callId, output: `No output: the run was ${why} before it was given.` }));
    await count('POST /conversations/{id}/items', () => upstream(loaded.doc).addItems(loaded.doc.conversationId, outputs, `${loaded.doc.run.id}.close`)).catch((error: unknown) => {
      throw asApiError(error);
    });
  }

  async function applyHead(loaded: { doc: RunDoc; version: number; view: RunView }, response: ResponseObject): Promise<void> {
    const events = applyResponse(loaded.view, response, ctx());
    loaded.doc.headEnded = response.status !== 'queued' && response.status !== 'in_progress';
    await save(loaded, events);
  }

  /** A write whose answer never came: sent again with the same Idempotency-Key, which gives the same response. */
  async function resolveIntent(loaded: { doc: RunDoc; version: number; view: RunView }): Promise<void> {
    const key = loaded.doc.pendingIntent;
    if (!key) return;
    const intent = await store.get<IntentDoc>('intent', key);
    if (!intent) {
      loaded.doc.pendingIntent = null;
      return;
    }
    try {
      const response = await count('POST /responses (resolve)', () => upstream(loaded.doc).createResponse(intent.doc.body, key));
      await recordResponse(loaded, key, intent, response.id);
      await applyHead(loaded, response);
    } catch (error) {
      if (isUnknownOutcome(error)) return;
      // A definite refusal: the step never started upstream.
      loaded.doc.pendingIntent = null;
      await save(loaded, failedToStart(loaded.view, asApiError(error)));
    }
  }

  function failedToStart(view: RunView, error: unknown): StreamEvent[] {
    view.run.status = 'failed';
    view.run.failed_at = nowSeconds(clock);
    view.run.expires_at = null;
    view.run.last_error = { code: 'server_error', message: error instanceof Error ? error.message : 'The response could not be created.' };
    return [{ event: 'thread.run.failed', data: structuredClone(view.run) }];
  }

  async function recordResponse(loaded: { doc: RunDoc; version: number; view: RunView }, key: string, intent: { doc: IntentDoc; version: number }, responseId: string): Promise<void> {
    if (!loaded.doc.chain.includes(responseId)) loaded.doc.chain.push(responseId);
    loaded.doc.pendingIntent = null;
    loaded.doc.headEnded = false;
    await store.update('intent', key, { ...intent.doc, responseId }, intent.version);
    await records.indexResponse(responseId, { runId: loaded.doc.run.id, threadId: loaded.doc.run.thread_id });
  }

  /**
   * Sends the next response of a run (the first, or the one after tool outputs), recorded as an intent first.
   * With `stream`, the engine reads its events and the run's subscribers get them translated.
   */
  async function sendResponse(runId: string, input: unknown[], stream: boolean): Promise<void> {
    const loaded = await records.loadView(runId);
    if (!loaded) throw notFound('run', runId);
    const body = responseBody(loaded.view.run, loaded.doc.conversationId, input, loaded.doc.resources, loaded.doc.agent);
    const user = upstream(loaded.doc);
    const key = `${runId}.${loaded.doc.chain.length}`;
    const intent: IntentDoc = { kind: 'response', runId, threadId: loaded.view.run.thread_id, body, responseId: null };
    await store.insert('intent', key, intent);
    loaded.doc.pendingIntent = key;
    loaded.doc.refreshedAt = clock.now();
    await save(loaded, []);
    const stored = (await store.get<IntentDoc>('intent', key))!;
    if (!stream) {
      try {
        const response = await count('POST /responses', () => user.createResponse(body, key));
        await recordResponse(loaded, key, stored, response.id);
        await applyHead(loaded, response);
      } catch (error) {
        await writeFailed(loaded, key, error);
      }
      return;
    }
    let events: AsyncIterable<ResponsesEvent>;
    try {
      events = await count('POST /responses (stream)', () => user.streamResponse(body, key));
    } catch (error) {
      await writeFailed(loaded, key, error);
      return;
    }
    streaming.add(runId);
    background(consume(runId, key, events, user));
  }

  /** A write that failed: refused (the run cannot start: the caller's 400, nothing kept) or unknown (resolved on the next read). */
  async function writeFailed(loaded: { doc: RunDoc; version: number; view: RunView }, key: string, error: unknown): Promise<never | void> {
    if (isUnknownOutcome(error)) return;
    await store.delete('intent', key);
    loaded.doc.pendingIntent = null;
    throw asApiError(error);
  }

  /** Reads a response's stream into its run, resuming a dropped stream after the last event seen. */
  async function consume(runId: string, key: string, first: AsyncIterable<ResponsesEvent>, user: ResponsesClient): Promise<void> {
    const streamed = new StreamedResponse();
    let links: RunView['items'] = {};
    let events: AsyncIterable<ResponsesEvent> | undefined = first;
    let resumptions = 0;
    try {
      while (events && !closed) {
        try {
          for await (const event of events) {
            if (closed) return;
            if (!streamed.apply(event)) continue;
            const response = streamed.response;
            if (!response) continue;
            const pureDelta = event.type.endsWith('.delta') && typeof event['item_id'] === 'string' && links[event['item_id']] !== undefined;
            if (pureDelta) {
              publish(runId, deltaEvents(event, response, links));
              continue;
            }
            const alive = await locked(runId, async () => {
              const loaded = await records.loadView(runId);
              if (!loaded || !ACTIVE_RUN_STATUSES.has(loaded.view.run.status)) return false;
              if (loaded.doc.pendingIntent === key) {
                const intent = (await store.get<IntentDoc>('intent', key))!;
                await recordResponse(loaded, key, intent, response.id);
              }
              const changes = applyResponse(loaded.view, response, ctx());
              loaded.doc.headEnded = streamed.ended;
              loaded.doc.refreshedAt = clock.now();
              await save(loaded, [...changes, ...deltaEvents(event, response, loaded.view.items)]);
              links = loaded.view.items;
              return true;
            });
            if (!alive || streamed.ended) return;
          }
          events = undefined;
        } catch {
          events = undefined;
        }
        // The stream ended without the response ending: resume after the last event, a few times.
        const responseId = streamed.response?.id;
        if (!closed && responseId && !streamed.ended && resumptions < STREAM_RESUMPTIONS) {
          resumptions += 1;
          events = await count('GET /responses/{id}?stream', () => user.resumeStream(responseId, streamed.lastSequence)).catch(() => undefined);
        }
      }
    } finally {
      streaming.delete(runId);
      // A cancel has no stream event, and a stream may end early: one read says how the response stands.
      const threadId = (await store.get<RunDoc>('run', runId).catch(() => undefined))?.doc.run.thread_id;
      if (!closed && threadId && !streamed.ended) await current(threadId, runId, { force: true }).catch(() => undefined);
    }
  }

  // ------------------------------------------------------------------------------------------------------------

  /** A new thread, the caller's when `isolationKey` names one (their conversation is made under their key). */
  async function createThread(req: CreateThreadRequest, isolationKey: string | undefined): Promise<Thread> {
    const made = { id: newId('thread'), createdAt: nowSeconds(clock) };
    const thread = newThread(req, made, newVectorStoreId);
    const owner = isolationKey === undefined ? {} : { isolationKey };
    const conversation = await count('POST /conversations', () => upstream(owner).createConversation({ metadata: thread.metadata ?? {} }, `${thread.id}.conversation`)).catch((error: unknown) => {
      throw asApiError(error);
    });
    const doc: ThreadDoc = { thread, conversationId: conversation.id, latestRunId: null, ...owner };
    await store.insert('thread', thread.id, doc);
    const messages = req.messages ?? [];
    for (let start = 0; start < messages.length; start += ITEMS_PER_REQUEST) {
      await addMessages(doc, messages.slice(start, start + ITEMS_PER_REQUEST));
    }
    return thread;
  }

  async function createAndRun(req: CreateThreadAndRunRequest, isolationKey: string | undefined): Promise<RunStart & { thread: Thread }> {
    const assistant = (await records.assistant(req.assistant_id)).doc;
    const { thread: threadRequest, tool_resources: resources, ...runRequest } = req;
    checkToolChoice(runRequest.tools ?? assistant.tools, runRequest.tool_choice);
    checkMappable(runRequest);
    checkAgent(assistant);
    const thread = await createThread({ ...(resources ? { tool_resources: resources } : {}), ...threadRequest }, isolationKey);
    const start = await startRun(thread.id, assistant, runRequest, req.stream === true, [{ event: 'thread.created', data: structuredClone(thread) }]);
    return { ...start, thread };
  }

  /** Messages a client adds: conversation items first (their ids key the sidecars), then the sidecars. */
  async function addMessages(thread: ThreadDoc, requests: CreateMessageRequest[]): Promise<Message[]> {
    if (requests.length === 0) return [];
    const made = requests.map(() => ({ id: newId('msg'), createdAt: nowSeconds(clock) }));
    const items = await count('POST /conversations/{id}/items', () => upstream(thread).addItems(thread.conversationId, requests.map(messageItem), `${made[0]!.id}.items`)).catch((error: unknown) => {
      throw asApiError(error);
    });
    const out: Message[] = [];
    for (const [index, req] of requests.entries()) {
      const message = newMessage(thread.thread.id, req, made[index]!);
      await records.insertMessage({ message, itemId: items[index]?.id ?? null });
      out.push(message);
    }
    return out;
  }

  /** The thread's active run, brought up to date (a run that has ended since no longer holds the thread). */
  async function activeRun(thread: ThreadDoc): Promise<Run | undefined> {
    if (!thread.latestRunId) return undefined;
    const run = await current(thread.thread.id, thread.latestRunId, { force: false }).catch(() => undefined);
    return run && ACTIVE_RUN_STATUSES.has(run.status) ? run : undefined;
  }

  async function startRun(threadId: string, assistant: Assistant, req: RunRequest, stream: boolean, first: StreamEvent[] = []): Promise<RunStart> {
    const thread = await records.thread(threadId);
    const made = { id: newId('run'), createdAt: nowSeconds(clock) };
    const run = newRun(threadId, assistant, req, { ...made, expiresAt: made.createdAt + expiry });
    const doc: RunDoc = {
      run,
      conversationId: thread.doc.conversationId,
      resources: toolResourceIds(thread.doc.thread, assistant),
      chain: [],
      headEnded: false,
      items: {},
      messageIds: [],
      usage: {},
      pendingCalls: [],
      cancelRequested: false,
      outputsDueAt: null,
      refreshedAt: clock.now(),
      pendingIntent: null,
      ...(thread.doc.isolationKey !== undefined ? { isolationKey: thread.doc.isolationKey } : {}),
      ...(options.agents ? { agent: agentOf(assistant, options.agents.defaultAgent) } : {}),
    };
    await store.insert('run', run.id, doc, { parent: threadId, sortKey: records.sortKey() });
    await store.update('thread', threadId, { ...thread.doc, latestRunId: run.id }, thread.version);
    const opening: StreamEvent[] = [...first, { event: 'thread.run.created', data: structuredClone(run) }, { event: 'thread.run.queued', data: structuredClone(run) }];
    const events = stream ? subscribe(run.id, opening) : undefined;
    try {
      await locked(run.id, () => sendResponse(run.id, [], stream));
    } catch (error) {
      // Refused upstream: the run never existed.
      events?.return();
      await store.delete('run', run.id);
      throw error;
    }
    const stored = (await records.run(threadId, run.id)).doc.run;
    // The answer is the run as created; a streamed one moves on in its events.
    return events ? { run: { ...stored, status: 'queued' }, events } : { run: stored };
  }

  async function stopRunsOf(threadId: string): Promise<void> {
    for (const { doc } of await records.all<RunDoc>('run', threadId)) {
      const head = doc.chain.at(-1);
      if (ACTIVE_RUN_STATUSES.has(doc.run.status) && head && !doc.headEnded) await count('POST /responses/{id}/cancel', () => upstream(doc).cancelResponse(head)).catch(() => undefined);
      await store.deleteChildren('step', doc.run.id);
      await records.setDue(doc.run.id, threadId, null);
      armDue(doc.run.id, threadId, null);
      listeners.delete(doc.run.id);
      for (const channel of [...(channels.get(doc.run.id) ?? [])]) channel.end();
      channels.delete(doc.run.id);
    }
  }

  void (async () => {
    // After a restart, runs waiting for tool outputs expire on time again.
    for (const due of await records.allDue().catch(() => [])) armDue(due.runId, due.threadId, due.dueAt);
  })();

  const engine: ResponsesEngine = {
    upstreamCalls,
    assistants: {
      async create(req) {
        const assistant = newAssistant(req, { id: newId('asst'), createdAt: nowSeconds(clock) }, newVectorStoreId);
        await records.insertAssistant(assistant);
        return assistant;
      },
      async retrieve(id) {
        return (await records.assistant(id)).doc;
      },
      async update(id, req) {
        const { doc, version } = await records.assistant(id);
        const { tool_resources: resources, ...rest } = req;
        const next = { ...doc, ...rest } as Assistant;
        if (resources !== undefined) next.tool_resources = toolResources(resources, newVectorStoreId);
        if ((await store.update('assistant', id, next, version)) === undefined) throw notFound('assistant', id);
        return next;
      },
      async del(id) {
        await records.assistant(id);
        await store.delete('assistant', id);
      },
      list: (query) => records.listAssistants(query),
    },
    threads: {
      create: (req) => createThread(req, undefined),
      async retrieve(id) {
        return (await records.thread(id)).doc.thread;
      },
      async update(id, req) {
        const { doc, version } = await records.thread(id);
        const thread = { ...doc.thread };
        if (req.metadata !== undefined) thread.metadata = req.metadata;
        if (req.tool_resources !== undefined) thread.tool_resources = toolResources(req.tool_resources, newVectorStoreId);
        await store.update('thread', id, { ...doc, thread }, version);
        return thread;
      },
      async del(id) {
        const { doc } = await records.thread(id);
        await stopRunsOf(id);
        await count('DELETE /conversations/{id}', () => upstream(doc).deleteConversation(doc.conversationId)).catch(() => undefined);
        await store.deleteChildren('message', id);
        await store.deleteChildren('run', id);
        await store.delete('thread', id);
      },
      createAndRun: (req) => createAndRun(req, undefined),
    },
    messages: {
      async create(threadId, req) {
        const thread = await records.thread(threadId);
        checkMessageAllowed(threadId, await activeRun(thread.doc));
        const [message] = await addMessages(thread.doc, [req]);
        return message!;
      },
      async retrieve(threadId, messageId) {
        return (await records.message(threadId, messageId)).doc.message;
      },
      async update(threadId, messageId, req) {
        const { doc, version } = await records.message(threadId, messageId);
        const message = { ...doc.message };
        if (req.metadata !== undefined) message.metadata = req.metadata;
        await store.update('message', messageId, { ...doc, message }, version);
        return message;
      },
      async del(threadId, messageId) {
        const { doc } = await records.message(threadId, messageId);
        const thread = await records.thread(threadId);
        if (doc.itemId) await count('DELETE /conversations/{id}/items/{item_id}', () => upstream(thread.doc).deleteItem(thread.doc.conversationId, doc.itemId!)).catch(() => undefined);
        await store.delete('message', messageId);
      },
      async list(threadId, { runId, ...query }) {
        const thread = await records.thread(threadId);
        await activeRun(thread.doc);
        if (runId === undefined) return listPage(await store.page<MessageDoc>('message', threadId, query), query, (doc) => doc.message);
        const all = (await records.all<MessageDoc>('message', threadId)).map((entry) => entry.doc.message).filter((m) => m.run_id === runId);
        return pageOf(all, query);
      },
    },
    runs: {
      async create(threadId, req) {
        const thread = await records.thread(threadId);
        const assistant = (await records.assistant(req.assistant_id)).doc;
        checkRunAllowed(threadId, await activeRun(thread.doc));
        checkToolChoice(req.tools ?? assistant.tools, req.tool_choice);
        checkMappable(req);
        checkAgent(assistant);
        const { additional_messages: additional, ...runRequest } = req;
        await addMessages((await records.thread(threadId)).doc, additional ?? []);
        return startRun(threadId, assistant, runRequest, req.stream === true);
      },
      retrieve: (threadId, runId) => current(threadId, runId, { force: false }),
      async update(threadId, runId, req) {
        await records.run(threadId, runId);
        return locked(runId, async () => {
          const { doc, version } = await records.run(threadId, runId);
          if (req.metadata !== undefined) doc.run.metadata = req.metadata;
          await store.update('run', runId, doc, version);
          return doc.run;
        });
      },
      async list(threadId, query) {
        const thread = await records.thread(threadId);
        await activeRun(thread.doc);
        return listPage(await store.page<RunDoc>('run', threadId, query), query, (doc) => doc.run);
      },
      async cancel(threadId, runId) {
        await current(threadId, runId, { force: false });
        const head = await locked(runId, async () => {
          const loaded = await records.loadView(runId);
          if (!loaded) throw notFound('run', runId);
          checkCancellable(loaded.view.run);
          loaded.view.cancelRequested = true;
          loaded.view.run.status = 'cancelling';
          await save(loaded, [{ event: 'thread.run.cancelling', data: structuredClone(loaded.view.run) }]);
          return loaded.doc.headEnded ? undefined : loaded.doc.chain.at(-1);
        });
        const { doc: cancelled } = await records.run(threadId, runId);
        const answer = cancelled.run;
        // Cancelling twice is idempotent upstream; the run shows cancelling until the head says it is cancelled.
        if (head) await count('POST /responses/{id}/cancel', () => upstream(cancelled).cancelResponse(head)).catch(() => undefined);
        return answer;
      },
      async submitToolOutputs(threadId, runId, req: SubmitToolOutputsRequest) {
        const run = await current(threadId, runId, { force: false });
        checkToolOutputs(run, req);
        const opening = await locked(runId, async () => {
          const loaded = await records.loadView(runId);
          if (!loaded) throw notFound('run', runId);
          checkToolOutputs(loaded.view.run, req);
          const events = acceptToolOutputs(loaded.view, req.tool_outputs, ctx());
          loaded.doc.headEnded = false;
          await save(loaded, events);
          return events;
        });
        const events = req.stream ? subscribe(runId, opening) : undefined;
        try {
          await locked(runId, () => sendResponse(runId, functionCallOutputs(req.tool_outputs), req.stream === true));
        } catch (error) {
          events?.return();
          throw error;
        }
        const stored = (await records.run(threadId, runId)).doc.run;
        return events ? { run: { ...stored, status: 'in_progress' }, events } : { run: stored };
      },
      steps: {
        async retrieve(threadId, runId, stepId) {
          await current(threadId, runId, { force: false });
          return records.step(runId, stepId);
        },
        async list(threadId, runId, query) {
          await current(threadId, runId, { force: false });
          return listPage(await store.page('step', runId, query), query, (doc) => doc as import('../../types.js').RunStep);
        },
      },
    },
    async onResponseEnded(responseId) {
      const owner = await records.runOfResponse(responseId);
      if (!owner) return;
      await current(owner.threadId, owner.runId, { force: true });
    },
    async close() {
      closed = true;
      for (const timer of dueTimers.values()) clock.clearTimeout(timer);
      dueTimers.clear();
      client.close();
      for (const open of [...channels.values()]) for (const channel of [...open]) channel.end();
      channels.clear();
      listeners.clear();
      await Promise.allSettled([...tasks]);
      await store.close();
    },
  };
  /**
   * The engine as one caller sees it (with isolation): another caller's thread is not found, as a missing one is,
   * whatever is asked of it, and the threads this caller makes carry their key. Checked once, when a request names
   * its thread; what the engine then does for that thread is the thread's own, under the key stored on it.
   */
  // Made once per caller, not per request (its key is a keyed hash); the callers active lately are kept.
  const views = new Lru<string, RunsEngine>(1_000);
  engine.forCaller = (caller) => {
    if (!isolation) return engine;
    let view = views.get(caller);
    if (!view) views.set(caller, (view = viewFor(isolationKeyOf(caller, isolation.secret))));
    return view;
  };
  function viewFor(key: string): RunsEngine {
    const theirs = new Records(store, () => clock.now(), (thread) => thread.isolationKey === key);
    /** `operation` once the thread it names (its first argument) is found to be this caller's. */
    const guarded =
      <A extends [threadId: string, ...rest: unknown[]], R>(operation: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        await theirs.thread(args[0]);
        return operation(...args);
      };
    const { threads, messages, runs } = engine;
    return {
      ...engine,
      threads: {
        create: (req) => createThread(req, key),
        retrieve: guarded(threads.retrieve),
        update: guarded(threads.update),
        del: guarded(threads.del),
        createAndRun: (req) => createAndRun(req, key),
      },
      messages: { create: guarded(messages.create), retrieve: guarded(messages.retrieve), update: guarded(messages.update), del: guarded(messages.del), list: guarded(messages.list) },
      runs: {
        create: guarded(runs.create),
        retrieve: guarded(runs.retrieve),
        update: guarded(runs.update),
        list: guarded(runs.list),
        cancel: guarded(runs.cancel),
        submitToolOutputs: guarded(runs.submitToolOutputs),
        steps: { retrieve: guarded(runs.steps.retrieve), list: guarded(runs.steps.list) },
      },
    };
  }
  return engine;
}
