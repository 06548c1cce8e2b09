import { GraphQLError } from 'graphql';
import type { GatewayContext } from '../context.js';
import { isTerminalRunStatus, runKey, staleView, type MessageDeltaEvent, type RunSnapshot, type RunWire } from '../live/index.js';
import { EventQueue } from '../live/event-queue.js';
import { pushEvents, type EventSink, type PushableEvents } from '../live/event-push.js';
import type { RunKey } from '../loaders.js';
import type { Schemas } from '../spec/index.js';
import { builder } from './builder.js';
import { runKeyArgs, threadIdArg } from './ids.js';
import { RunRef } from './refs.js';
import { assertThreadAccess } from '../security/tenants.js';
import { isNotFound } from '../upstream/errors.js';
import { viewerThreadsTopic, type ViewerThreadEvent } from '../live/viewer-threads.js';
import { ViewerThreadEventRef, ViewerThreadScope, directoryOwner } from './viewer.js';

const notFound = (what: string) => new GraphQLError(`${what} was not found.`, { extensions: { code: 'NOT_FOUND' } });

const transportDown = () =>
  new GraphQLError('Live updates are unavailable: the gateway lost its connection to the other instances (Redis). Subscribe again shortly.', {
    extensions: { code: 'UPSTREAM_UNAVAILABLE', reason: 'pubsub_unavailable' },
  });

/** The code of the error that ends a subscription when the server stops (not `complete`, which says the run ended). */
export const SHUTTING_DOWN = 'SHUTTING_DOWN';

const shuttingDown = () =>
  new GraphQLError('The gateway is shutting down: subscribe again (another instance, or this one once it is back, will answer).', {
    extensions: { code: SHUTTING_DOWN },
  });

/**
 * A subscription cannot get events while the instances' transport is down: it ends with an error instead of waiting.
 * When the server goes away it ends with SHUTTING_DOWN (over graphql-ws the socket is closed with 1001 first, so
 * that error is not sent there: the client reconnects and subscribes again).
 */
function watchTransport(ctx: GatewayContext, queue: EventQueue<unknown>): () => void {
  const { health } = ctx.services.live;
  if (!health.available()) {
    queue.close();
    throw transportDown();
  }
  const stopWatching = health.onDown(() => queue.fail(transportDown()));
  const stopClosing = ctx.services.live.onGoingAway(() => queue.fail(shuttingDown()));
  return () => {
    stopWatching();
    stopClosing();
  };
}

builder.subscriptionType({
  description:
    'Live updates over graphql-ws (ws://…/graphql) or Server-Sent Events (POST /graphql with `Accept: text/event-stream`). ' +
    'One upstream poller per run (or per thread) serves every subscriber, and runs created through this gateway are followed on their upstream event stream instead.',
});

builder.subscriptionField('runUpdated', (t) =>
  t.field({
    type: RunRef,
    description:
      'The run now, then the run again after every observed change (status, required action, last error, usage, timestamps, metadata). ' +
      'Completes right after a terminal status (completed, failed, cancelled, expired, incomplete) has been sent. An unknown run is a NOT_FOUND error. ' +
      'When the upstream stops answering, the last state is sent again with `upstreamStatus: UNAVAILABLE` and the subscription stays open; ' +
      'once the upstream answers, the current state follows with `upstreamStatus: AVAILABLE` (even when unchanged). ' +
      'When the server stops, it ends with a SHUTTING_DOWN error (graphql-ws: the socket closes with 1001): subscribe again.',
    args: {
      threadId: t.arg.id({ required: false, description: 'The thread of the run (upstream or global id); not needed with a run\'s global id.' }),
      runId: t.arg.id({ required: true, description: 'The run (upstream id with threadId, or its global id).' }),
    },
    subscribe: (_root, args, ctx) => runUpdates(ctx, runKeyArgs({ threadId: args.threadId, runId: String(args.runId) })),
    resolve: (run) => run,
  }),
);

builder.subscriptionField('threadRunsUpdated', (t) =>
  t.field({
    type: RunRef,
    description:
      'The thread\'s runs that are still moving, now; then each new run of the thread and each change of any of its recent runs (the newest 20). ' +
      'Never completes by itself. An unknown thread is a NOT_FOUND error. ' +
      'When the upstream stops answering, each moving run is sent again with `upstreamStatus: UNAVAILABLE`, then with `upstreamStatus: AVAILABLE` once it answers. ' +
      'When the server stops, it ends with a SHUTTING_DOWN error (graphql-ws: the socket closes with 1001): subscribe again.',
    args: { threadId: t.arg.id({ required: true, description: 'The thread (upstream or global id).' }) },
    subscribe: (_root, args, ctx) => threadRunUpdates(ctx, threadIdArg(String(args.threadId))),
    resolve: (run) => run,
  }),
);

builder.subscriptionField('viewerThreadsUpdated', (t) =>
  t.field({
    type: ViewerThreadEventRef,
    description:
      'The caller\'s thread list, live: an event when one of their threads is created through the gateway, sees activity (a message, a run, a run changing status) or is deleted, ' +
      'across instances when they share Redis. Sends nothing at the start (read `viewer.threads` first) and never completes by itself. ' +
      'When the server stops, it ends with a SHUTTING_DOWN error (graphql-ws: the socket closes with 1001): subscribe again, and read the list again.',
    args: { scope: t.arg({ type: ViewerThreadScope, defaultValue: 'own', description: 'OWN (default) or, for admins, ALL.' }) },
    subscribe: (_root, args, ctx) => viewerThreadEvents(ctx, directoryOwner(ctx, args.scope)),
    resolve: (event) => event,
  }),
);

function viewerThreadEvents(ctx: GatewayContext, owner: string | undefined): AsyncIterableIterator<ViewerThreadEvent> {
  const queue = new EventQueue<ViewerThreadEvent>();
  return cancellable(queue, viewerThreadEventsFrom(ctx, owner, queue));
}

async function* viewerThreadEventsFrom(ctx: GatewayContext, owner: string | undefined, queue: EventQueue<ViewerThreadEvent>): AsyncGenerator<ViewerThreadEvent> {
  queue.listen((listener) => ctx.services.live.pubsub.listen('viewerThreadUpdated', viewerThreadsTopic(owner), listener), (event: ViewerThreadEvent) => event);
  const unwatch = watchTransport(ctx, queue as EventQueue<unknown>);
  try {
    for (let event = await queue.next(); event; event = await queue.next()) yield event;
  } finally {
    unwatch();
    queue.close();
  }
}

interface TextDelta {
  messageId: string;
  index: number;
  text: string;
}

const TextDeltaRef = builder.objectRef<TextDelta>('MessageTextDelta').implement({
  description: 'A piece of the text of an assistant message, in the order produced. Concatenating the pieces of one message and content index gives its text.',
  fields: (t) => ({
    messageId: t.exposeID('messageId', { description: 'The upstream id of the message (msg_…).' }),
    index: t.exposeInt('index', { description: 'The index of the content part within the message.' }),
    text: t.exposeString('text', { description: 'The text produced since the previous piece.' }),
  }),
});

builder.subscriptionField('runMessageDeltas', (t) =>
  t.field({
    type: TextDeltaRef,
    description:
      'The text of the run\'s assistant messages as it is produced, for chat UIs. Runs created through this gateway are streamed piece by piece; ' +
      'for any other run (or when a stream breaks) the rest of the text arrives when the run ends. Completes when the run reaches a terminal status.',
    args: {
      threadId: t.arg.id({ required: false, description: 'The thread of the run (upstream or global id); not needed with a run\'s global id.' }),
      runId: t.arg.id({ required: true, description: 'The run (upstream id with threadId, or its global id).' }),
    },
    subscribe: (_root, args, ctx) => messageDeltas(ctx, runKeyArgs({ threadId: args.threadId, runId: String(args.runId) })),
    resolve: (delta) => delta,
  }),
);

/** Another tenant's thread (and all in it) is answered like an unknown one, before any poller starts or text is sent. */
async function visible(ctx: GatewayContext, threadId: string, what: string): Promise<void> {
  try {
    await assertThreadAccess(ctx, threadId);
  } catch (error) {
    throw isNotFound(error) ? notFound(what) : error;
  }
}

/**
 * An async generator suspended in `await` only runs its `finally` once that await settles, so a client
 * leaving a quiet run would keep its poller alive. Closing the queue on `return()` wakes it at once.
 * (A class: one of these is held per subscriber, and its methods are shared.)
 */
class Cancellable<T, E> implements AsyncIterableIterator<T> {
  readonly #queue: EventQueue<E>;
  readonly #generator: AsyncGenerator<T>;

  constructor(queue: EventQueue<E>, generator: AsyncGenerator<T>) {
    this.#queue = queue;
    this.#generator = generator;
  }

  next(): Promise<IteratorResult<T>> {
    return this.#generator.next();
  }

  return(value?: unknown): Promise<IteratorResult<T>> {
    this.#queue.close();
    return this.#generator.return(value as T);
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.#queue.close();
    return this.#generator.throw(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

function cancellable<T, E>(queue: EventQueue<E>, generator: AsyncGenerator<T>): AsyncIterableIterator<T> {
  return new Cancellable(queue, generator);
}

function runUpdates(ctx: GatewayContext, key: RunKey): AsyncIterableIterator<RunWire> {
  return new RunUpdates(ctx, key);
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * One subscriber of `runUpdated`: the run now, then every newer state, until one with a terminal status has been
 * sent. An iterator by hand rather than an async generator: one is held per subscriber for as long as it watches.
 * Read with `next()` (SSE), each event costs it one promise; pushed (`pushEvents`, graphql-ws), none: each
 * published state is judged and handed on in the publish's own call. Leaving (`return`) ends it at once, also while
 * it waits for an event.
 */
class RunUpdates implements AsyncIterableIterator<RunWire>, PushableEvents<RunWire> {
  readonly #ctx: GatewayContext;
  readonly #key: RunKey;
  readonly #queue = new EventQueue<RunSnapshot>();
  #unwatch: (() => void) | undefined;
  #started = false;
  #ended = false;
  #acquired = false;
  /** The last state sent had a terminal status: the next call ends. */
  #last = false;
  #version = 0;
  /** The last state sent was a stale re-send (upstream unavailable): the same version, current again, goes out. */
  #stale = false;
  /** Push mode only. */
  #sink: EventSink<RunWire> | undefined;

  constructor(ctx: GatewayContext, key: RunKey) {
    this.#ctx = ctx;
    this.#key = key;
  }

  async next(): Promise<IteratorResult<RunWire>> {
    try {
      if (!this.#started) return await this.#start();
      if (this.#ended || this.#last) return this.#end();
      for (let snapshot = await this.#queue.next(); snapshot; snapshot = await this.#queue.next()) {
        const run = this.#accept(snapshot);
        if (run !== undefined) return { done: false, value: run };
      }
      return this.#end();
    } catch (error) {
      this.#end();
      throw error;
    }
  }

  async return(): Promise<IteratorResult<RunWire>> {
    this.#sink = undefined;
    return this.#end();
  }

  async throw(error?: unknown): Promise<IteratorResult<RunWire>> {
    this.#sink = undefined;
    this.#end();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  [pushEvents](sink: EventSink<RunWire>): void {
    if (this.#started) throw new Error('RunUpdates is read already');
    this.#sink = sink;
    this.#start().then(
      (first) => {
        // Left while joining (`return`): the sink hears nothing more.
        if (this.#sink === undefined) return;
        if (first.done) return this.#endPushed();
        sink.event(first.value);
        if (this.#last) return this.#endPushed();
        if (this.#sink !== undefined) this.#queue.drain((snapshot) => this.#pushed(snapshot), (error) => this.#failPushed(error));
      },
      (error: unknown) => this.#failPushed(error),
    );
  }

  #pushed(snapshot: RunSnapshot): void {
    const sink = this.#sink;
    if (sink === undefined) return;
    let run: RunWire | undefined;
    try {
      run = this.#accept(snapshot);
    } catch (error) {
      this.#failPushed(error);
      return;
    }
    if (run === undefined) return;
    sink.event(run);
    if (this.#last) this.#endPushed();
  }

  /** A pushed subscription ends by itself (a terminal state sent, or left before its first): the sink is told, once. */
  #endPushed(): void {
    const sink = this.#sink;
    if (sink === undefined) return;
    this.#sink = undefined;
    this.#end();
    sink.ended();
  }

  #failPushed(error: unknown): void {
    const sink = this.#sink;
    this.#sink = undefined;
    this.#end();
    sink?.failed(error);
  }

  /**
   * What a published state means for this subscriber: the run to send, or undefined for one it must not get (seen
   * already, or a stale re-send of a state it has). Throws NOT_FOUND when the run is gone.
   */
  #accept(snapshot: RunSnapshot): RunWire | undefined {
    if (snapshot.gone) throw notFound('The run');
    if (snapshot.stale) {
      if (this.#stale || snapshot.version < this.#version) return undefined;
      this.#stale = true;
      return staleView(snapshot.run);
    }
    if (snapshot.version < this.#version || (snapshot.version === this.#version && !this.#stale)) return undefined;
    this.#stale = false;
    this.#version = snapshot.version;
    this.#last = isTerminalRunStatus(snapshot.run.status);
    return snapshot.run;
  }

  /** Listens before anything is read (nothing published meanwhile is lost), checks access, then joins the run's observer. */
  async #start(): Promise<IteratorResult<RunWire>> {
    this.#started = true;
    const { threadId, runId } = this.#key;
    const { runs, pubsub } = this.#ctx.services.live;
    this.#queue.listen((listener) => pubsub.listen('runUpdated', runKey(threadId, runId), listener), (snapshot: RunSnapshot) => snapshot);
    this.#unwatch = watchTransport(this.#ctx, this.#queue as EventQueue<unknown>);
    await visible(this.#ctx, threadId, 'The run');
    if (this.#ended) return DONE;
    const current = await runs.acquire(threadId, runId, this.#ctx.requestContext?.caller);
    if (!current) throw notFound('The run');
    if (this.#ended) {
      // Left while the poller was being joined.
      runs.release(threadId, runId);
      return DONE;
    }
    this.#acquired = true;
    this.#version = current.version;
    this.#last = isTerminalRunStatus(current.run.status);
    return { done: false, value: current.run };
  }

  #end(): IteratorReturnResult<undefined> {
    if (this.#ended) return DONE;
    this.#ended = true;
    this.#unwatch?.();
    this.#queue.close();
    if (this.#acquired) {
      this.#acquired = false;
      this.#ctx.services.live.runs.release(this.#key.threadId, this.#key.runId);
    }
    return DONE;
  }
}

function threadRunUpdates(ctx: GatewayContext, threadId: string): AsyncIterableIterator<RunWire> {
  const queue = new EventQueue<RunSnapshot>();
  return cancellable(queue, threadRunUpdatesFrom(ctx, threadId, queue));
}

async function* threadRunUpdatesFrom(ctx: GatewayContext, threadId: string, queue: EventQueue<RunSnapshot>): AsyncGenerator<RunWire> {
  const { threads, pubsub } = ctx.services.live;
  queue.listen((listener) => pubsub.listen('threadRunUpdated', threadId, listener), (snapshot: RunSnapshot) => snapshot);
  const unwatch = watchTransport(ctx, queue as EventQueue<unknown>);
  let acquired = false;
  try {
    await visible(ctx, threadId, 'The thread');
    const live = await threads.acquire(threadId, ctx.requestContext?.caller);
    if (!live) throw notFound('The thread');
    acquired = true;
    const versions = new Map<string, number>();
    /** Runs whose last state sent was a stale re-send: their current state goes out again, even unchanged. */
    const stale = new Set<string>();
    for (const run of live) {
      versions.set(run.id, ctx.services.live.runs.peek(threadId, run.id)?.version ?? 0);
      yield run;
    }
    for (let snapshot = await queue.next(); snapshot; snapshot = await queue.next()) {
      const id = snapshot.run.id;
      const seen = versions.get(id) ?? 0;
      if (snapshot.gone) continue;
      if (snapshot.stale) {
        if (stale.has(id) || snapshot.version < seen) continue;
        stale.add(id);
        yield staleView(snapshot.run);
        continue;
      }
      if (snapshot.version < seen || (snapshot.version === seen && !stale.has(id))) continue;
      stale.delete(id);
      versions.set(id, snapshot.version);
      yield snapshot.run;
    }
  } finally {
    unwatch();
    queue.close();
    if (acquired) threads.release(threadId);
  }
}

type DeltaOrRun = { kind: 'delta'; event: MessageDeltaEvent | { done: true } } | { kind: 'run'; snapshot: RunSnapshot };

function messageDeltas(ctx: GatewayContext, key: RunKey): AsyncIterableIterator<TextDelta> {
  const queue = new EventQueue<DeltaOrRun>();
  return cancellable(queue, messageDeltasFrom(ctx, key, queue));
}

async function* messageDeltasFrom(ctx: GatewayContext, key: RunKey, queue: EventQueue<DeltaOrRun>): AsyncGenerator<TextDelta> {
  const { runs, pubsub } = ctx.services.live;
  const topic = runKey(key.threadId, key.runId);
  queue.listen((listener) => pubsub.listen('runMessageDelta', topic, listener), (event: MessageDeltaEvent | { done: true }): DeltaOrRun => ({ kind: 'delta', event }));
  queue.listen((listener) => pubsub.listen('runUpdated', topic, listener), (snapshot: RunSnapshot): DeltaOrRun => ({ kind: 'run', snapshot }));
  /** Text sent so far, by message and content index. */
  const sent = new Map<string, string>();
  // Read in the same tick as subscribing above: the text streamed before this subscriber came, and nothing twice.
  const catchUp = ctx.services.live.streamedText(topic);
  const unwatch = watchTransport(ctx, queue as EventQueue<unknown>);
  let acquired = false;
  try {
    await visible(ctx, key.threadId, 'The run');
    for (const delta of catchUp) {
      sent.set(`${delta.messageId}:${delta.index}`, delta.text);
      yield delta;
    }
    // The observer makes sure the run's end is seen, by polling when no stream feeds it.
    const current = await runs.acquire(key.threadId, key.runId, ctx.requestContext?.caller);
    if (!current) throw notFound('The run');
    acquired = true;
    let finished = isTerminalRunStatus(current.run.status);
    while (!finished) {
      const item = await queue.next();
      if (!item) return;
      if (item.kind === 'run') {
        if (item.snapshot.gone) throw notFound('The run');
        finished = isTerminalRunStatus(item.snapshot.run.status);
      } else if ('done' in item.event) {
        finished = true;
      } else {
        const { messageId, index, text } = item.event;
        const sentKey = `${messageId}:${index}`;
        sent.set(sentKey, (sent.get(sentKey) ?? '') + text);
        // The published piece itself, the same object for every subscriber: its execution is shared.
        yield item.event;
      }
    }
    // Whatever the stream did not carry (no stream, a broken one), from the final messages.
    yield* remainingText(ctx, key, sent);
  } finally {
    unwatch();
    queue.close();
    if (acquired) runs.release(key.threadId, key.runId);
  }
}

async function* remainingText(ctx: GatewayContext, key: RunKey, sent: Map<string, string>): AsyncGenerator<TextDelta> {
  const page = await ctx.upstream.listMessages(key.threadId, { run_id: key.runId, order: 'asc', limit: 100 });
  for (const message of page.data as Array<Schemas['MessageObject']>) {
    if (message.role !== 'assistant') continue;
    for (const [index, part] of message.content.entries()) {
      if (part.type !== 'text') continue;
      const full = part.text.value;
      const already = sent.get(`${message.id}:${index}`) ?? '';
      if (full.length > already.length && full.startsWith(already)) yield { messageId: message.id, index, text: full.slice(already.length) };
    }
  }
}
