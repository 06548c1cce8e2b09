import { randomBytes } from 'node:crypto';
import { realClock, type Clock } from '../../../embedded/clock.js';
import { EventChannel } from '../../../embedded/event-channel.js';
import type { RunsEngine, RunStart } from '../../engine.js';
import { newId } from '../../ids.js';
import { newAssistant, newMessage, newRun, newThread, toolResources } from '../../objects.js';
import { checkMessageAllowed, checkRunAllowed, checkToolChoice, checkToolOutputs, isFinalEvent, type RunRequest } from '../../rules.js';
import type { Assistant, CreateMessageRequest, CreateThreadRequest, Run, StreamEvent, Thread } from '../../types.js';
import { loadDemoData } from './demo.js';
import { Simulator, type RunListener } from './lifecycle.js';
import { Store } from './store.js';

export { DEMO_IDS } from './demo.js';

export interface SimulatedEngineOptions {
  /** Length of one simulated run phase. */
  stepMs: number;
  /** How long a run may wait in requires_action before it expires. */
  requiresActionTimeoutMs: number;
  /** Time and timers; the real ones unless a test brings its own. */
  clock?: Clock;
  /** Seed assistants, threads and runs with well-known ids (DEMO_IDS). */
  demoData?: boolean;
}

const newVectorStoreId = (): string => `vs_${randomBytes(12).toString('hex')}`;

/**
 * The first engine: objects in memory, runs moved through their lifecycle in time by the
 * simulator, on the simulated model. Every method answers synchronously under its promise, so
 * a read never sees half a change.
 */
export function createSimulatedEngine(options: SimulatedEngineOptions): RunsEngine {
  const clock = options.clock ?? realClock;
  const store = new Store();
  const simulator = new Simulator(store, { stepMs: options.stepMs, requiresActionTimeoutMs: options.requiresActionTimeoutMs, clock });
  if (options.demoData) loadDemoData(store, simulator);
  const made = (prefix: Parameters<typeof newId>[0]) => ({ id: newId(prefix), createdAt: simulator.now() });

  function createThread(req: CreateThreadRequest): Thread {
    const thread = store.addThread(newThread(req, made('thread'), newVectorStoreId));
    for (const message of req.messages ?? []) addMessage(thread.id, message);
    return thread;
  }

  function addMessage(threadId: string, req: CreateMessageRequest): void {
    store.addMessage(newMessage(threadId, req, made('msg')));
  }

  function addRun(threadId: string, assistant: Assistant, req: RunRequest): Run {
    const createdAt = simulator.now();
    return store.addRun(newRun(threadId, assistant, req, { id: newId('run'), createdAt, expiresAt: createdAt + simulator.expirySeconds }));
  }

  /** With `stream`, a channel that hears the run from its first event and ends after a final one. */
  function watch(run: Run, stream: boolean | null | undefined, first: StreamEvent[] = []): { listener: RunListener | undefined; events: EventChannel<StreamEvent> | undefined } {
    if (!stream) return { listener: undefined, events: undefined };
    let listener: RunListener = () => {};
    const events = new EventChannel<StreamEvent>(() => simulator.unsubscribe(run.id, listener));
    listener = (event) => {
      events.push(event);
      if (isFinalEvent(event.event)) events.end();
    };
    for (const event of first) events.push(event);
    return { listener, events };
  }

  function started(run: Run, events: EventChannel<StreamEvent> | undefined): RunStart {
    return events ? { run, events } : { run };
  }

  return {
    assistants: {
      async create(req) {
        return store.addAssistant(newAssistant(req, made('asst'), newVectorStoreId));
      },
      async retrieve(id) {
        return store.assistant(id);
      },
      async update(id, req) {
        const assistant = store.assistant(id);
        const { tool_resources: resources, ...rest } = req;
        Object.assign(assistant, rest);
        if (resources !== undefined) assistant.tool_resources = toolResources(resources, newVectorStoreId);
        return assistant;
      },
      async del(id) {
        store.deleteAssistant(store.assistant(id).id);
      },
      async list(query) {
        return store.page(store.sorted(store.allAssistants()), query);
      },
    },
    threads: {
      async create(req) {
        return createThread(req);
      },
      async retrieve(id) {
        return store.thread(id);
      },
      async update(id, req) {
        const thread = store.thread(id);
        if (req.metadata !== undefined) thread.metadata = req.metadata;
        if (req.tool_resources !== undefined) thread.tool_resources = toolResources(req.tool_resources, newVectorStoreId);
        return thread;
      },
      async del(id) {
        simulator.forget(store.deleteThread(store.thread(id).id));
      },
      async createAndRun(req) {
        const assistant = store.assistant(req.assistant_id);
        const { thread: threadRequest, tool_resources: resources, ...runRequest } = req;
        checkToolChoice(runRequest.tools ?? assistant.tools, runRequest.tool_choice);
        // The thread's own tool_resources win over the request-level ones.
        const thread = createThread({ ...(resources ? { tool_resources: resources } : {}), ...threadRequest });
        const run = addRun(thread.id, assistant, runRequest);
        const { listener, events } = watch(run, req.stream, [{ event: 'thread.created', data: structuredClone(thread) }]);
        simulator.start(run, listener);
        return { ...started(run, events), thread };
      },
    },
    messages: {
      async create(threadId, req) {
        const thread = store.thread(threadId);
        checkMessageAllowed(thread.id, store.activeRun(thread.id));
        return store.addMessage(newMessage(thread.id, req, made('msg')));
      },
      async retrieve(threadId, messageId) {
        return store.message(threadId, messageId);
      },
      async update(threadId, messageId, req) {
        const message = store.message(threadId, messageId);
        if (req.metadata !== undefined) message.metadata = req.metadata;
        return message;
      },
      async del(threadId, messageId) {
        store.deleteMessage(store.message(threadId, messageId).id);
      },
      async list(threadId, { runId, ...query }) {
        const messages = store.messagesOf(store.thread(threadId).id);
        return store.page(runId === undefined ? messages : messages.filter((m) => m.run_id === runId), query);
      },
    },
    runs: {
      async create(threadId, req) {
        const thread = store.thread(threadId);
        const assistant = store.assistant(req.assistant_id);
        checkRunAllowed(thread.id, store.activeRun(thread.id));
        checkToolChoice(req.tools ?? assistant.tools, req.tool_choice);
        const { additional_messages: additional, ...runRequest } = req;
        for (const message of additional ?? []) addMessage(thread.id, message);
        const run = addRun(thread.id, assistant, runRequest);
        const { listener, events } = watch(run, req.stream);
        simulator.start(run, listener);
        return started(run, events);
      },
      async retrieve(threadId, runId) {
        return store.run(threadId, runId);
      },
      async update(threadId, runId, req) {
        const run = store.run(threadId, runId);
        if (req.metadata !== undefined) run.metadata = req.metadata;
        return run;
      },
      async list(threadId, query) {
        return store.page(store.runsOf(store.thread(threadId).id), query);
      },
      async cancel(threadId, runId) {
        const run = store.run(threadId, runId);
        simulator.cancel(run);
        return run;
      },
      async submitToolOutputs(threadId, runId, req) {
        const run = store.run(threadId, runId);
        checkToolOutputs(run, req);
        const { listener, events } = watch(run, req.stream);
        simulator.submitToolOutputs(run, req, listener);
        return started(run, events);
      },
      steps: {
        async retrieve(threadId, runId, stepId) {
          return store.step(threadId, runId, stepId);
        },
        async list(threadId, runId, query) {
          return store.page(store.stepsOf(store.run(threadId, runId).id), query);
        },
      },
    },
    async close() {
      simulator.close();
    },
  };
}
