import { createSchema, createYoga } from 'graphql-yoga';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputBoundsProblem } from '../../src/security/input-bounds.js';
import { readBoundedBody } from '../../src/security/http.js';
import { FinishedResults, useSharedQueryExecution } from '../../src/server/shared-execution.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { codes, postJson, stillServes, upstreamCalls } from './helpers.js';

/** Issue 14: bounded memory and CPU per request; bad input refused at the edge (W1, W2, W3, W10, W12 of the probes). */

const nested = (depth: number, leaf = '1') => '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
const nestedList = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('bounded input through the gateway', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { NODE_ENV: 'production', GATEWAY_AUTH: 'none', RATE_LIMIT_PER_SECOND: '0' } });
  });
  afterAll(() => stack?.close());

  it('W10: variables nested 10,000 deep are a 400 BAD_USER_INPUT, not a 500', async () => {
    for (const variables of [`{"v":${nested(10_000)}}`, `{"v":${nestedList(10_000)}}`]) {
      const answer = await postJson(stack, `{"query":"{ __typename }","variables":${variables}}`);
      expect(answer.status).toBe(400);
      expect(codes(answer.json)).toEqual(['BAD_USER_INPUT']);
      expect(answer.json?.errors?.[0]?.message).toMatch(/nested more than 64 levels/);
    }
    expect(await stillServes(stack)).toBe(true);
  });

  it('W4 at the edge: a createRun whose tool parameters nest 20,000 deep is refused before anything is sent', async () => {
    const query =
      'mutation ($p: JSONObject) { createRun(input: { threadId: "thread_x", assistantId: "asst_x", tools: [{ function: { name: "f", parameters: $p } }] }) { run { runId } } }';
    const { result, calls } = await upstreamCalls(stack, () => postJson(stack, `{"query":${JSON.stringify(query)},"variables":{"p":${nested(20_000)}}}`));
    expect(result.status).toBe(400);
    expect(codes(result.json)).toEqual(['BAD_USER_INPUT']);
    expect(calls).toBe(0);
  });

  it('W3: a list of 50,000 ids is refused once, with one error; nodes takes at most 100 ids', async () => {
    const ids = Array.from({ length: 50_000 }, (_, i) => `thread_x${i}`);
    const { result, calls } = await upstreamCalls(stack, () => postJson(stack, { query: 'query ($i: [ID!]!) { nodes(ids: $i) { id } }', variables: { i: ids } }));
    expect(result.status).toBe(400);
    expect(result.json?.errors).toHaveLength(1);
    expect(codes(result.json)).toEqual(['BAD_USER_INPUT']);
    expect(calls).toBe(0);

    const some = await stack.query('query ($i: [ID!]!) { nodes(ids: $i) { id } }', { i: ids.slice(0, 101) });
    expect(some.errors).toHaveLength(1);
    expect(some.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(some.errors?.[0]?.message).toMatch(/at most 100 ids/);
  });

  it('W10: a lone surrogate in an id is BAD_USER_INPUT, not an internal error', async () => {
    const answer = await postJson(stack, '{"query":"query ($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { status } }","variables":{"t":"thread_demo","r":"run_\\ud800x"}}');
    expect(codes(answer.json)).toEqual(['BAD_USER_INPUT']);
  });

  it('W12: invalid JSON is a 400 BAD_REQUEST with a fixed message that does not quote the parser', async () => {
    for (const body of ['{"query": "{ __typename }", ', '{"query": "\u0000', '{"query":"{ __typename }"}}']) {
      const answer = await postJson(stack, body);
      expect(answer.status).toBe(400);
      expect(answer.json?.errors).toEqual([{ message: 'POST body sent invalid JSON.', extensions: { code: 'BAD_REQUEST' } }]);
      expect(answer.text).not.toMatch(/position|Unexpected|originalError/);
    }
  });

  it('W2: a 1.9 MB body is answered as a normal query', async () => {
    const pad = 'x'.repeat(1_900_000);
    const answer = await postJson(stack, `{"query":"{ __typename }","variables":{"s":"${pad}"}}`);
    expect(answer.status).toBe(200);
    expect(answer.json?.data).toEqual({ __typename: 'Query' });
  });
});

describe('W2: the body reaches yoga without a per-byte walk', () => {
  async function bodyOf(contentType: string, text: string): Promise<unknown> {
    const socket = new Socket();
    const req = new IncomingMessage(socket);
    req.method = 'POST';
    req.headers = { 'content-type': contentType, 'content-length': String(Buffer.byteLength(text)) };
    const res = new ServerResponse(req);
    const source = new PassThrough();
    const done = readBoundedBody(Object.assign(source, { method: req.method, headers: req.headers, complete: true }) as unknown as IncomingMessage, res, 4 * 1024 * 1024);
    source.end(text);
    expect(await done).toBe(true);
    return (source as unknown as { body: unknown }).body;
  }

  it('a JSON body is handed on parsed (parsed once), any other body as its bytes behind a single key', async () => {
    const json = await bodyOf('application/json', '{"query":"{ __typename }"}');
    expect(json).toEqual({ query: '{ __typename }' });
    const other = await bodyOf('application/graphql', '{ __typename }');
    expect(Buffer.isBuffer(other) || typeof other === 'string').toBe(false);
    // yoga's node adapter calls Object.keys on the body: a Buffer of 2 MB has 2 million keys, this has one.
    expect(Object.keys(other as object)).toEqual(['bytes']);
    const chunks: Buffer[] = [];
    for await (const chunk of other as AsyncIterable<Buffer>) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('{ __typename }');
    // An array or an empty object is left to yoga to refuse, as bytes.
    expect(Object.keys((await bodyOf('application/json', '[1,2]')) as object)).toEqual(['bytes']);
  });
});

describe('input bounds', () => {
  const bounds = { maxDepth: 4, maxListItems: 3 };
  it('counts nesting of objects and lists and list lengths, iteratively', () => {
    expect(inputBoundsProblem({ a: { b: [1, { c: 1 }] } }, bounds)).toBeUndefined();
    expect(inputBoundsProblem({ a: { b: [1, { c: { d: 1 } }] } }, bounds)).toMatch(/nested more than 4/);
    expect(inputBoundsProblem({ a: [1, 2, 3, 4] }, bounds)).toMatch(/more than 3 items/);
    expect(inputBoundsProblem(JSON.parse(nested(200_000)), { maxDepth: 64, maxListItems: 1000 })).toMatch(/nested/);
    expect(inputBoundsProblem(null, bounds)).toBeUndefined();
  });
});

describe('W1: finished results are bounded', () => {
  const schema = createSchema<Record<string, unknown>>({
    typeDefs: 'type Query { echo(s: String): String }',
    resolvers: { Query: { echo: (_root: unknown, args: { s?: string }) => args.s ?? null } },
  });
  function yogaWith(bounds: Partial<{ entries: number; totalBytes: number; clientBytes: number; entryBytes: number }>) {
    const sharing = useSharedQueryExecution({ maxAgeMs: () => 60_000, generation: () => 0, bounds });
    const yoga = createYoga<Record<string, unknown>>({
      schema,
      logging: false,
      context: ({ request }) => ({
        identity: { subject: request.headers.get('x-subject') ?? 'anonymous', admin: false, method: request.headers.has('x-subject') ? 'api-key' : 'none' },
        freshness: { oldestAnswerAt: Date.now(), generation: 0 },
        req: { socket: { remoteAddress: '127.0.0.1' } },
      }),
      plugins: [sharing],
    });
    const ask = async (body: unknown, subject?: string): Promise<unknown> =>
      (await yoga.fetch('http://yoga/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...(subject ? { 'x-subject': subject } : {}) }, body: JSON.stringify(body) })).json();
    return { finished: sharing.finished, ask };
  }

  it('variables the operation does not declare are not part of the key: a flood of padded unused variables keeps one entry', async () => {
    const { finished, ask } = yogaWith({});
    const pad = 'x'.repeat(100_000);
    for (let i = 0; i < 30; i++) expect(await ask({ query: '{ echo }', variables: { n: i, s: `${pad}${i}` } })).toEqual({ data: { echo: null } });
    expect(finished.size).toBe(1);
    expect(finished.bytes).toBeLessThan(200);
  });

  it('distinct declared variables stay within the bytes bounds, in total and per client; too large a result is not kept', async () => {
    const { finished, ask } = yogaWith({ totalBytes: 50_000, clientBytes: 20_000, entryBytes: 8_000 });
    for (let i = 0; i < 40; i++) await ask({ query: 'query ($s: String) { echo(s: $s) }', variables: { s: `${i}`.padEnd(1_000, 'y') } }, 'alice');
    expect(finished.bytesOf('subject:alice')).toBeLessThanOrEqual(20_000);
    expect(finished.bytesOf('subject:alice')).toBeGreaterThan(15_000);
    for (const subject of ['bob', 'carol', 'dave']) {
      for (let i = 0; i < 40; i++) await ask({ query: 'query ($s: String) { echo(s: $s) }', variables: { s: `${i}`.padEnd(1_000, 'z') } }, subject);
    }
    expect(finished.bytes).toBeLessThanOrEqual(50_000);
    const before = finished.size;
    await ask({ query: 'query ($s: String) { echo(s: $s) }', variables: { s: 'w'.repeat(10_000) } }, 'erin');
    expect(finished.size).toBe(before);
    expect(finished.bytesOf('subject:erin')).toBe(0);
  });

  it('expired entries are swept as time passes, not only when a bound is reached', () => {
    let now = 0;
    const table = new FinishedResults({ entries: 100, totalBytes: 1e6, clientBytes: 1e6, entryBytes: 1e5 }, () => now);
    table.add('a', { data: { x: 1 } }, { validUntil: 500, generation: 0, client: 'c' });
    table.add('b', { data: { x: 2 } }, { validUntil: 5_000, generation: 0, client: 'c' });
    now = 1_500;
    table.sweep();
    expect(table.get('a')).toBeUndefined();
    expect(table.get('b')).toBeDefined();
    expect(table.bytesOf('c')).toBeGreaterThan(0);
    now = 6_000;
    table.sweep();
    expect(table.size).toBe(0);
    expect(table.bytes).toBe(0);
    expect(table.bytesOf('c')).toBe(0);
  });
});
