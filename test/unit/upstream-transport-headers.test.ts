import http, { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpTransport } from '../../src/upstream/transport.js';
import { PlainSignal } from '../../src/upstream/interest.js';

/**
 * The transport sends a GET's headers as a raw list it builds itself (with Host): what reaches the server must be what
 * node sends for the same headers given as an object, header for header, in order.
 */
describe('upstream http transport: the headers that go out', () => {
  let server: Server;
  let port: number;
  const seen: Array<{ rawHeaders: string[]; body: string; method: string }> = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        seen.push({ rawHeaders: req.rawHeaders, body, method: req.method ?? '' });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** What node itself sends for these headers as an object (no raw list), to compare with. */
  async function viaNode(url: string, method: string, headers: Record<string, string>, body?: string) {
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      const req = http.request(url, { method, headers, agent }, (res) => {
        res.resume();
        res.once('end', resolve);
      });
      req.once('error', reject);
      req.end(body);
    });
    agent.destroy();
    return seen.at(-1)!;
  }

  async function viaTransport(url: string, method: string, headers: Record<string, string>, body?: string) {
    const transport = httpTransport({ maxSockets: 2 });
    const response = await transport(url, { method, headers, signal: new PlainSignal(), ...(body !== undefined ? { body } : {}) });
    expect(await response.text()).toBe('{"ok":true}');
    return seen.at(-1)!;
  }

  const cases: Array<{ name: string; url: () => string; method: string; headers: Record<string, string>; body?: string }> = [
    { name: 'a GET with the endpoint headers (frozen)', url: () => `http://127.0.0.1:${port}/v1/threads/t/runs/r`, method: 'GET', headers: Object.freeze({ accept: 'application/json', authorization: 'Bearer sk-1', 'OpenAI-Beta': 'assistants=v2' }) },
    { name: 'a GET whose names repeat in another casing', url: () => `http://127.0.0.1:${port}/v1/threads/t`, method: 'GET', headers: { 'X-Team': 'runs', accept: 'application/json', 'x-team': 'runs-2' } },
    { name: 'a GET with a Host of its own', url: () => `http://127.0.0.1:${port}/v1/threads`, method: 'GET', headers: { host: 'upstream.example', accept: 'application/json' } },
    { name: 'a GET to a URL with credentials', url: () => `http://user:p%40ss@127.0.0.1:${port}/v1/threads`, method: 'GET', headers: { accept: 'application/json' } },
    { name: 'a POST with a body', url: () => `http://127.0.0.1:${port}/v1/threads`, method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: '{"name":"ü"}' },
    { name: 'a DELETE', url: () => `http://127.0.0.1:${port}/v1/threads/t`, method: 'DELETE', headers: { accept: 'application/json' } },
  ];

  for (const { name, url, method, headers, body } of cases) {
    it(`${name}: as node would send them`, async () => {
      const expected = await viaNode(url(), method, headers, body);
      const sent = await viaTransport(url(), method, headers, body);
      expect(sent).toEqual(expected);
    });
  }

  it('the Host of a GET names the port, as node writes it', async () => {
    const sent = await viaTransport(`http://127.0.0.1:${port}/v1/threads`, 'GET', Object.freeze({ accept: 'application/json' }));
    expect(sent.rawHeaders).toEqual(['accept', 'application/json', 'Host', `127.0.0.1:${port}`, 'Connection', 'keep-alive']);
  });

  it('one headers object serves GETs to two origins, each with its own Host', async () => {
    const other = createServer((_req, res) => res.end('{"ok":true}'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const otherPort = (other.address() as AddressInfo).port;
    const hosts: string[] = [];
    other.on('request', (req: IncomingMessage) => hosts.push(req.headers.host ?? ''));
    try {
      const transport = httpTransport({ maxSockets: 2 });
      const headers = Object.freeze({ accept: 'application/json' });
      for (const target of [port, otherPort, port]) {
        const response = await transport(`http://127.0.0.1:${target}/v1/threads`, { method: 'GET', headers, signal: new PlainSignal() });
        await response.text();
        if (target === port) hosts.push(seen.at(-1)!.rawHeaders[3]!);
      }
      expect(hosts).toEqual([`127.0.0.1:${port}`, `127.0.0.1:${otherPort}`, `127.0.0.1:${port}`]);
    } finally {
      other.closeAllConnections();
      await new Promise((resolve) => other.close(resolve));
    }
  });
});

/** The body is read from the moment the head arrives; its promise is made only when asked for. */
describe('upstream http transport: the body, asked for late', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url === '/broken') {
        res.write('{"id":');
        setImmediate(() => res.socket?.destroy());
      } else res.end('{"id":"run_1"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

  it('a body that arrived whole before anyone asked is the text, as often as asked', async () => {
    const response = await httpTransport({ maxSockets: 1 })(`${base}/whole`, { method: 'GET', headers: {}, signal: new PlainSignal() });
    await settle();
    expect(await response.text()).toBe('{"id":"run_1"}');
    expect(await response.text()).toBe('{"id":"run_1"}');
  });

  it('a body that broke before anyone asked rejects when asked, and nothing was left unhandled before', async () => {
    const response = await httpTransport({ maxSockets: 1 })(`${base}/broken`, { method: 'GET', headers: {}, signal: new PlainSignal() });
    await settle();
    await expect(response.text()).rejects.toBeInstanceOf(Error);
  });
});
