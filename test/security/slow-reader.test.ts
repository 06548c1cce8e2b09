import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startStack, type Stack } from '../helpers/stack.js';
import { sleep, waitUntil } from '../helpers/wait.js';

/** About 1.3 MB a result: 15 aliases (the armor limit) of an introspection with every description. */
const LARGE = `{ ${Array.from({ length: 15 }, (_, i) => `s${i}: __schema { types { name description fields { name description args { name description } } } }`).join(' ')} }`;

/** Checklist 32: a client that stops reading is closed once what waits for it passes the bound, before memory grows. */
describe('WebSocket abuse: slow reader', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { WS_MAX_BUFFERED_BYTES: '65536', RATE_LIMIT_PER_SECOND: '0' } });
  });
  afterAll(() => stack.close());

  it('32: a client that stops reading its socket is closed with 1008', { timeout: 60_000 }, async () => {
    const socket = new WebSocket(stack.gateway.wsUrl, 'graphql-transport-ws');
    await once(socket, 'open');
    const messages: Array<{ type: string }> = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as { type: string }));
    const closed = once(socket, 'close');
    socket.send(JSON.stringify({ type: 'connection_init' }));
    await waitUntil(() => messages.some((message) => message.type === 'connection_ack'));
    // Stop reading: what the gateway sends piles up in the kernel, then in the gateway's socket buffer.
    (socket as unknown as { _socket: { pause(): void } })._socket.pause();
    // About 80 MB asked for: more than the kernel's socket buffers on loopback hold (a few MB to tens of MB).
    for (let id = 0; id < 60; id += 1) socket.send(JSON.stringify({ id: String(id), type: 'subscribe', payload: { query: LARGE } }));
    await sleep(4_000);
    (socket as unknown as { _socket: { resume(): void } })._socket.resume();
    const [code] = (await closed) as [number];
    expect(code).toBe(1008);
    // Far fewer results reached the client than were asked for: the rest were never buffered.
    expect(messages.filter((message) => message.type === 'next').length).toBeLessThan(60);
  });
});
