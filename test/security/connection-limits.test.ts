import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { waitUntil } from '../helpers/wait.js';

/** Slow and idle clients, and one address holding many connections (probe 4: W8). */

const portOf = (stack: Stack) => Number(new URL(stack.gateway.url).port);

interface RawConnection {
  socket: Socket;
  /** Everything the server sent. */
  received: () => string;
  /** Resolves when the server has closed the connection (or refused it). */
  closed: Promise<void>;
}

/** A plain TCP connection to the gateway, from `localAddress` (any 127.x.y.z is this machine on Linux). */
async function open(stack: Stack, localAddress = '127.0.0.1'): Promise<RawConnection> {
  const socket = connect({ host: '127.0.0.1', port: portOf(stack), localAddress });
  let data = '';
  socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
  socket.on('error', () => undefined);
  const closed = once(socket, 'close').then(() => undefined);
  await once(socket, 'connect');
  return { socket, received: () => data, closed };
}

/** Writes `text` a byte at a time, one every `everyMs`, until the socket closes. */
function trickle(socket: Socket, text: string, everyMs = 25): void {
  let index = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || index >= text.length) return clearInterval(timer);
    socket.write(text[index++]!);
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
}

const SUBSCRIBE_BODY = JSON.stringify({ query: 'subscription { runUpdated(threadId: "thread_demo", runId: "run_demo_requires_action") { status } }' });
/** A Server-Sent Events subscription to a run that waits for tool outputs: the connection stays busy until closed. */
const SUBSCRIBE_REQUEST =
  'POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n' +
  `Content-Length: ${Buffer.byteLength(SUBSCRIBE_BODY)}\r\n\r\n${SUBSCRIBE_BODY}`;

/** A request on a connection of its own, answered or not. */
async function health(stack: Stack, localAddress: string): Promise<string> {
  const connection = await open(stack, localAddress);
  connection.socket.write('GET /health HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n');
  await connection.closed;
  return connection.received();
}

describe('slow and idle connections', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { HTTP_HEADERS_TIMEOUT_MS: '300', HTTP_REQUEST_TIMEOUT_MS: '600', HTTP_KEEP_ALIVE_TIMEOUT_MS: '300' } });
  });
  afterAll(() => stack.close());

  it('closes a connection whose headers trickle in with 408', async () => {
    const connection = await open(stack);
    trickle(connection.socket, 'POST /graphql HTTP/1.1\r\nHost: gateway\r\nX-Padding: ' + 'a'.repeat(10_000));
    await connection.closed;
    expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes a connection that never sends a byte', async () => {
    const connection = await open(stack);
    await connection.closed;
    expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes a connection whose body trickles in with 408', async () => {
    const connection = await open(stack);
    const body = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(5_000) } });
    connection.socket.write(`POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    trickle(connection.socket, body);
    await connection.closed;
    expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes an idle keep-alive connection after its answer', async () => {
    const connection = await open(stack);
    connection.socket.write('GET /health HTTP/1.1\r\nHost: gateway\r\n\r\n');
    await connection.closed;
    // Answered and kept alive, then closed by the server once idle.
    expect(connection.received()).toMatch(/^HTTP\/1\.1 200 [\s\S]*connection: keep-alive[\s\S]*\{"status":"ok"\}/i);
  });

  it('still answers a request that arrives in time', async () => {
    expect(await health(stack, '127.0.0.1')).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe('connection caps', () => {
  const PER_ADDRESS = 4;
  const TOTAL = 6;
  let stack: Stack;
  const held: RawConnection[] = [];
  beforeAll(async () => {
    stack = await startStack({
      runsApi: { demoData: true },
      env: { HTTP_MAX_CONNECTIONS_PER_ADDRESS: String(PER_ADDRESS), HTTP_MAX_CONNECTIONS: String(TOTAL) },
    });
  });
  afterAll(async () => {
    for (const connection of held) connection.socket.destroy();
    await stack.close();
  });

  /** A connection busy with a live subscription (no timeout applies to it), once its first event came. */
  async function hold(localAddress: string): Promise<void> {
    const connection = await open(stack, localAddress);
    held.push(connection);
    connection.socket.write(SUBSCRIBE_REQUEST);
    while (!connection.received().includes('REQUIRES_ACTION')) await Promise.race([once(connection.socket, 'data'), connection.closed]);
  }

  it('refuses the next connection of an address at its cap while another address is served, and the total cap for everyone', async () => {
    for (let i = 0; i < PER_ADDRESS; i += 1) await hold('127.0.0.1');
    const refused = await open(stack, '127.0.0.1');
    refused.socket.write('GET /health HTTP/1.1\r\nHost: gateway\r\n\r\n');
    await refused.closed;
    expect(refused.received()).toBe('');
    expect(await health(stack, '127.0.0.2')).toMatch(/^HTTP\/1\.1 200 /);

    // Up to the total: then a third address is refused as well.
    for (let i = PER_ADDRESS; i < TOTAL; i += 1) await hold('127.0.0.2');
    expect(await health(stack, '127.0.0.3')).toBe('');
    const metrics = await stack.gateway.metrics.registry.getSingleMetricAsString('gateway_http_connections_refused_total');
    expect(metrics).toMatch(/limit="address"\} 1\n/);
    expect(metrics).toMatch(/limit="total"\} 1\n?/);

    // A released connection makes room again.
    held.pop()!.socket.destroy();
    await waitForAnswer(() => health(stack, '127.0.0.3'));
  });
});

/** The server forgets a closed connection as soon as its close reaches it: retry until then. */
async function waitForAnswer(request: () => Promise<string>): Promise<void> {
  await waitUntil(async () => /^HTTP\/1\.1 200 /.test(await request()), 2_000);
}
