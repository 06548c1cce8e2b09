import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GraphQLError, type DocumentNode } from 'graphql';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, handleProtocols, makeServer, MessageType, type WebSocket as TransportSocket } from 'graphql-ws';
import { createSchema, createYoga, maskError, type Plugin } from 'graphql-yoga';

/**
 * Canaries for what the gateway takes from its libraries beyond their typed, documented surface. Each test names
 * the gateway code that relies on the behaviour; when one fails after an upgrade, that code must change with it.
 */

const require = createRequire(import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };

describe('pinned libraries', () => {
  it.each(['graphql-ws', 'graphql-yoga'])('%s is pinned to an exact version, and that version is installed', (name) => {
    const pinned = manifest.dependencies[name];
    expect(pinned, `${name} in package.json`).toMatch(/^\d+\.\d+\.\d+$/);
    const installed = (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
    expect(installed).toBe(pinned);
  });
});

const schema = createSchema({
  typeDefs: /* GraphQL */ `
    type Query { hello: String }
  `,
  resolvers: { Query: { hello: () => 'world' } },
});

/** A graphql-ws socket as src/server/ws-transport.ts's Connection is one: it hands graphql-ws its message handler's input. */
function fakeSocket() {
  const sent: unknown[] = [];
  const closed: Array<[number, string]> = [];
  let receive: ((data: string) => Promise<void>) | undefined;
  const socket: TransportSocket = {
    protocol: GRAPHQL_TRANSPORT_WS_PROTOCOL,
    send: async (data) => void sent.push(JSON.parse(data)),
    close: (code, reason) => void closed.push([code ?? 0, reason ?? '']),
    onMessage: (handler) => void (receive = handler),
  };
  return {
    socket,
    sent,
    closed,
    /** What ws-transport.ts does: the parsed message object, through a handler typed for text. */
    receive: (message: unknown) => receive!(message as string),
  };
}

describe('graphql-ws: the message path of src/server/ws-transport.ts', () => {
  afterEach(() => void vi.useRealTimers());

  it('takes a parsed message object where its handler is typed for text (parseMessage parses strings only)', async () => {
    const server = makeServer({ schema, connectionInitWaitTimeout: 0 });
    const client = fakeSocket();
    server.opened(client.socket, {});
    await client.receive({ type: MessageType.ConnectionInit });
    expect(client.sent).toEqual([{ type: MessageType.ConnectionAck }]);
    await client.receive({ id: '1', type: MessageType.Subscribe, payload: { query: '{ hello }' } });
    expect(client.sent.slice(1)).toEqual([
      { id: '1', type: MessageType.Next, payload: { data: { hello: 'world' } } },
      { id: '1', type: MessageType.Complete },
    ]);
    expect(client.closed).toEqual([]);
  });

  it('closes with 4400 "Invalid message received" for an object that is no message (ws-transport.ts closes alike for a non-object)', async () => {
    const server = makeServer({ schema, connectionInitWaitTimeout: 0 });
    const client = fakeSocket();
    server.opened(client.socket, {});
    await client.receive({ type: 'nonsense' });
    expect(client.closed).toEqual([[CloseCode.BadRequest, 'Invalid message received']]);
  });

  it('connectionInitWaitTimeout: 0 starts no timer (ws-transport.ts keeps the initialisation timeout itself)', () => {
    vi.useFakeTimers();
    const client = fakeSocket();
    makeServer({ schema, connectionInitWaitTimeout: 0 }).opened(client.socket, {});
    expect(vi.getTimerCount()).toBe(0);
    makeServer({ schema, connectionInitWaitTimeout: 3_000 }).opened(fakeSocket().socket, {});
    expect(vi.getTimerCount()).toBe(1);
  });

  it('the protocol name, sub-protocol choice and close codes ws-transport.ts uses', () => {
    expect(GRAPHQL_TRANSPORT_WS_PROTOCOL).toBe('graphql-transport-ws');
    expect(handleProtocols(new Set(['graphql-transport-ws']))).toBe('graphql-transport-ws');
    expect(handleProtocols(new Set(['graphql-ws']))).toBe(false);
    expect([CloseCode.BadRequest, CloseCode.InternalServerError, CloseCode.ConnectionInitialisationTimeout]).toEqual([4400, 4500, 4408]);
  });
});

describe('graphql-yoga: the masking hook src/security/masking.ts fills', () => {
  const failing = createSchema({
    typeDefs: /* GraphQL */ `
      type Query { bug: String, typed: String }
    `,
    resolvers: {
      Query: {
        bug: () => Promise.reject(new TypeError('internal detail')),
        typed: () => Promise.reject(new GraphQLError('Nope.', { extensions: { code: 'FORBIDDEN' } })),
      },
    },
  });

  async function run(query: string, maskedErrors: { maskError: (error: unknown, message: string, isDev?: boolean) => Error; errorMessage: string; isDev: boolean }) {
    const logged: unknown[] = [];
    const noop = () => undefined;
    const yoga = createYoga({ schema: failing, maskedErrors, logging: { debug: noop, info: noop, warn: noop, error: (error: unknown) => void logged.push(error) } });
    const response = await yoga.fetch('http://yoga/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    return { body: (await response.json()) as { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }, logged };
  }

  it('calls maskedErrors.maskError(error, errorMessage, isDev) and logs the original once when it changed the error', async () => {
    const calls: Array<[unknown, string, boolean | undefined]> = [];
    const rules = (error: unknown, message: string, isDev?: boolean) => {
      calls.push([error, message, isDev]);
      return maskError(error, message, isDev);
    };
    const { body, logged } = await run('{ bug }', { maskError: rules, errorMessage: 'Masked here.', isDev: false });
    expect(body.errors).toMatchObject([{ message: 'Masked here.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
    expect(calls).toHaveLength(1);
    expect(calls[0]![1]).toBe('Masked here.');
    expect(calls[0]![2]).toBe(false);
    expect(calls[0]![0]).toBeInstanceOf(GraphQLError);
    expect(logged).toEqual([calls[0]![0]]);
  });

  it('an error the rules return unchanged is neither changed nor logged', async () => {
    const { body, logged } = await run('{ typed }', { maskError: (error, message, isDev) => maskError(error, message, isDev), errorMessage: 'Masked here.', isDev: false });
    expect(body.errors).toMatchObject([{ message: 'Nope.', extensions: { code: 'FORBIDDEN' } }]);
    expect(logged).toEqual([]);
  });

  it('its exported maskError: an unmapped error becomes the message with INTERNAL_SERVER_ERROR, details only in development', () => {
    const wrapped = new GraphQLError('wrapped', { originalError: new TypeError('internal detail') });
    const production = maskError(wrapped, 'Unexpected error.', false) as GraphQLError;
    expect(production.message).toBe('Unexpected error.');
    expect(production.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', unexpected: true });
    const development = maskError(wrapped, 'Unexpected error.', true) as GraphQLError;
    expect((development.extensions['originalError'] as { message: string }).message).toBe('internal detail');
    const typed = new GraphQLError('Nope.', { extensions: { code: 'FORBIDDEN' } });
    expect(maskError(typed, 'Unexpected error.', false)).toBe(typed);
  });
});

describe('graphql-yoga / envelop: what the sharing plugins of src/server rely on', () => {
  it('the parse cache gives one DocumentNode per query text (the sharing keys hold documents by identity)', async () => {
    const documents: DocumentNode[] = [];
    const capture: Plugin = { onExecute: ({ args }) => void documents.push(args.document) };
    const yoga = createYoga({ schema, logging: false, plugins: [capture] });
    const ask = (query: string) => yoga.fetch('http://yoga/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    await ask('{ hello }');
    await ask('{ hello }');
    await ask('{ hello  }');
    expect(documents).toHaveLength(3);
    expect(documents[1]).toBe(documents[0]);
    expect(documents[2]).not.toBe(documents[0]);
  });

  it('onSubscribe offers setResultAndStopExecution (src/server/subscription-events.ts hands the stream over with it)', async () => {
    let offered: unknown;
    const probe: Plugin = {
      onSubscribe: ({ setResultAndStopExecution }) => void (offered = setResultAndStopExecution),
    };
    const ticking = createSchema({
      typeDefs: /* GraphQL */ `
        type Query { ok: Boolean }
        type Subscription { tick: Int }
      `,
      resolvers: { Subscription: { tick: { subscribe: async function* () { yield { tick: 1 }; } } } },
    });
    const yoga = createYoga({ schema: ticking, logging: false, plugins: [probe] });
    const { parse, subscribe, contextFactory, schema: enveloped } = yoga.getEnveloped({});
    await subscribe({ schema: enveloped, document: parse('subscription { tick }'), contextValue: await contextFactory() });
    expect(typeof offered).toBe('function');
  });
});
