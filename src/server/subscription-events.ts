import { hashKey } from './operation-key.js';
import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isPushableEvents, pushEvents, type EventSink } from '../live/event-push.js';

type MaybePromise<T> = T | Promise<T>;

export interface SubscriptionEventOptions<C> {
  /** The context one event is executed with, made from the subscriber's (fresh loaders: a subscription's would serve stale data). */
  eventContext(context: C): C;
  /** Who a result is for (what access checks depend on): subscribers with different audiences never share a result. */
  audience(context: C): string;
  /**
   * How long (ms) a finished result of an event is reused for another subscriber of the same event and operation.
   * A subscriber that joins later than this gets an execution of its own (its nested reads may have changed).
   * Executions still running are always joined.
   */
  shareMs: number;
  /** Executions of subscription events, shared ones counted once (tests). */
  onExecute?: () => void;
  /** The clock of `shareMs` (tests move it instead of waiting). @default Date.now */
  now?: () => number;
  /**
   * Masks an error of a result or of a failed stream (yoga's masked errors: `maskError(error, errorMessage)`).
   * When given, this plugin hands the subscription's stream to envelop itself and the subscribe hooks of the plugins
   * after it (yoga's error masking) do not run: a hook that wraps the stream costs every subscriber three iterators,
   * five arrays and a dozen closures for as long as it runs.
   */
  maskError?: (error: unknown) => unknown;
  /** Told of each event a subscription delivers and of its end (observability); asked once per subscription. */
  observe?: (args: ExecutionArgs) => SubscriptionObserver | undefined;
}

/** What observes one subscription's stream. */
export interface SubscriptionObserver {
  next(): void;
  end(outcome: 'ok' | 'failed'): void;
}

/** Request cancellation (yoga's test): not masked, as yoga's own subscribe hook rethrows it. */
const isAbortError = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && error.constructor?.name === 'DOMException' && ((error as Error).name === 'AbortError' || (error as Error).name === 'TimeoutError');

interface Shared {
  at: number;
  result: MaybePromise<ExecutionResult>;
  running: boolean;
}

const isPromise = <T>(value: MaybePromise<T>): value is Promise<T> => typeof (value as { then?: unknown } | null)?.then === 'function';
const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> => typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/**
 * Executes the events of subscriptions ("ExecuteSubscriptionEvent"), once per event and distinct operation:
 * the subscribers of one run that sent the same document (yoga's parse cache gives one DocumentNode per text), the
 * same operation name and variables, and have the same audience, get the same result object for a published
 * state. 10,000 subscribers over 100 runs with one query cost 100 executions per round of changes, not 10,000.
 *
 * Everything per subscriber stays per subscriber: the access check and poller at subscribe time, which events it
 * gets and when it completes (the subscribe resolver's iterator), its plugins' hooks and its transport. A result is
 * read-only downstream (error masking and the transports copy, they do not mutate).
 *
 * Replaces `useExtendContextValuePerExecuteSubscriptionEvent`, which executed every event once per subscriber.
 */
export function useSharedSubscriptionEvents<C extends object>(options: SubscriptionEventOptions<C>): Plugin<C> {
  const { shareMs } = options;
  const clock = options.now ?? Date.now;
  /** Published event (the payload object every subscriber's iterator yields) → operation key → result. */
  const shared = new WeakMap<object, Map<string, Shared>>();
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 0;
  /** One string per distinct key, since every subscription holds its key (bounded: forgotten past 10,000). */
  const keys = new Map<string, string>();
  const intern = (key: string): string => {
    const known = keys.get(key);
    if (known !== undefined) return known;
    if (keys.size >= 10_000) keys.clear();
    keys.set(key, key);
    return key;
  };

  /** What a result depends on besides the event; undefined when the variables cannot be keyed (never shared). */
  const operationKey = (args: ExecutionArgs): string | undefined => {
    let documentId = documentIds.get(args.document);
    if (documentId === undefined) documentIds.set(args.document, (documentId = nextDocumentId++));
    let variables: string;
    try {
      // Hashed: every subscription holds its key, and its variables may be up to a WebSocket frame (1 MiB) long.
      variables = hashKey(JSON.stringify(args.variableValues ?? null));
    } catch {
      return undefined;
    }
    return intern(`${documentId}\u0000${args.operationName ?? ''}\u0000${options.audience(args.contextValue as C)}\u0000${variables}`);
  };

  const run = (args: ExecutionArgs, payload: unknown): MaybePromise<ExecutionResult> => {
    options.onExecute?.();
    return execute({
      schema: args.schema,
      document: args.document,
      rootValue: payload,
      contextValue: options.eventContext(args.contextValue as C),
      variableValues: args.variableValues,
      operationName: args.operationName,
      fieldResolver: args.fieldResolver,
    });
  };

  const executeEvent = (args: ExecutionArgs, key: string | undefined, payload: unknown): MaybePromise<ExecutionResult> => {
    if (key === undefined || typeof payload !== 'object' || payload === null) return run(args, payload);
    let byKey = shared.get(payload);
    if (!byKey) shared.set(payload, (byKey = new Map()));
    const now = clock();
    const hit = byKey.get(key);
    if (hit && (hit.running || now - hit.at < shareMs)) return hit.result;
    const result = run(args, payload);
    const entry: Shared = { at: now, result, running: isPromise(result) };
    const entries = byKey;
    // A result with errors (an upstream failure in a nested read) is shared while it runs only: later subscribers try again.
    const settle = (value: ExecutionResult | undefined) => {
      entry.running = false;
      // Later subscribers of this event take the result itself, not a promise of it (one less per subscriber).
      if (value !== undefined) entry.result = value;
      if ((value === undefined || value.errors?.length) && entries.get(key) === entry) entries.delete(key);
    };
    if (isPromise(result)) result.then(settle, () => settle(undefined));
    else if (result.errors?.length) return result;
    entries.set(key, entry);
    return result;
  };

  const { maskError, observe } = options;
  const maskResult = (result: ExecutionResult): ExecutionResult =>
    maskError && result.errors != null ? { ...result, errors: result.errors.map((error) => maskError(error) as GraphQLError) } : result;
  const subscribe = (args: ExecutionArgs) => {
    const source = createSourceEventStream(args.schema, args.document, args.rootValue, args.contextValue, args.variableValues ?? undefined, args.operationName, args.subscribeFieldResolver);
    const map = (stream: AsyncIterable<unknown> | ExecutionResult) => {
      if (!isAsyncIterable(stream)) return maskResult(stream);
      // Keyed once per subscription, when its first event comes.
      let key: string | undefined | null = null;
      return new EventResults(
        stream[Symbol.asyncIterator](),
        (payload) => executeEvent(args, key === null ? (key = operationKey(args)) : key, payload),
        observe?.(args),
        maskError,
      );
    };
    return isPromise(source) ? source.then(map) : map(source);
  };

  return {
    onSubscribe({ args, setSubscribeFn, setResultAndStopExecution }) {
      if (maskError) setResultAndStopExecution(subscribe(args) as never);
      else setSubscribeFn(subscribe as never);
    },
  };
}

/**
 * Where a subscription's results go when they are pushed rather than read (`pushResults`): called in order, one
 * result at a time; `failed` or `ended` once, last.
 */
export interface ResultSink {
  result(result: ExecutionResult): void;
  /** The stream failed: the error as the subscriber sees it (masked). The source is closed already. */
  failed(error: unknown): void;
  ended(): void;
}

/**
 * `results[pushResults](sink)` hands every result of a subscription to `sink` as it is there, instead of one
 * `next()` promise per event for the reader. Only the iterators of this plugin have it; a transport that finds it
 * uses it (graphql-ws does, src/server/ws-delivery.ts), other readers (SSE) read the iterator as before.
 * `return()` still ends the subscription (and its source); the sink hears nothing after it.
 */
export const pushResults: unique symbol = Symbol('pushResults');

export interface PushableResults extends AsyncIterableIterator<ExecutionResult> {
  [pushResults](sink: ResultSink): void;
}

export const isPushable = (value: unknown): value is PushableResults => typeof (value as Partial<PushableResults> | null)?.[pushResults] === 'function';

/** What a pushed source handed on while a result mapped to a promise was awaited: held, in order, behind it. */
type Held = { readonly value: unknown } | { readonly error: unknown } | typeof SOURCE_ENDED;
const SOURCE_ENDED = Symbol('source ended');

/**
 * The results of one subscription: each event of the source mapped through `map` (as graphql-js's mapAsyncIterator
 * does: when mapping fails, the source is closed and the error thrown).
 *
 * Pushed (`pushResults`), it is its source's sink when the source pushes too (`pushEvents`, runUpdated's): an event
 * whose result is there already (a shared one usually is) goes to the sink in the publish's own call, no promise at
 * all; one whose result is a promise holds the events after it until it settles. Other sources are read with one
 * `next()` at a time. `event`, `failed` and `ended` are for the source only.
 */
class EventResults implements PushableResults, EventSink<unknown> {
  readonly #source: AsyncIterator<unknown>;
  readonly #map: (payload: unknown) => MaybePromise<ExecutionResult>;
  #observer: SubscriptionObserver | undefined;
  readonly #maskError: ((error: unknown) => unknown) | undefined;
  /** Push mode only (`pushResults`); undefined again once it was told its last word, or the subscription left. */
  #sink: ResultSink | undefined;
  /** Push mode: the source is read with `next()` (it cannot push), one event at a time. */
  #pulling = false;
  /** Push mode: failed, ended or left; what the source hands on after is dropped. */
  #stopped = false;
  /** Push mode: set while a result that is a promise is awaited. */
  #held: Held[] | undefined;
  #onStep: ((step: IteratorResult<unknown>) => void) | undefined;
  #onSourceError: ((error: unknown) => void) | undefined;

  constructor(source: AsyncIterator<unknown>, map: (payload: unknown) => MaybePromise<ExecutionResult>, observer?: SubscriptionObserver, maskError?: (error: unknown) => unknown) {
    this.#source = source;
    this.#map = map;
    this.#observer = observer;
    this.#maskError = maskError;
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    // No async function: a shared result is usually there already, and each await would cost every subscriber a promise.
    return this.#source.next().then(
      (step) => {
        if (step.done) {
          this.#end('ok');
          return step as IteratorReturnResult<undefined>;
        }
        let mapped: MaybePromise<ExecutionResult>;
        try {
          mapped = this.#map(step.value);
        } catch (error) {
          return this.#fail(error);
        }
        if (!isPromise(mapped)) return { done: false, value: this.#deliver(mapped) };
        return mapped.then(
          (value) => ({ done: false, value: this.#deliver(value) }),
          (error: unknown) => this.#fail(error),
        );
      },
      (error: unknown) => {
        throw this.#failed(error);
      },
    );
  }

  /** One result for this subscriber (a shared result is not changed: masking copies). */
  #deliver(result: ExecutionResult): ExecutionResult {
    this.#observer?.next();
    const maskError = this.#maskError;
    return maskError && result.errors != null ? { ...result, errors: result.errors.map((error) => maskError(error) as GraphQLError) } : result;
  }

  #end(outcome: 'ok' | 'failed'): void {
    const observer = this.#observer;
    this.#observer = undefined;
    observer?.end(outcome);
  }

  /** The stream failed: the error the subscriber sees. */
  #failed(error: unknown): unknown {
    this.#end('failed');
    return this.#maskError && !isAbortError(error) ? this.#maskError(error) : error;
  }

  async #fail(error: unknown): Promise<never> {
    await this.#close();
    throw this.#failed(error);
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.#stopped = true;
    this.#sink = this.#held = undefined;
    this.#end('ok');
    await this.#close();
    return { done: true, value: undefined };
  }

  async throw(error?: unknown): Promise<IteratorResult<ExecutionResult>> {
    if (typeof this.#source.throw !== 'function') {
      await this.#close();
      throw error;
    }
    const step = await this.#source.throw(error);
    return step.done ? (step as IteratorReturnResult<undefined>) : { done: false, value: this.#deliver(await this.#map(step.value)) };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /**
   * Push mode: hands each mapped result to `sink`, in the order of the source's events. A source that pushes is
   * told to push to this; any other is read, one promise per event (its callbacks made once, here).
   */
  [pushResults](sink: ResultSink): void {
    this.#sink = sink;
    const source = this.#source;
    if (isPushableEvents(source)) {
      source[pushEvents](this);
      return;
    }
    this.#pulling = true;
    this.#onStep = (step) => (step.done ? this.ended() : this.event(step.value));
    this.#onSourceError = (error) => this.failed(error);
    this.#pull();
  }

  #pull(): void {
    this.#source.next().then(this.#onStep, this.#onSourceError);
  }

  /** The source's next event (push mode). */
  event(value: unknown): void {
    if (this.#stopped) return;
    if (this.#held !== undefined) this.#held.push({ value });
    else this.#handle(value);
    if (this.#pulling && !this.#stopped && this.#held === undefined) this.#pull();
  }

  /** The source failed (push mode): as when `next` rejects, the source is not closed again. */
  failed(error: unknown): void {
    if (this.#stopped) return;
    if (this.#held !== undefined) this.#held.push({ error });
    else this.#stop(error, false);
  }

  ended(): void {
    if (this.#stopped) return;
    if (this.#held !== undefined) this.#held.push(SOURCE_ENDED);
    else this.#ended();
  }

  #ended(): void {
    this.#stopped = true;
    const sink = this.#sink;
    this.#sink = undefined;
    this.#end('ok');
    sink?.ended();
  }

  /** Maps one event and hands its result on; a result that is a promise holds the events after it until it settles. */
  #handle(value: unknown): void {
    let mapped: MaybePromise<ExecutionResult>;
    try {
      mapped = this.#map(value);
    } catch (error) {
      this.#stop(error, true);
      return;
    }
    if (!isPromise(mapped)) {
      this.#hand(mapped);
      return;
    }
    this.#held = [];
    mapped.then(
      (result) => this.#settled(result),
      (error: unknown) => this.#stop(error, true),
    );
  }

  #hand(result: ExecutionResult): void {
    let delivered: ExecutionResult;
    try {
      delivered = this.#deliver(result);
    } catch (error) {
      this.#stop(error, true);
      return;
    }
    this.#sink?.result(delivered);
  }

  /** A result that was a promise is there: it goes out, then what was held behind it, until another is a promise. */
  #settled(result: ExecutionResult): void {
    if (this.#stopped) return;
    this.#hand(result);
    const held = this.#held ?? [];
    this.#held = undefined;
    for (let index = 0; index < held.length; index++) {
      if (this.#stopped) return;
      const next = held[index]!;
      if (next === SOURCE_ENDED) return this.#ended();
      if ('error' in next) return this.#stop(next.error, false);
      this.#handle(next.value);
      if (this.#held !== undefined) {
        // Another promise: the rest waits behind it (before anything the source handed on meanwhile).
        this.#held = [...held.slice(index + 1), ...this.#held];
        return;
      }
    }
    if (this.#pulling && !this.#stopped) this.#pull();
  }

  /** As `next` fails: the source is closed first when mapping failed, the sink gets what the subscriber sees. */
  #stop(error: unknown, closeSource: boolean): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#held = undefined;
    if (!closeSource) return this.#tellFailed(error);
    void this.#close().then(() => this.#tellFailed(error));
  }

  #tellFailed(error: unknown): void {
    const sink = this.#sink;
    if (sink === undefined) return;
    this.#sink = undefined;
    sink.failed(this.#failed(error));
  }

  async #close(): Promise<void> {
    try {
      await this.#source.return?.();
    } catch {
      // closing is best effort, as in graphql-js
    }
  }
}
