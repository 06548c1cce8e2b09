import { request as httpRequest } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';

/** Compression of GraphQL answers over HTTP, and of GraphiQL's and the console's files, seen on the wire. */

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** node:http, which (unlike fetch) neither asks for nor undoes any encoding: the bytes as sent. */
function raw(stack: Stack, path: string, options: { method?: string; headers?: Record<string, string>; body?: string; until?: (body: string) => boolean } = {}): Promise<Raw> {
  const url = new URL(path, stack.gateway.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (options.until?.(Buffer.concat(chunks).toString())) {
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) });
          res.destroy();
        }
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const INTROSPECTION = JSON.stringify({ query: '{ __schema { types { name description fields { name description } } } }' });
const SMALL = JSON.stringify({ query: '{ __typename }' });
const post = (stack: Stack, body: string, acceptEncoding?: string) =>
  raw(stack, '/graphql', { method: 'POST', body, headers: { 'content-type': 'application/json', ...(acceptEncoding !== undefined ? { 'accept-encoding': acceptEncoding } : {}) } });

let stack: Stack;
let off: Stack;
beforeAll(async () => {
  [stack, off] = await Promise.all([
    startStack({ runsApi: { demoData: true, stepMs: 25 }, env: { GRAPHIQL: 'true' } }),
    startStack({ env: { COMPRESSION: 'off' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([stack?.close(), off?.close()]);
});

describe('GraphQL answers over HTTP', { timeout: 30_000 }, () => {
  it('brotli when accepted: smaller, the same JSON, Vary: Accept-Encoding', async () => {
    const plain = await post(stack, INTROSPECTION);
    const br = await post(stack, INTROSPECTION, 'gzip, deflate, br');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['vary']).toMatch(/accept-encoding/i);
    expect(plain.body.length).toBeGreaterThan(10_000);
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['vary']).toMatch(/accept-encoding/i);
    expect(Number(br.headers['content-length'])).toBe(br.body.length);
    expect(br.body.length).toBeLessThan(plain.body.length / 4);
    expect(JSON.parse(brotliDecompressSync(br.body).toString())).toEqual(JSON.parse(plain.body.toString()));
  });

  it('gzip when brotli is not accepted (or refused with q=0)', async () => {
    const plain = await post(stack, INTROSPECTION);
    for (const accept of ['gzip', 'br;q=0, gzip;q=0.5']) {
      const gz = await post(stack, INTROSPECTION, accept);
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(JSON.parse(gunzipSync(gz.body).toString())).toEqual(JSON.parse(plain.body.toString()));
    }
  });

  it('as is when nothing usable is accepted', async () => {
    for (const accept of ['identity', 'deflate', 'br;q=0, gzip;q=0', '']) {
      const answer = await post(stack, INTROSPECTION, accept);
      expect(answer.headers['content-encoding']).toBeUndefined();
      expect(JSON.parse(answer.body.toString()).data.__schema.types.length).toBeGreaterThan(10);
    }
  });

  it('a body under COMPRESSION_MIN_BYTES is left alone', async () => {
    const small = await post(stack, SMALL, 'br, gzip');
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.headers['vary']).toMatch(/accept-encoding/i);
    expect(JSON.parse(small.body.toString())).toEqual({ data: { __typename: 'Query' } });
  });

  it('COMPRESSION=off sends every answer as it is', async () => {
    const answer = await post(off, INTROSPECTION, 'br, gzip');
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(answer.body.toString()).data.__schema.types.length).toBeGreaterThan(10);
  });

  it('Server-Sent Events are never compressed nor held back: the first event arrives while the run waits', async () => {
    // A function-tool run stops in REQUIRES_ACTION and stays there: a buffering layer would never send a byte.
    const started = await stack.query<{ createRun: { run: { runId: string } } }>(
      `mutation { createRun(input: { threadId: "thread_demo_idle", assistantId: "asst_demo_weather", additionalMessages: [{ role: USER, content: [{ text: "Weather in Oslo?" }] }] }) { run { runId } } }`,
    );
    const runId = started.data!.createRun.run.runId;
    const query = `subscription { runUpdated(threadId: "thread_demo_idle", runId: "${runId}") { runId status } }`;
    const events = await raw(stack, '/graphql', {
      method: 'POST',
      body: JSON.stringify({ query }),
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'accept-encoding': 'br, gzip' },
      until: (body) => body.includes('event: next'),
    });
    expect(events.headers['content-type']).toMatch(/^text\/event-stream/);
    // Yoga marks its event streams `Content-Encoding: none` itself (so that proxies do not buffer them either).
    expect(events.headers['content-encoding'] ?? 'none').toBe('none');
    expect(events.body.toString()).toContain(runId);
    await stack.query(`mutation { cancelRun(input: { threadId: "thread_demo_idle", runId: "${runId}" }) { run { status } } }`);
  });
});

describe("GraphiQL's and the console's files", { timeout: 60_000 }, () => {
  const page = (headers: Record<string, string> = {}) => raw(stack, '/graphql', { headers: { accept: 'text/html', ...headers } });

  it('the page is small, revalidated by ETag, and answers 304 when the browser has it', async () => {
    const first = await page({ 'accept-encoding': 'br' });
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('no-cache');
    const html = brotliDecompressSync(first.body).toString();
    expect(html.length).toBeLessThan(2_000);
    expect(html).toMatch(/src="graphiql\/graphiql\.[\w-]{16}\.js"/);
    const again = await page({ 'accept-encoding': 'br', 'if-none-match': String(first.headers['etag']) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    // Another form of the page has another tag: the br one does not stand for the plain one.
    expect((await page({ 'if-none-match': String(first.headers['etag']) })).status).toBe(200);
  });

  it('hashed assets are immutable for a year, brotli or gzip by negotiation, the same bytes either way', async () => {
    const html = (await page()).body.toString();
    const script = /src="(graphiql\/graphiql\.[\w-]{16}\.js)"/.exec(html)![1]!;
    const path = `/${script}`;
    const plain = await raw(stack, path);
    const br = await raw(stack, path, { headers: { 'accept-encoding': 'br' } });
    const gz = await raw(stack, path, { headers: { 'accept-encoding': 'gzip' } });
    for (const answer of [plain, br, gz]) {
      expect(answer.status).toBe(200);
      expect(answer.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(answer.headers['vary']).toBe('Accept-Encoding');
      expect(answer.headers['content-type']).toBe('text/javascript; charset=utf-8');
    }
    expect(br.headers['content-encoding']).toBe('br');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    expect(br.body.length).toBeLessThan(plain.body.length / 3);
    expect((await raw(stack, path, { method: 'HEAD', headers: { 'accept-encoding': 'br' } })).body.length).toBe(0);
    expect((await raw(stack, '/graphiql/graphiql.0000000000000000.js')).status).toBe(404);
    expect((await raw(stack, path, { method: 'POST' })).status).toBe(405);
  });

  it("the console's page names its script and stylesheet by hash; graphql-ws's files are revalidated", async () => {
    const page = await raw(stack, '/console/', { headers: { 'accept-encoding': 'gzip' } });
    const html = gunzipSync(page.body).toString();
    expect(page.headers['cache-control']).toBe('no-cache');
    const script = /src="(console\.[\w-]{16}\.js)"/.exec(html)![1]!;
    expect((await raw(stack, `/console/${script}`)).headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const client = await raw(stack, '/console/graphql-ws/client.js');
    expect(client.headers['cache-control']).toBe('no-cache');
    expect((await raw(stack, '/console/graphql-ws/client.js', { headers: { 'if-none-match': String(client.headers['etag']) } })).status).toBe(304);
  });
});
