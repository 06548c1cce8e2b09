import { describe, expect, it } from 'vitest';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { isPushable, pushResults, useSharedSubscriptionEvents, type PushableResults, type SubscriptionObserver } from '../../src/server/subscription-events.js';
import { pushEvents, type EventSink, type PushableEvents } from '../../src/live/event-push.js';
import type { Identity } from '../../src/security/auth.js';
import { adjustableClock, deferred, nextTurn } from '../helpers/wait.js';

interface Ctx {
  identity: Identity;
  /** Set per event execution (fresh loaders in the gateway). */
  event?: number;
}

const alice: Identity = { subject: 'alice', admin: false, method: 'api-key' };
const bob: Identity = { subject: 'bob', admin: false, method: 'api-key' };

const TICKS = /* GraphQL */ `
  subscription ($topic: String!, $by: Int) { tick(topic: $topic) { n times(by: $by) viewer } }
`;

/**
 * A schema whose subscription yields the very payload object published (as the live pubsub does for all subscribers
 * of a run), and whose resolvers count their calls. `tick` refuses the topic "secret" to everyone but alice.
 */
function setup(options: { shareMs?: number; now?: () => number; maskError?: (error: unknown) => unknown; observe?: () => SubscriptionObserver } = {}) {
  const calls = { n: 0, executions: 0, contexts: 0 };
  const listeners = new Map<string, Set<(payload: object) => void>>();
  const publish = (topic: string, payload: object) => {
    for (const listener of listeners.get(topic) ?? []) listener(payload);
  };
  /** Listens at once (as the gateway's EventQueue does), so nothing published after subscribing is missed. */
  function ticks(topic: string): AsyncGenerator<object> {
    const queue: object[] = [];
    let wake: (() => void) | undefined;
    const listener = (payload: object) => {
      queue.push(payload);
      wake?.();
    };
    if (!listeners.has(topic)) listeners.set(topic, new Set());
    listeners.get(topic)!.add(listener);
    return (async function* () {
      try {
        for (;;) {
          while (queue.length > 0) yield queue.shift()!;
          await new Promise<void>((resolve) => (wake = resolve));
        }
      } finally {
        listeners.get(topic)!.delete(listener);
      }
    })();
  }
  const schema = createSchema<Ctx>({
    typeDefs: /* GraphQL */ `
      type Query { ok: Boolean }
      type Tick { n: Int! times(by: Int): Int! viewer: String! event: Int! boom: String }
      type Subscription { tick(topic: String!): Tick! }
    `,
    resolvers: {
      Subscription: {
        tick: {
          subscribe: (_root: unknown, args: { topic: string }, ctx: Ctx) => {
            if (args.topic === 'secret' && ctx.identity.subject !== 'alice') throw new GraphQLError('NOT_FOUND');
            if (args.topic === 'broken') {
              return (async function* () {
                yield { n: 1 };
                throw new Error('internal detail of the source');
              })();
            }
            return ticks(args.topic);
          },
          resolve: (payload: { n: number }) => payload,
        },
      },
      Tick: {
        n: (payload: { n: number }) => {
          calls.n += 1;
          return payload.n;
        },
        times: (payload: { n: number }, args: { by?: number | null }) => payload.n * (args.by ?? 1),
        viewer: (_payload: unknown, _args: unknown, ctx: Ctx) => ctx.identity.subject,
        event: (_payload: unknown, _args: unknown, ctx: Ctx) => ctx.event ?? -1,
        boom: () => {
          throw new Error('internal detail of a field');
        },
      },
    },
  });
  const yoga = createYoga<Record<string, unknown>, Ctx>({
    schema: schema as never,
    logging: false,
    plugins: [
      useSharedSubscriptionEvents<Ctx>({
        eventContext: (ctx) => ({ ...ctx, event: ++calls.contexts }),
        audience: (ctx) => `${ctx.identity.subject}\u0000${ctx.identity.admin}`,
        shareMs: options.shareMs ?? 1_000,
        onExecute: () => void (calls.executions += 1),
        ...(options.maskError ? { maskError: options.maskError } : {}),
        ...(options.observe ? { observe: options.observe } : {}),
        ...(options.now ? { now: options.now } : {}),
      }),
    ],
  });

  /** One subscriber, through yoga's pipeline as the gateway's graphql-ws server runs it. */
  async function subscribe(identity: Identity, variables: Record<string, unknown>, query = TICKS) {
    const { parse, validate, subscribe: run, contextFactory, schema: enveloped } = yoga.getEnveloped({ identity });
    const document = parse(query);
    expect(validate(enveloped, document)).toEqual([]);
    const stream = (await run({ schema: enveloped, document, variableValues: variables, contextValue: await contextFactory() })) as AsyncIterableIterator<ExecutionResult> | ExecutionResult;
    if (!(Symbol.asyncIterator in stream)) return { error: stream, results: [] as ExecutionResult[], next: async () => undefined, close: async () => undefined };
    const results: ExecutionResult[] = [];
    return {
      error: undefined,
      results,
      /** The next result (pulled, as a transport does). */
      async next() {
        const step = await stream.next();
        if (!step.done) results.push(step.value);
        return step.done ? undefined : step.value;
      },
      close: async () => void (await stream.return?.()),
    };
  }

  return { calls, publish, subscribe, listeners };
}

/** Lets pending pulls reach their source (promise callbacks only: no time has to pass). */
const settle = nextTurn;

describe('subscription events shared between subscribers', () => {
  it('N subscribers with the same document, variables and identity: one execution per published event, same result', async () => {
    const { calls, publish, subscribe } = setup();
    const subscribers = await Promise.all(Array.from({ length: 5 }, () => subscribe(alice, { topic: 'run-1' })));
    const first = subscribers.map((s) => s.next());
    await settle();
    publish('run-1', { n: 1 });
    const results = await Promise.all(first);
    expect(calls.executions).toBe(1);
    expect(calls.n).toBe(1);
    for (const result of results) expect(result).toBe(results[0]);
    expect(results[0]).toEqual({ data: { tick: { n: 1, times: 1, viewer: 'alice' } } });

    // The next state is a new payload: executed again, once.
    const second = subscribers.map((s) => s.next());
    publish('run-1', { n: 2 });
    expect((await Promise.all(second)).map((r) => r?.data)).toEqual(Array(5).fill({ tick: { n: 2, times: 2, viewer: 'alice' } }));
    expect(calls.executions).toBe(2);
    await Promise.all(subscribers.map((s) => s.close()));
  });

  it('different variables, documents or identities are executed apart, each with its own answer', async () => {
    const { calls, publish, subscribe } = setup();
    const same = await subscribe(alice, { topic: 'run-1' });
    const otherVariables = await subscribe(alice, { topic: 'run-1', by: 10 });
    const otherIdentity = await subscribe(bob, { topic: 'run-1' });
    const otherDocument = await subscribe(alice, { topic: 'run-1' }, 'subscription ($topic: String!) { tick(topic: $topic) { n viewer } }');
    const sameAgain = await subscribe(alice, { topic: 'run-1' });
    const all = [same, otherVariables, otherIdentity, otherDocument, sameAgain];
    const pending = all.map((s) => s.next());
    await settle();
    publish('run-1', { n: 3 });
    const [a, b, c, d, e] = await Promise.all(pending);
    expect(a?.data).toEqual({ tick: { n: 3, times: 3, viewer: 'alice' } });
    expect(b?.data).toEqual({ tick: { n: 3, times: 30, viewer: 'alice' } });
    expect(c?.data).toEqual({ tick: { n: 3, times: 3, viewer: 'bob' } });
    expect(d?.data).toEqual({ tick: { n: 3, viewer: 'alice' } });
    expect(e).toBe(a);
    expect(calls.executions).toBe(4);
    await Promise.all(all.map((s) => s.close()));
  });

  it('a subscriber refused at subscribe time never gets the result another identity got for the same event', async () => {
    const { calls, publish, subscribe, listeners } = setup();
    const owner = await subscribe(alice, { topic: 'secret' });
    const pending = owner.next();
    await settle();
    publish('secret', { n: 7 });
    expect((await pending)?.data).toEqual({ tick: { n: 7, times: 7, viewer: 'alice' } });
    const intruder = await subscribe(bob, { topic: 'secret' });
    expect(intruder.error?.errors?.[0]?.message).toBe('NOT_FOUND');
    expect(intruder.error?.data).toBeUndefined();
    expect(listeners.get('secret')?.size).toBe(1);
    expect(calls.executions).toBe(1);
    await owner.close();
  });

  it('each execution gets an event context of its own; a late subscriber past shareMs gets a new execution', async () => {
    const clock = adjustableClock();
    const { calls, publish, subscribe } = setup({ shareMs: 30, now: clock.now });
    const early = await subscribe(alice, { topic: 'run-2' }, 'subscription ($topic: String!) { tick(topic: $topic) { event } }');
    const late = await subscribe(alice, { topic: 'run-2' }, 'subscription ($topic: String!) { tick(topic: $topic) { event } }');
    const pendingEarly = early.next();
    await settle();
    const payload = { n: 1 };
    // `late` reads the same published payload only after the share window (as a subscriber joining later gets the current state).
    publish('run-2', payload);
    expect((await pendingEarly)?.data).toEqual({ tick: { event: 1 } });
    clock.advance(60);
    expect((await late.next())?.data).toEqual({ tick: { event: 2 } });
    expect(calls.executions).toBe(2);
    await Promise.all([early, late].map((s) => s.close()));
  });

  it('a result with errors is shared while it runs only, so a later subscriber tries again', async () => {
    const { calls, publish, subscribe } = setup();
    const query = 'subscription ($topic: String!) { tick(topic: $topic) { n } }';
    const a = await subscribe(alice, { topic: 'run-3' }, query);
    const b = await subscribe(alice, { topic: 'run-3' }, query);
    const pendingA = a.next();
    await settle();
    // n is non-null: a payload without it makes the result an error.
    publish('run-3', { n: null });
    expect((await pendingA)?.errors?.length).toBe(1);
    expect((await b.next())?.errors?.length).toBe(1);
    expect(calls.executions).toBe(2);
    await Promise.all([a, b].map((s) => s.close()));
  });

  it('closing a subscriber ends its source (its listener is removed)', async () => {
    const { publish, subscribe, listeners } = setup();
    const s = await subscribe(alice, { topic: 'run-4' });
    const pending = s.next();
    await settle();
    expect(listeners.get('run-4')?.size).toBe(1);
    publish('run-4', { n: 1 });
    await pending;
    await s.close();
    expect(listeners.get('run-4')?.size).toBe(0);
  });

  it('with maskError and observe: results and a failed stream are masked per subscriber, events and the end observed', async () => {
    const ends: string[] = [];
    let events = 0;
    const maskError = (error: unknown) => (error instanceof GraphQLError && !(error.originalError instanceof Error && !(error.originalError instanceof GraphQLError)) ? error : new GraphQLError('Unexpected error.'));
    const { publish, subscribe } = setup({ maskError, observe: () => ({ next: () => void (events += 1), end: (outcome) => void ends.push(outcome) }) });
    const query = 'subscription ($topic: String!) { tick(topic: $topic) { n boom } }';
    const [a, b] = await Promise.all([subscribe(alice, { topic: 'run-1' }, query), subscribe(alice, { topic: 'run-1' }, query)]);
    const pending = [a!.next(), b!.next()];
    await settle();
    publish('run-1', { n: 1 });
    const [ra, rb] = await Promise.all(pending);
    // The shared result is masked for each subscriber (copies), not changed in place.
    expect(ra).toEqual({ data: { tick: { n: 1, boom: null } }, errors: [expect.objectContaining({ message: 'Unexpected error.' })] });
    expect(rb?.errors?.[0]?.message).toBe('Unexpected error.');
    expect(events).toBe(2);
    await a!.close();
    await b!.close();
    expect(ends).toEqual(['ok', 'ok']);

    // A stream that fails: the error the transport sees is masked, and the subscription ends 'failed'.
    const broken = await subscribe(alice, { topic: 'broken' }, 'subscription ($topic: String!) { tick(topic: $topic) { n } }');
    expect(await broken.next()).toEqual({ data: { tick: { n: 1 } } });
    await expect(broken.next()).rejects.toThrow('Unexpected error.');
    expect(ends).toEqual(['ok', 'ok', 'failed']);
    expect(events).toBe(3);

    // An error before any stream is a single result, masked too (not observed: nothing was streamed).
    const refused = await subscribe(bob, { topic: 'secret' });
    expect(refused.error).toEqual({ errors: [expect.objectContaining({ message: 'NOT_FOUND' })] });
  });
});

/**
 * A source that pushes (as runUpdated's does): it listens at once, and hands each published payload to its sink in
 * the publish itself. `next()` must not be called once it is pushed.
 */
class PushedTopic implements PushableEvents<object> {
  sink: EventSink<object> | undefined;
  returned = 0;
  readonly #sources: Set<PushedTopic>;

  constructor(sources: Set<PushedTopic>) {
    this.#sources = sources;
    sources.add(this);
  }

  [pushEvents](sink: EventSink<object>): void {
    this.sink = sink;
  }

  next(): Promise<IteratorResult<object>> {
    return Promise.reject(new Error('a pushed source is not read'));
  }

  async return(): Promise<IteratorResult<object>> {
    this.returned += 1;
    this.sink = undefined;
    this.#sources.delete(this);
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

describe('subscription results pushed from a source that pushes', () => {
  /** `tick` pushes; `slow` is a promise when the payload carries one (an execution that awaits a nested read). */
  function pushedSetup() {
    const sources = new Set<PushedTopic>();
    const ends: string[] = [];
    const counts = { executions: 0, events: 0 };
    const schema = createSchema<Ctx>({
      typeDefs: /* GraphQL */ `
        type Query { ok: Boolean }
        type Tick { n: Int! slow: Int! }
        type Subscription { tick(topic: String!): Tick! }
      `,
      resolvers: {
        Subscription: { tick: { subscribe: () => new PushedTopic(sources), resolve: (payload: object) => payload } },
        Tick: { slow: (payload: { n: number; slow?: Promise<number> }) => payload.slow ?? payload.n },
      },
    });
    const yoga = createYoga<Record<string, unknown>, Ctx>({
      schema: schema as never,
      logging: false,
      plugins: [
        useSharedSubscriptionEvents<Ctx>({
          eventContext: (ctx) => ({ ...ctx }),
          audience: (ctx) => ctx.identity.subject,
          shareMs: 1_000,
          onExecute: () => void (counts.executions += 1),
          maskError: (error) => (error instanceof GraphQLError ? error : new GraphQLError('Unexpected error.')),
          observe: () => ({ next: () => void (counts.events += 1), end: (outcome) => void ends.push(outcome) }),
        }),
      ],
    });
    async function subscribe() {
      const { parse, subscribe: run, contextFactory, schema: enveloped } = yoga.getEnveloped({ identity: alice });
      const stream = await run({ schema: enveloped, document: parse('subscription { tick(topic: "t") { n slow } }'), contextValue: await contextFactory() });
      expect(isPushable(stream)).toBe(true);
      const results = stream as PushableResults;
      const heard: Array<ExecutionResult | string> = [];
      results[pushResults]({
        result: (result) => void heard.push(result),
        failed: (error) => void heard.push(`failed: ${(error as Error).message}`),
        ended: () => void heard.push('ended'),
      });
      return { results, heard, ns: () => heard.map((entry) => (typeof entry === 'string' ? entry : (entry.data as { tick: { slow: number } }).tick.slow)) };
    }
    const publish = (payload: object) => {
      for (const source of [...sources]) source.sink?.event(payload);
    };
    return { sources, ends, counts, subscribe, publish };
  }

  it('results that are there go to the sink in the publish itself, in order, one execution per event for all subscribers', async () => {
    const { counts, subscribe, publish, sources, ends } = pushedSetup();
    const [a, b] = [await subscribe(), await subscribe()];
    publish({ n: 1 });
    publish({ n: 2 });
    // No await: delivered synchronously.
    expect(a.ns()).toEqual([1, 2]);
    expect(b.ns()).toEqual([1, 2]);
    expect(a.heard[0]).toBe(b.heard[0]);
    expect(counts).toEqual({ executions: 2, events: 4 });
    for (const source of [...sources]) source.sink?.ended();
    expect(a.ns()).toEqual([1, 2, 'ended']);
    expect(ends).toEqual(['ok', 'ok']);
  });

  it('a result that is a promise holds the events after it (an end, a failure too) until it is there: nothing is reordered', async () => {
    const { subscribe, publish, sources, ends, counts } = pushedSetup();
    const s = await subscribe();
    const first = deferred<number>();
    const third = deferred<number>();
    publish({ n: 1, slow: first.promise });
    publish({ n: 2 });
    publish({ n: 3, slow: third.promise });
    publish({ n: 4 });
    const [source] = [...sources];
    source!.sink!.failed(new Error('internal detail of the source'));
    third.resolve(30);
    await nextTurn();
    expect(s.heard).toEqual([]);
    first.resolve(10);
    await nextTurn();
    expect(s.ns()).toEqual([10, 2, 30, 4, 'failed: Unexpected error.']);
    expect(ends).toEqual(['failed']);
    expect(counts.events).toBe(4);
    // A failed source is not closed again.
    expect(source!.returned).toBe(0);
  });

  it('a source failing while nothing waits: the masked error at once, the end observed as failed, nothing after', async () => {
    const { subscribe, publish, sources, ends } = pushedSetup();
    const s = await subscribe();
    publish({ n: 1 });
    const [source] = [...sources];
    const sink = source!.sink!;
    sink.failed(new GraphQLError('The run was not found.', { extensions: { code: 'NOT_FOUND' } }));
    sink.event({ n: 2 });
    sink.ended();
    expect(s.ns()).toEqual([1, 'failed: The run was not found.']);
    expect(ends).toEqual(['failed']);
  });

  it('return() ends the source; the sink hears nothing after it, not even a result that was on its way', async () => {
    const { subscribe, publish, sources, ends, counts } = pushedSetup();
    const s = await subscribe();
    const slow = deferred<number>();
    publish({ n: 1 });
    publish({ n: 2, slow: slow.promise });
    publish({ n: 3 });
    const [source] = [...sources];
    const sink = source!.sink!;
    await s.results.return!();
    expect(source!.returned).toBe(1);
    expect(sources.size).toBe(0);
    slow.resolve(20);
    await nextTurn();
    const executions = counts.executions;
    sink.event({ n: 4 });
    sink.ended();
    expect(s.ns()).toEqual([1]);
    expect(ends).toEqual(['ok']);
    // Dropped, not executed for nobody.
    expect(counts.executions).toBe(executions);
  });
});
