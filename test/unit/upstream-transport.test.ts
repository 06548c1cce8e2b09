import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpstreamClient } from '../../src/upstream/client.js';
import { httpTransport } from '../../src/upstream/transport.js';
import { testUpstreamConfig } from '../helpers/upstream-config.js';

/** The default transport (node:http with a keep-alive pool) against a real local server. */
describe('upstream http transport', () => {
  let server: Server;
  let base: string;
  let connections = 0;
  const seen: IncomingMessage['headers'][] = [];
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/v1/json': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_1', 'set-cookie': ['a=1', 'b=2'] });
      res.end(JSON.stringify({ id: 'thread_1', object: 'thread', created_at: 1, metadata: {}, tool_resources: null }));
    },
    '/v1/redirect': (_req, res) => {
      res.writeHead(302, { location: 'http://example.invalid/steal' });
      res.end();
    },
    '/v1/stall': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":');
      // …and never finishes the body.
    },
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      const route = routes[(req.url ?? '').split('?')[0]!];
      if (route) route(req, res);
      else res.writeHead(404).end('{}');
    });
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reuses one kept-alive connection for sequential requests and reads headers and body', async () => {
    const transport = httpTransport({ maxSockets: 4 });
    const before = connections;
    for (let i = 0; i < 5; i++) {
      const response = await transport(`${base}/v1/json`, { method: 'GET', headers: { accept: 'application/json' }, signal: new AbortController().signal });
      expect(response.status).toBe(200);
      expect(response.ok).toBe(true);
      expect(response.headers.get('X-Request-Id')).toBe('req_1');
      expect(response.headers.get('set-cookie')).toBe('a=1, b=2');
      expect(JSON.parse(await response.text())).toMatchObject({ id: 'thread_1' });
    }
    expect(connections - before).toBe(1);
  });

  it('refuses to follow a redirect (the key must not go elsewhere)', async () => {
    const transport = httpTransport({ maxSockets: 4 });
    await expect(transport(`${base}/v1/redirect`, { method: 'GET', headers: {}, signal: new AbortController().signal })).rejects.toThrow(/redirected/);
  });

  it('a body that stalls fails when the signal aborts', async () => {
    const transport = httpTransport({ maxSockets: 4 });
    const controller = new AbortController();
    const response = await transport(`${base}/v1/stall`, { method: 'GET', headers: {}, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(response.text()).rejects.toThrow();
  });

  it('through the client: headers built once, the key sent once whatever the casing of extra headers, a redirect is UPSTREAM_UNAVAILABLE', async () => {
    const client = createUpstreamClient({
      config: testUpstreamConfig({ baseUrl: `${base}/v1`, apiKey: 'sk-test-key', headers: { 'X-Team': 'runs', 'x-team': 'runs-2' }, timeoutMs: 500, maxRetries: 0 }),
    });
    const mark = seen.length;
    const response = await client.request({ method: 'GET', route: '/threads/{thread_id}', params: { thread_id: 'json' } }).catch((error: unknown) => error);
    // /v1/threads/json is not routed (404): what matters here is what went out.
    expect(response).toBeInstanceOf(Error);
    const sent = seen[mark]!;
    expect(sent['authorization']).toBe('Bearer sk-test-key');
    expect(sent['x-team']).toBe('runs-2');
    expect(sent['openai-beta']).toBe('assistants=v2');
    routes['/v1/threads/moved'] = routes['/v1/redirect']!;
    const moved = await client.getThread('moved').catch((error: unknown) => error);
    expect(moved).toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    routes['/v1/threads/slow'] = routes['/v1/stall']!;
    const slow = await client.getThread('slow').catch((error: unknown) => error);
    expect(slow).toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE', reason: 'timeout' } });
  });
});
