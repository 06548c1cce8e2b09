import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createWsClient, subscribeWs } from '../helpers/live-clients.js';
import type { Stack } from '../helpers/stack.js';
import { startStack } from '../helpers/stack.js';
import { waitUntil } from '../helpers/wait.js';
import { createAssistant, createRun, createThread } from '../helpers/fixtures.js';
import { JWT_AUDIENCE, JWT_ISSUER, KEYS, jwtKit, startSecureStack, stillServes, upstreamCalls } from './helpers.js';

/** Checklist C (21–31): graphql-ws close codes, no crash, bounded state. */

const PROTOCOL = 'graphql-transport-ws';

interface Raw {
  socket: WebSocket;
  messages: Array<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
}

async function raw(stack: Stack, options: { protocol?: string | null; origin?: string; autoPong?: boolean } = {}): Promise<Raw> {
  const protocols = options.protocol === null ? [] : [options.protocol ?? PROTOCOL];
  const socket = new WebSocket(stack.gateway.wsUrl, protocols, { ...(options.origin ? { origin: options.origin } : {}), autoPong: options.autoPong ?? true });
  const messages: Array<Record<string, unknown>> = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
  socket.on('error', () => undefined);
  const closed = once(socket, 'close').then(([code, reason]) => ({ code: code as number, reason: String(reason) }));
  await once(socket, 'open');
  return { socket, messages, closed };
}

async function acked(stack: Stack, payload?: Record<string, unknown>): Promise<Raw> {
  const connection = await raw(stack);
  connection.socket.send(JSON.stringify({ type: 'connection_init', ...(payload ? { payload } : {}) }));
  await waitUntil(() => connection.messages.some((message) => message['type'] === 'connection_ack'));
  return connection;
}

describe('WebSocket abuse', () => {
  const cleanup: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    while (cleanup.length > 0) await cleanup.pop()!();
  });
  async function stack(env: Record<string, string> = {}, secure = false): Promise<Stack> {
    const started = secure ? await startSecureStack(env, { runsApi: { stepMs: 100 } }) : await startStack({ env, runsApi: { stepMs: 100 } });
    cleanup.push(() => started.close());
    return started;
  }

  it('21: a missing or unknown subprotocol is closed with 4406', async () => {
    const s = await stack();
    // (A client asking only for an unknown one gets no subprotocol back and gives up itself.)
    const { closed } = await raw(s, { protocol: null });
    expect((await closed).code).toBe(4406);
    expect(await stillServes(s)).toBe(true);
  });

  it('22: a second connection_init is closed with 4429 (and a silent one with 4408)', async () => {
    const s = await stack({ WS_CONNECTION_INIT_TIMEOUT_MS: '200' });
    const connection = await acked(s);
    connection.socket.send(JSON.stringify({ type: 'connection_init' }));
    expect((await connection.closed).code).toBe(4429);
    const silent = await raw(s);
    expect((await silent.closed).code).toBe(4408);
  });

  it('23: subscribe before the ack is 4401; an invalid message is 4400; neither reaches the upstream', async () => {
    const s = await stack();
    const { result, calls } = await upstreamCalls(s, async () => {
      const early = await raw(s);
      early.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ assistants(first: 1) { edges { cursor } } }' } }));
      const invalid = await acked(s);
      invalid.socket.send(JSON.stringify({ type: 'subscribe', id: 7, payload: 'nope' }));
      const garbage = await acked(s);
      garbage.socket.send('not json at all');
      return [await early.closed, await invalid.closed, await garbage.closed];
    });
    expect(result.map((closed) => closed.code)).toEqual([4401, 4400, 4400]);
    expect(calls).toBe(0);
  });

  it('24: a duplicate subscription id is closed with 4409', async () => {
    const s = await stack();
    const assistant = await createAssistant(s.api, { tools: [{ type: 'function', function: { name: 'wait' } }] });
    const thread = await createThread(s.api);
    const run = await createRun(s.api, thread.id, { assistant_id: assistant.id });
    const connection = await acked(s);
    const subscribe = { id: 'same', type: 'subscribe', payload: { query: 'subscription($t: ID!, $r: ID!) { runUpdated(threadId: $t, runId: $r) { status } }', variables: { t: thread.id, r: run.id } } };
    connection.socket.send(JSON.stringify(subscribe));
    await waitUntil(() => connection.messages.some((message) => message['type'] === 'next'));
    connection.socket.send(JSON.stringify(subscribe));
    expect((await connection.closed).code).toBe(4409);
    await waitUntil(() => s.gateway.services.live.runs.size === 0);
  });

  it('25: a missing or bad key at init is 4403 before any upstream call; an expiring token closes the socket', async () => {
    const s = await stack({}, true);
    const { result, calls } = await upstreamCalls(s, async () => {
      const codes = [];
      for (const payload of [undefined, { authorization: 'Bearer wrong-key-0123456789abcdef' }, { authorization: KEYS.alice }]) {
        const connection = await raw(s);
        connection.socket.send(JSON.stringify({ type: 'connection_init', ...(payload ? { payload } : {}) }));
        codes.push((await connection.closed).code);
      }
      return codes;
    });
    expect(result).toEqual([4403, 4403, 4403]);
    expect(calls).toBe(0);
    const good = await acked(s, { authorization: `Bearer ${KEYS.alice}` });
    good.socket.close();

    const kit = await jwtKit();
    const jwt = await stack({ GATEWAY_AUTH: 'jwt', GATEWAY_JWT_PUBLIC_KEY: kit.publicKeyPem, GATEWAY_JWT_ISSUER: JWT_ISSUER, GATEWAY_JWT_AUDIENCE: JWT_AUDIENCE });
    const token = await kit.sign({ sub: 'carol' }, { expiresIn: Math.floor(Date.now() / 1000) + 2 });
    const expiring = await acked(jwt, { authorization: `Bearer ${token}` });
    const started = Date.now();
    expect((await expiring.closed).code).toBe(4403);
    // Closed because the token expired (2 s), not at some later point: a wide bound, for a busy machine.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('26: a foreign Origin is refused at the upgrade; listed and same origins are not', async () => {
    const s = await stack({ CORS_ORIGINS: 'https://app.example' });
    const refused = new WebSocket(s.gateway.wsUrl, PROTOCOL, { origin: 'https://evil.example' });
    refused.on('error', () => undefined);
    const [, response] = (await once(refused, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(response.statusCode).toBe(403);
    refused.terminate();
    for (const origin of ['https://app.example', new URL(s.gateway.url).origin]) {
      const allowed = await raw(s, { origin });
      allowed.socket.close();
    }
  });

  it('27: a frame over the limit is 1009; a flood of tiny fragments is 1008; the server stays up', async () => {
    const s = await stack({ WS_MAX_MESSAGE_BYTES: String(64 * 1024) });
    const big = await acked(s);
    big.socket.send(JSON.stringify({ type: 'ping', payload: { pad: 'x'.repeat(65 * 1024) } }));
    expect((await big.closed).code).toBe(1009);
    const fragments = await acked(s);
    for (let i = 0; i < 17_000 && fragments.socket.readyState === WebSocket.OPEN; i++) fragments.socket.send('x', { fin: false });
    expect((await fragments.closed).code).toBe(1008);
    expect(await stillServes(s)).toBe(true);
  });

  it('28: over the connections of one client, the new one is closed (1008); the others stay', async () => {
    const s = await stack({ WS_MAX_CONNECTIONS_PER_CLIENT: '2' }, true);
    const auth = { authorization: `Bearer ${KEYS.alice}` };
    const first = await acked(s, auth);
    const second = await acked(s, auth);
    const third = await raw(s);
    third.socket.send(JSON.stringify({ type: 'connection_init', payload: auth }));
    expect((await third.closed).code).toBe(1008);
    // Another client is not affected, and a closed slot frees up.
    (await acked(s, { authorization: `Bearer ${KEYS.bob}` })).socket.close();
    first.socket.close();
    // The slot is free once the server's close of that socket has started, before the client sees it closed.
    await first.closed;
    const again = await acked(s, auth);
    expect(second.socket.readyState).toBe(WebSocket.OPEN);
    again.socket.close();
    second.socket.close();
  });

  it('28b: a connection stops counting against the cap when its close starts: close-then-reconnect is accepted', async () => {
    const s = await stack({ WS_MAX_CONNECTIONS_PER_CLIENT: '2' }, true);
    const auth = { authorization: `Bearer ${KEYS.alice}` };
    const kept = await acked(s, auth);
    // A client that sends its close frame and does not finish the TCP close: the server's own close of that
    // socket completes only when ws gives up waiting (30 s), long after the client has reconnected.
    const closing = await halfClosingClient(s, auth);
    cleanup.push(() => closing.socket.destroy());
    await closing.closeFrameAnswered;
    const again = await raw(s);
    again.socket.send(JSON.stringify({ type: 'connection_init', payload: auth }));
    await Promise.race([
      waitUntil(() => again.messages.some((message) => message['type'] === 'connection_ack')),
      again.closed.then(({ code }) => {
        throw new Error(`reconnect refused with ${code}`);
      }),
    ]);
    again.socket.close();
    kept.socket.close();
  });

  it('29: a too-deep or unknown-document subscription is an error for that id; the socket stays open', async () => {
    const s = await stack({ GRAPHQL_MAX_DEPTH: '3' });
    const client = createWsClient(s.gateway.wsUrl);
    cleanup.push(() => client.dispose());
    const deep = subscribeWs(client, 'subscription($r: ID!) { runUpdated(runId: $r) { thread { runs { edges { cursor } } } } }', { r: 'run_x' });
    await deep.done;
    expect(deep.results[0]?.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'depth' });
    const fine = subscribeWs(client, '{ __typename }');
    await fine.done;
    expect(fine.results[0]?.data).toEqual({ __typename: 'Query' });
  });

  it('30: a client that stops answering pings is terminated and its upstream polling stops', async () => {
    const s = await stack({ WS_KEEPALIVE_MS: '150' });
    const assistant = await createAssistant(s.api, { tools: [{ type: 'function', function: { name: 'wait' } }] });
    const thread = await createThread(s.api);
    const run = await createRun(s.api, thread.id, { assistant_id: assistant.id });
    const connection = await raw(s, { autoPong: false });
    connection.socket.send(JSON.stringify({ type: 'connection_init' }));
    await waitUntil(() => connection.messages.some((message) => message['type'] === 'connection_ack'));
    connection.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription($t: ID!, $r: ID!) { runUpdated(threadId: $t, runId: $r) { status } }', variables: { t: thread.id, r: run.id } } }));
    await waitUntil(() => s.gateway.services.live.runs.size === 1);
    const { code } = await connection.closed;
    expect(code).toBe(1006);
    await waitUntil(() => s.gateway.services.live.runs.size === 0);
    const mark = s.api.requestLog.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(s.api.requestLog.slice(mark).filter((entry) => entry.route === '/threads/{thread_id}/runs/{run_id}')).toHaveLength(0);
  });

  it('31: many connect/disconnect cycles leave no sockets, observers or per-client entries behind', async () => {
    const s = await stack({}, true);
    const auth = { authorization: `Bearer ${KEYS.alice}` };
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 25 }, async () => {
          const connection = await acked(s, auth);
          connection.socket.close();
          await connection.closed;
        }),
      );
    }
    const openSockets = () => new Promise<number>((resolve, reject) => s.gateway.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
    await waitUntil(async () => (await openSockets()) === 0);
    globalThis.gc?.();
    expect(s.gateway.services.live.runs.size).toBe(0);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
    // The per-client connection count went back to zero: the cap still admits its full number.
    const connections = await Promise.all(Array.from({ length: 50 }, () => acked(s, auth)));
    for (const connection of connections) connection.socket.close();
  });
});

/**
 * A graphql-ws client on a bare TCP socket: connection_init, ack, then a close frame, and the socket left open
 * (allowHalfOpen: the server's FIN does not end it). Resolves `closeFrameAnswered` when the server's close frame came.
 */
async function halfClosingClient(stack: Stack, payload: Record<string, unknown>): Promise<{ socket: Socket; closeFrameAnswered: Promise<void> }> {
  const url = new URL(stack.gateway.wsUrl);
  const socket = connect({ host: url.hostname, port: Number(url.port), allowHalfOpen: true });
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  let received = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
  const until = async (condition: () => boolean) => {
    while (!condition()) await once(socket, 'data');
  };
  socket.write(
    `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${PROTOCOL}\r\n\r\n`,
  );
  await until(() => received.includes('\r\n\r\n'));
  expect(received.toString().split('\r\n')[0]).toBe('HTTP/1.1 101 Switching Protocols');
  received = received.subarray(received.indexOf('\r\n\r\n') + 4);
  socket.write(clientFrame(0x1, Buffer.from(JSON.stringify({ type: 'connection_init', payload }))));
  await until(() => received.includes('connection_ack'));
  const status = Buffer.alloc(2);
  status.writeUInt16BE(1000);
  socket.write(clientFrame(0x8, status));
  // A close frame from the server starts with 0x88.
  const closeFrameAnswered = until(() => received.includes(0x88));
  return { socket, closeFrameAnswered };
}

/** One masked client frame (payloads under 126 bytes). */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, index) => byte ^ mask[index % 4]!));
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, masked]);
}
