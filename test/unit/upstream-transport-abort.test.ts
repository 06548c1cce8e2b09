import { getEventListeners } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpTransport } from '../../src/upstream/transport.js';

/** The node:http transport's own handling of its request's signal, against a real local server. */
describe('upstream http transport: aborts', () => {
  let server: Server;
  let base: string;
  /** Responses the server holds open (the client aborts them). */
  const held: ServerResponse[] = [];
  let heldArrived: (() => void) | undefined;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url?.startsWith('/v1/json')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
        return;
      }
      if (req.url === '/v1/half-body') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"id":');
      }
      held.push(res);
      heldArrived?.();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const arrival = () => new Promise<void>((resolve) => (heldArrived = resolve));

  it('leaves no listener on the signal once an exchange is over', async () => {
    const transport = httpTransport({ maxSockets: 2 });
    const controller = new AbortController();
    for (let i = 0; i < 3; i++) {
      const response = await transport(`${base}/v1/json?page=${i}`, { method: 'GET', headers: {}, signal: controller.signal });
      expect(await response.text()).toBe('{"ok":true}');
    }
    // The request's 'close' comes after the body: wait for the event loop to deliver it.
    await new Promise((resolve) => setImmediate(resolve));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects at once, sending nothing, when the signal has already aborted', async () => {
    const transport = httpTransport({ maxSockets: 2 });
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    const before = held.length;
    await expect(transport(`${base}/v1/hold`, { method: 'GET', headers: {}, signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(held.length).toBe(before);
  });

  it('an abort before the answer rejects the exchange with an AbortError caused by the reason', async () => {
    const transport = httpTransport({ maxSockets: 2 });
    const controller = new AbortController();
    const arrived = arrival();
    const exchange = transport(`${base}/v1/hold`, { method: 'GET', headers: {}, signal: controller.signal });
    await arrived;
    const reason = new Error('the client left');
    controller.abort(reason);
    await expect(exchange).rejects.toMatchObject({ name: 'AbortError', cause: reason });
  });

  it('an abort mid-body rejects the body', async () => {
    const transport = httpTransport({ maxSockets: 2 });
    const controller = new AbortController();
    const response = await transport(`${base}/v1/half-body`, { method: 'GET', headers: {}, signal: controller.signal });
    expect(response.status).toBe(200);
    controller.abort(new Error('timed out'));
    await expect(response.text()).rejects.toBeInstanceOf(Error);
  });
});
