import { randomBytes } from 'node:crypto';
import { realClock, type Clock } from '../../../embedded/clock.js';
import { EventChannel } from '../../../embedded/event-channel.js';
import type { RunsEngine, RunStart } from '../../engine.js';
import { newId, type IdPrefix } from '../../ids.js';
import { newAssistant, newMessage, newRun, newThread, toolResources } from '../../objects.js';
import { checkMessageAllowed, checkRunAllowed, checkToolApprovals, checkToolChoice, checkToolOutputs, isFinalEvent, type RunRequest } from '../../rules.js';
import type { Assistant, CreateMessageRequest, CreateThreadRequest, Message, Run, StreamEvent, Thread } from '../../types.js';
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
  const store = new Store();
  const simulator = new Simulator(store, { stepMs: options.stepMs, requiresActionTimeoutMs: options.requiresActionTimeoutMs, clock: options.clock ?? realClock });
  if (options.demoData) loadDemoData(store, simulator);
  const state = new EngineState(store, simulator);
  return {
    assistants: assistantsOf(state),
    threads: threadsOf(state),
    messages: messagesOf(state),
    runs: runsOf(state),
    async close() {
      simulator.close();
    },
  };
}

/** What the resources share: the store, the simulator, and the steps of making objects and starting runs. */
class EngineState {
  constructor(
    readonly store: Store,
    readonly simulator: Simulator,
  ) {}

  made(prefix: IdPrefix): { id: string; createdAt: number } {
    return { id: newId(prefix), createdAt: this.simulator.now() };
  }

  createThread(req: CreateThreadRequest): Thread {
    const thread = this.store.addThread(newThread(req, this.made('thread'), newVectorStoreId));
    for (const message of req.messages ?? []) this.addMessage(thread.id, message);
    return thread;
  }

  addMessage(threadId: string, req: CreateMessageRequest): Message {
    return this.store.addMessage(newMessage(threadId, req, this.made('msg')));
  }

  addRun(threadId: string, assistant: Assistant, req: RunRequest): Run {
    const made = this.made('run');
    return this.store.addRun(newRun(threadId, assistant, req, { ...made, expiresAt: made.createdAt + this.simulator.expirySeconds }));
  }

  /** Starts or continues a run through `begin`; with `stream`, its events from the first one until a final one. */
  started(run: Run, stream: boolean | null | undefined, begin: (listener: RunListener | undefined) => void, first: StreamEvent[] = []): RunStart {
    if (!stream) {
      begin(undefined);
      return { run };
    }
    let listener: RunListener = () => {};
    const events = new EventChannel<StreamEvent>(() => this.simulator.unsubscribe(run.id, listener));
    listener = (event) => {
      events.push(event);
      if (isFinalEvent(event.event)) events.end();
    };
    for (const event of first) events.push(event);
    begin(listener);
    return { run, events };
  }
}

function assistantsOf(state: EngineState): RunsEngine['assistants'] {
  const { store } = state;
  return {
    async create(req) {
      return store.addAssistant(newAssistant(req, state.made('asst'), newVectorStoreId));
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
  };
}

function threadsOf(state: EngineState): RunsEngine['threads'] {
  const { store, simulator } = state;
  return {
    async create(req) {
      return state.createThread(req);
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
      // The run keeps the request-level tool_resources too (Foundry classic shows them on runs; the OpenAI wire does not).
      const { thread: threadRequest, ...runRequest } = req;
      const resources = runRequest.tool_resources;
      checkToolChoice(runRequest.tools ?? assistant.tools, runRequest.tool_choice);
      // The thread's own tool_resources win over the request-level ones.
      const thread = state.createThread({ ...(resources ? { tool_resources: resources } : {}), ...threadRequest });
      const run = state.addRun(thread.id, assistant, runRequest);
      const start = state.started(run, req.stream, (listener) => simulator.start(run, listener), [{ event: 'thread.created', data: structuredClone(thread) }]);
      return { ...start, thread };
    },
    async list(query) {
      return store.page(store.sorted(store.allThreads()), query);
    },
  };
}

function messagesOf(state: EngineState): RunsEngine['messages'] {
  const { store } = state;
  return {
    async create(threadId, req) {
      const thread = store.thread(threadId);
      checkMessageAllowed(thread.id, store.activeRun(thread.id));
      return state.addMessage(thread.id, req);
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
  };
}

function runsOf(state: EngineState): RunsEngine['runs'] {
  const { store, simulator } = state;
  return {
    async create(threadId, req) {
      const thread = store.thread(threadId);
      const assistant = store.assistant(req.assistant_id);
      checkRunAllowed(thread.id, store.activeRun(thread.id));
      checkToolChoice(req.tools ?? assistant.tools, req.tool_choice);
      const { additional_messages: additional, ...runRequest } = req;
      for (const message of additional ?? []) state.addMessage(thread.id, message);
      const run = state.addRun(thread.id, assistant, runRequest);
      return state.started(run, req.stream, (listener) => simulator.start(run, listener));
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
      return state.started(run, req.stream, (listener) => simulator.submitToolOutputs(run, req, listener));
    },
    async submitToolApprovals(threadId, runId, req) {
      const run = store.run(threadId, runId);
      checkToolApprovals(run, req);
      return state.started(run, req.stream, (listener) => simulator.submitToolApprovals(run, req, listener));
    },
    steps: {
      async retrieve(threadId, runId, stepId) {
        return store.step(threadId, runId, stepId);
      },
      async list(threadId, runId, query) {
        return store.page(store.stepsOf(store.run(threadId, runId).id), query);
      },
    },
  };
}
