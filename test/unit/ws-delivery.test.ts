import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { MessageType, stringifyMessage } from 'graphql-ws';
import { createSchema, createYoga } from 'graphql-yoga';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import type { Identity } from '../../src/security/auth.js';
import type { Security } from '../../src/security/plugins.js';
import type { createWebSocketGuard } from '../../src/security/websocket.js';
import { attachGraphQLWs, SLOW_CONSUMER_CLOSE_CODE } from '../../src/server/graphql-ws.js';
import { useSharedSubscriptionEvents } from '../../src/server/subscription-events.js';
import { nextMessage, nextMessagePrefix, nextPayloadBytes, sharedNextMessage } from '../../src/server/ws-delivery.js';
import { waitUntil } from '../helpers/wait.js';

/** What graphql-ws itself sends for a result (graphql-ws 6.4.2, server `emit.next`). */
function graphqlWsNext(id: string, result: ExecutionResult): string {
  const { errors, ...withoutErrors } = result;
  return stringifyMessage({ id, type: MessageType.Next, payload: { ...withoutErrors, ...(errors ? { errors: errors.map((error) => error.toJSON()) } : {}) } });
}

const frameOf = (id: string, result: ExecutionResult) => nextMessage(nextMessagePrefix(id), nextPayloadBytes(result)).toString('utf8');

describe('next messages built from one serialized payload', () => {
  const withErrors: ExecutionResult = {
    errors: [new GraphQLError('Nope "quoted" \u2028 é', { path: ['tick', 0, 'n'], extensions: { code: 'NOT_FOUND', deep: { list: [1, null] } } })],
    data: { tick: null },
  };
  const cases: Array<[string, ExecutionResult]> = [
    ['1', { data: { tick: { n: 1, text: 'plain' } } }],
    ['a"b\\c', { data: { tick: { n: 2, text: 'ünïcödé 😀 \u0000 control' } } }],
    ['😀-é', withErrors],
    ['x', { data: null, errors: [new GraphQLError('gone')], extensions: { cost: 3 } }],
  ];

  it.each(cases)('is byte for byte what graphql-ws sends (id %j)', (id, result) => {
    const frame = frameOf(id, result);
    expect(frame).toBe(graphqlWsNext(id, result));
    expect(JSON.parse(frame)).toEqual({ id, type: 'next', payload: JSON.parse(graphqlWsNext(id, result)).payload });
  });

  it('serializes a result object once, and never shares bytes between two result objects, even equal ones', () => {
    const result: ExecutionResult = { data: { tick: { n: 1 } } };
    const twin: ExecutionResult = { data: { tick: { n: 1 } } };
    expect(nextPayloadBytes(result)).toBe(nextPayloadBytes(result));
    expect(nextPayloadBytes(twin)).not.toBe(nextPayloadBytes(result));
    // Bytes of its own: not a slice of Node's shared pool that would pin a pool chunk for the result's lifetime.
    expect(nextPayloadBytes(result).buffer.byteLength).toBe(nextPayloadBytes(result).length);
  });

  it('sockets with the same operation id are written one message; other ids get their own, each exactly what graphql-ws sends', () => {
    const result: ExecutionResult = { data: { tick: { n: 5 } } };
    const payload = nextPayloadBytes(result);
    const first = sharedNextMessage(nextMessagePrefix('1'), payload);
    expect(sharedNextMessage(nextMessagePrefix('1'), payload)).toBe(first);
    expect(sharedNextMessage(nextMessagePrefix('1'), nextPayloadBytes({ data: { tick: { n: 5 } } }))).not.toBe(first);
    const ids = ['2', '3', '4', 'e5f0c3f2-uuid', 'another-uuid'];
    for (const id of ids) expect(sharedNextMessage(nextMessagePrefix(id), payload).toString()).toBe(graphqlWsNext(id, result));
    expect(first.toString()).toBe(graphqlWsNext('1', result));
    // Past the bound of kept ids, messages are still right, only built per socket.
    expect(sharedNextMessage(nextMessagePrefix('another-uuid'), payload)).not.toBe(sharedNextMessage(nextMessagePrefix('another-uuid'), payload));
  });
});

interface Ctx {
  identity: Identity;
}

const identityOf = (user: string): Identity => ({ subject: user, admin: false, method: 'api-key' });

/**
 * The gateway's graphql-ws server (attachGraphQLWs) over a small schema: `tick(topic)` yields what `publish`
 * sends (the same object to every subscriber, as the live pubsub does); the caller is `connectionParams.user`.
 * `ticks(topic: "finite")` ends after `end(topic)`; `broken` fails after its first event.
 */
async function startServer(env: Record<string, string> = {}) {
  const listeners = new Map<string, Set<{ push: (payload: object) => void; end: () => void }>>();
  const executions = { count: 0 };
  const publish = (topic: string, payload: object) => {
    for (const listener of listeners.get(topic) ?? []) listener.push(payload);
  };
  const end = (topic: string) => {
    for (const listener of listeners.get(topic) ?? []) listener.end();
  };
  /** Listens at once; `return()` removes the listener at once, also while a read waits (as the gateway's queues do). */
  function ticks(topic: string): AsyncIterableIterator<object> {
    const queue: Array<object | null> = [];
    let wake: ((step: IteratorResult<object>) => void) | undefined;
    const take = (item: object | null): IteratorResult<object> => (item === null ? (stop(), { done: true, value: undefined }) : { done: false, value: item });
    const stop = () => {
      listeners.get(topic)!.delete(listener);
      wake?.({ done: true, value: undefined });
      wake = undefined;
    };
    const listener = {
      push: (payload: object) => (wake ? (wake(take(payload)), (wake = undefined)) : queue.push(payload)),
      end: () => (wake ? (wake(take(null)), (wake = undefined)) : queue.push(null)),
    };
    if (!listeners.has(topic)) listeners.set(topic, new Set());
    listeners.get(topic)!.add(listener);
    return {
      next: () => (queue.length > 0 ? Promise.resolve(take(queue.shift()!)) : new Promise((resolve) => (wake = resolve))),
      return: async () => {
        stop();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
  const schema = createSchema<Ctx>({
    typeDefs: /* GraphQL */ `
      type Query { ok: Boolean }
      type Tick { n: Int! times(by: Int): Int! viewer: String! big: String! }
      type Subscription { tick(topic: String!): Tick! }
    `,
    resolvers: {
      Subscription: {
        tick: {
          subscribe: (_root: unknown, args: { topic: string }, ctx: Ctx) => {
            if (args.topic === 'secret' && ctx.identity.subject !== 'alice') throw new GraphQLError('Not found', { extensions: { code: 'NOT_FOUND' } });
            if (args.topic === 'broken') {
              return (async function* () {
                yield { n: 1 };
                throw new Error('internal detail of the source');
              })();
            }
            return ticks(args.topic);
          },
          resolve: (payload: object) => payload,
        },
      },
      Tick: {
        times: (payload: { n: number }, args: { by?: number | null }) => payload.n * (args.by ?? 1),
        viewer: (_payload: unknown, _args: unknown, ctx: Ctx) => ctx.identity.subject,
        big: (payload: { n: number }) => 'x'.repeat(64 * 1024) + String(payload.n),
      },
    },
  });
  const yoga = createYoga<Record<string, unknown>, Ctx>({
    schema: schema as never,
    logging: false,
    context: (initial) => ({ identity: (initial as unknown as { identity: Identity }).identity }),
    plugins: [
      useSharedSubscriptionEvents<Ctx>({
        eventContext: (ctx) => ({ ...ctx }),
        audience: (ctx) => `${ctx.identity.subject}\u0000${ctx.identity.admin}`,
        shareMs: 1_000,
        onExecute: () => void (executions.count += 1),
        maskError: (error) => (error instanceof GraphQLError && error.extensions['code'] ? error : new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })),
      }),
    ],
  });
  const identities = new WeakMap<object, Identity>();
  const guard = {
    verifyClient: (_info: unknown, done: (result: boolean) => void) => done(true),
    onConnect: (ctx: { extra: { socket: object }; connectionParams?: Record<string, unknown> }) => {
      identities.set(ctx.extra.socket, identityOf(String(ctx.connectionParams?.['user'] ?? 'anonymous')));
      return true;
    },
    identityOf: (socket: object) => identities.get(socket)!,
  } as unknown as ReturnType<typeof createWebSocketGuard>;
  const server: Server = createServer();
  const config = loadConfig({ WS_KEEPALIVE_MS: '600000', ...env });
  const { disposable } = attachGraphQLWs(server, { config, path: '/graphql', yoga: yoga as never, security: { persisted: undefined } as unknown as Security, guard });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return {
    url,
    publish,
    end,
    executions,
    listeners,
    close: async () => {
      await disposable.dispose();
      server.close();
    },
  };
}

/** A client speaking graphql-transport-ws by hand: every frame it gets, raw and parsed. */
async function connect(url: string, user: string) {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const raw: string[] = [];
  socket.on('message', (data) => raw.push(String(data)));
  await once(socket, 'open');
  socket.send(JSON.stringify({ type: 'connection_init', payload: { user } }));
  await waitUntil(() => raw.some((frame) => JSON.parse(frame).type === 'connection_ack'));
  return {
    socket,
    raw,
    messages: (id: string) => raw.map((frame) => JSON.parse(frame) as { id?: string; type: string; payload?: any }).filter((message) => message.id === id),
    subscribe(id: string, variables: Record<string, unknown>, query = 'subscription ($topic: String!, $by: Int) { tick(topic: $topic) { n times(by: $by) viewer } }') {
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    },
  };
}

describe('graphql-ws subscriptions written from shared payloads', () => {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  const sockets: WebSocket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.terminate();
    await server?.close();
    server = undefined;
  });
  const client = async (user: string) => {
    const c = await connect(server!.url, user);
    sockets.push(c.socket);
    return c;
  };

  it('each subscriber gets the frames of its own operation and caller, in order; one execution per distinct operation and event', async () => {
    server = await startServer();
    const alice1 = await client('alice');
    const alice2 = await client('alice');
    const alice3 = await client('alice');
    const bob = await client('bob');
    alice1.subscribe('1', { topic: 't', by: 1 });
    alice2.subscribe('a"😀', { topic: 't', by: 1 });
    alice3.subscribe('1', { topic: 't', by: 2 });
    bob.subscribe('1', { topic: 't', by: 1 });
    await waitUntil(() => server!.listeners.get('t')?.size === 4);
    for (let n = 1; n <= 30; n++) server.publish('t', { n });
    const all = [alice1, alice2, alice3, bob];
    await waitUntil(() => alice1.messages('1').length === 30 && alice2.messages('a"😀').length === 30 && alice3.messages('1').length === 30 && bob.messages('1').length === 30);

    const ns = Array.from({ length: 30 }, (_, i) => i + 1);
    expect(alice1.messages('1').map((m) => m.payload)).toEqual(ns.map((n) => ({ data: { tick: { n, times: n, viewer: 'alice' } } })));
    expect(alice2.messages('a"😀').map((m) => m.payload)).toEqual(ns.map((n) => ({ data: { tick: { n, times: n, viewer: 'alice' } } })));
    // Other variables: never the result of by: 1.
    expect(alice3.messages('1').map((m) => m.payload)).toEqual(ns.map((n) => ({ data: { tick: { n, times: 2 * n, viewer: 'alice' } } })));
    // Another caller: never alice's result.
    expect(bob.messages('1').map((m) => m.payload)).toEqual(ns.map((n) => ({ data: { tick: { n, times: n, viewer: 'bob' } } })));
    // Every frame is exactly what graphql-ws would have sent for it.
    for (const c of all) for (const frame of c.raw.filter((f) => JSON.parse(f).type === 'next')) {
      const message = JSON.parse(frame) as { id: string; payload: ExecutionResult };
      expect(frame).toBe(graphqlWsNext(message.id, message.payload));
    }
    // alice1 and alice2 share one execution per event; alice3 (other variables) and bob (other caller) one each.
    expect(server.executions.count).toBe(3 * 30);

    // One more event: one JSON.stringify per distinct result (3), none of a whole message per socket (4 sockets).
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      server.publish('t', { n: 31 });
      await waitUntil(() => all.every((c) => c.raw.some((frame) => frame.includes('"n":31'))));
      const args = stringify.mock.calls.map(([value]) => value as { type?: string; data?: { tick?: unknown } } | undefined);
      expect(args.filter((value) => value?.type === 'next')).toHaveLength(0);
      expect(args.filter((value) => value?.data?.tick !== undefined)).toHaveLength(3);
    } finally {
      stringify.mockRestore();
    }
  });

  it('a subscriber refused at subscribe time gets its error, and none of the events another caller gets', async () => {
    server = await startServer();
    const alice = await client('alice');
    const bob = await client('bob');
    alice.subscribe('1', { topic: 'secret' });
    bob.subscribe('1', { topic: 'secret' });
    await waitUntil(() => server!.listeners.get('secret')?.size === 1 && bob.messages('1').length > 0);
    server.publish('secret', { n: 7 });
    await waitUntil(() => alice.messages('1').length === 1);
    expect(alice.messages('1')[0]!.payload).toEqual({ data: { tick: { n: 7, times: 7, viewer: 'alice' } } });
    expect(bob.messages('1').map((m) => m.type)).toEqual(['next', 'complete']);
    expect(bob.messages('1')[0]!.payload).toEqual({ errors: [expect.objectContaining({ message: 'Not found', extensions: { code: 'NOT_FOUND' } })] });
  });

  it('a stream that ends sends complete after its results; one that fails sends its masked error; the client completing stops the source', async () => {
    server = await startServer();
    const c = await client('alice');
    c.subscribe('ends', { topic: 'finite' });
    c.subscribe('fails', { topic: 'broken' });
    c.subscribe('left', { topic: 'quiet' });
    await waitUntil(() => server!.listeners.get('finite')?.size === 1 && server!.listeners.get('quiet')?.size === 1);
    server.publish('finite', { n: 1 });
    server.publish('finite', { n: 2 });
    server.end('finite');
    await waitUntil(() => c.messages('ends').length === 3 && c.messages('fails').length === 2);
    expect(c.messages('ends').map((m) => [m.type, m.payload?.data?.tick?.n])).toEqual([['next', 1], ['next', 2], ['complete', undefined]]);
    expect(c.messages('fails').map((m) => m.type)).toEqual(['next', 'error']);
    expect(c.messages('fails')[1]!.payload).toEqual([expect.objectContaining({ message: 'Unexpected error.' })]);
    expect(JSON.stringify(c.raw)).not.toContain('internal detail');

    c.socket.send(JSON.stringify({ id: 'left', type: 'complete' }));
    await waitUntil(() => server!.listeners.get('quiet')?.size === 0);
    server.publish('quiet', { n: 1 });
    // The same id can run again: its operation ended on the server.
    c.subscribe('left', { topic: 'finite' });
    await waitUntil(() => server!.listeners.get('finite')?.size === 1);
    server.publish('finite', { n: 9 });
    await waitUntil(() => c.messages('left').length === 1);
    expect(c.messages('left')[0]!.payload.data.tick.n).toBe(9);
  });

  it('a socket closing ends its subscriptions (their sources are closed)', async () => {
    server = await startServer();
    const c = await client('alice');
    c.subscribe('1', { topic: 'q' });
    c.subscribe('2', { topic: 'q', by: 3 });
    await waitUntil(() => server!.listeners.get('q')?.size === 2);
    c.socket.close(1000);
    await waitUntil(() => server!.listeners.get('q')?.size === 0);
  });

  it('keep-alive on one timer: each connection is pinged once a period; one that does not answer is dropped, the others stay', async () => {
    server = await startServer({ WS_KEEPALIVE_MS: '100' });
    const started = Date.now();
    const answering = await Promise.all(Array.from({ length: 5 }, () => client('alice')));
    const pings = answering.map(() => [] as number[]);
    answering.forEach((c, i) => c.socket.on('ping', () => pings[i]!.push(Date.now() - started)));
    const silent = new WebSocket(server.url, 'graphql-transport-ws', { autoPong: false });
    sockets.push(silent);
    await once(silent, 'open');
    const silentClosed = once(silent, 'close');
    const [code] = (await silentClosed) as [number];
    const droppedAfter = Date.now() - started;
    expect(code).toBe(1006);
    // Pinged within a period, dropped at the next ping: about two periods (the wheel's slots are a tenth of one).
    expect(droppedAfter).toBeGreaterThanOrEqual(170);
    await waitUntil(() => pings.every((times) => times.length >= 4));
    for (const c of answering) expect(c.socket.readyState).toBe(WebSocket.OPEN);
    for (const times of pings) {
      const gaps = times.slice(1).map((at, i) => at - times[i]!);
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(80);
    }
  });

  it('a subscriber that stops reading is closed with 1008 once its buffer passes the bound; the others keep getting events', { timeout: 30_000 }, async () => {
    server = await startServer({ WS_MAX_BUFFERED_BYTES: '65536' });
    const slow = await client('alice');
    const fast = await client('alice');
    const query = 'subscription ($topic: String!) { tick(topic: $topic) { n big } }';
    slow.subscribe('1', { topic: 'big' }, query);
    fast.subscribe('1', { topic: 'big' }, query);
    await waitUntil(() => server!.listeners.get('big')?.size === 2);
    (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const closed = once(slow.socket, 'close');
    // 64 KiB a result, 25 MiB in all: more than the kernel's buffers on loopback hold, so the gateway's own fills.
    const events = 400;
    for (let n = 1; n <= events; n++) {
      server.publish('big', { n });
      if (n % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await waitUntil(() => fast.messages('1').length === events, 20_000);
    (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    const [code] = (await closed) as [number];
    expect(code).toBe(SLOW_CONSUMER_CLOSE_CODE);
    expect(fast.messages('1').map((m) => m.payload.data.tick.n)).toEqual(Array.from({ length: events }, (_, i) => i + 1));
    // What reached the slow one before its close: far fewer than were published, the rest never buffered.
    expect(slow.messages('1').length).toBeLessThan(events);
  });
});
