import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startStack, type Stack } from '../helpers/stack.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * TRUST_PROXY end to end: the gateway behind a proxy on loopback (the test's requests come from 127.0.0.1 and carry
 * the X-Forwarded-For a proxy would add). Trusted, each forwarded client has its own rate-limit bucket, WebSocket
 * cap and log lines; not trusted (the default), a forged header changes nothing.
 */
const ALICE = '198.51.100.1';
const BOB = '198.51.100.2';
// Two operations per client, refilled far slower than the test runs.
const LIMITS = { RATE_LIMIT_PER_SECOND: '0.001', RATE_LIMIT_BURST: '2', WS_MAX_CONNECTIONS_PER_CLIENT: '1', LOG_LEVEL: 'info' };

let trusted: Stack;
let untrusted: Stack;
const trustedLog: Array<Record<string, unknown>> = [];
const sockets: WebSocket[] = [];

beforeAll(async () => {
  [trusted, untrusted] = await Promise.all([
    startStack({ env: { ...LIMITS, TRUST_PROXY: 'loopback' }, logLines: trustedLog }),
    startStack({ env: { ...LIMITS, LOG_LEVEL: 'silent' } }),
  ]);
});
afterAll(async () => {
  for (const socket of sockets) socket.terminate();
  await Promise.all([trusted?.close(), untrusted?.close()]);
});

async function post(stack: Stack, forwardedFor: string): Promise<{ status: number; code: unknown }> {
  const response = await fetch(stack.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: unknown } }> };
  return { status: response.status, code: body.errors?.[0]?.extensions?.code };
}

/** A graphql-ws connection from `forwardedFor`: 'acked' or the close code it got. */
async function connect(stack: Stack, forwardedFor: string): Promise<'acked' | number> {
  const socket = new WebSocket(stack.gateway.wsUrl, ['graphql-transport-ws'], { headers: { 'x-forwarded-for': forwardedFor } });
  sockets.push(socket);
  socket.on('error', () => undefined);
  const outcome = new Promise<'acked' | number>((resolve) => {
    socket.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type?: string }).type === 'connection_ack') resolve('acked');
    });
    socket.on('close', (code) => resolve(code));
  });
  await once(socket, 'open');
  socket.send(JSON.stringify({ type: 'connection_init' }));
  return outcome;
}

describe('TRUST_PROXY', { timeout: 30_000 }, () => {
  it('behind a trusted proxy, two clients get separate rate-limit buckets', async () => {
    expect((await post(trusted, ALICE)).status).toBe(200);
    expect((await post(trusted, ALICE)).status).toBe(200);
    expect(await post(trusted, ALICE)).toEqual({ status: 429, code: 'RATE_LIMITED' });
    expect((await post(trusted, BOB)).status).toBe(200);
    // The log line of an operation names its client.
    await waitUntil(() => trustedLog.some((line) => line['msg'] === 'graphql operation' && line['clientAddress'] === BOB));
    expect(trustedLog.filter((line) => line['msg'] === 'graphql operation').map((line) => line['clientAddress'])).toEqual([ALICE, ALICE, ALICE, BOB]);
  });

  it('behind a trusted proxy, two clients get separate WebSocket caps', async () => {
    expect(await connect(trusted, '203.0.113.1')).toBe('acked');
    expect(await connect(trusted, '203.0.113.1')).toBe(1008);
    expect(await connect(trusted, '203.0.113.2')).toBe('acked');
  });

  it('behind a trusted proxy, the log lines of WebSocket operations name the client', async () => {
    const CAROL = '203.0.113.9';
    const socket = new WebSocket(trusted.gateway.wsUrl, ['graphql-transport-ws'], { headers: { 'x-forwarded-for': CAROL } });
    sockets.push(socket);
    const messages: Array<{ type: string; id?: string }> = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as { type: string; id?: string }));
    await once(socket, 'open');
    socket.send(JSON.stringify({ type: 'connection_init' }));
    await waitUntil(() => messages.some((message) => message.type === 'connection_ack'));
    socket.send(JSON.stringify({ type: 'subscribe', id: 'q', payload: { query: 'query OverSocket { __typename }' } }));
    socket.send(JSON.stringify({ type: 'subscribe', id: 's', payload: { query: 'subscription Watch { runUpdated(threadId: "thread_none", runId: "run_none") { status } }' } }));
    await waitUntil(() => ['q', 's'].every((id) => messages.some((message) => message.id === id && (message.type === 'complete' || message.type === 'error'))));
    const operation = trustedLog.find((line) => line['msg'] === 'graphql operation' && line['operationName'] === 'OverSocket');
    const subscription = trustedLog.find((line) => line['msg'] === 'subscription started' && line['operationName'] === 'Watch');
    expect(operation?.['clientAddress']).toBe(CAROL);
    expect(subscription?.['clientAddress']).toBe(CAROL);
  });

  it('from an untrusted peer a forged X-Forwarded-For changes nothing: one bucket, one cap', async () => {
    expect((await post(untrusted, ALICE)).status).toBe(200);
    expect((await post(untrusted, BOB)).status).toBe(200);
    expect(await post(untrusted, '203.0.113.77')).toEqual({ status: 429, code: 'RATE_LIMITED' });
    expect(await connect(untrusted, '203.0.113.1')).toBe('acked');
    expect(await connect(untrusted, '203.0.113.2')).toBe(1008);
  });
});
