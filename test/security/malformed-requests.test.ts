import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { codes, http, jsonHeaders, postJson, stillServes, upstreamCalls } from './helpers.js';

/** Checklist A (1–10): every rejection makes no upstream call and leaves the gateway serving. */

const RUN_QUERY = 'query($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { status } }';

describe('malformed requests', () => {
  let stack: Stack;
  const logLines: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    stack = await startStack({ logLines, env: { MAX_REQUEST_BODY_BYTES: String(64 * 1024), LOG_LEVEL: 'info' } });
  });
  afterAll(() => stack?.close());

  it('1: graphql-http server audits: every MUST passes', async () => {
    const audits = serverAudits({
      url: stack.gateway.url,
      fetchFn: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), 'x-graphql-yoga-csrf': '1' } }),
    });
    const failures: string[] = [];
    for (const audit of audits) {
      const result = await audit.fn();
      if (result.status === 'error') failures.push(`${audit.name}: ${result.reason}`);
    }
    expect(failures).toEqual([]);
  });

  it('2: bad JSON, a non-object body, a missing or non-string query are 400 with no upstream call', async () => {
    const bodies = ['{"query": ', '[1,2]', '"just a string"', '{}', '{"query": 42}', '{"query": {"a": 1}}', 'null'];
    const { result, calls } = await upstreamCalls(stack, () => Promise.all(bodies.map((body) => postJson(stack, body))));
    result.forEach((answer, i) => expect(answer.status, bodies[i]).toBe(400));
    expect(calls).toBe(0);
    expect(await stillServes(stack)).toBe(true);
  });

  it('3: an unsupported content-type is 415; form and text/plain posts without a CSRF header are 403', async () => {
    const { result, calls } = await upstreamCalls(stack, async () => [
      await http(stack, { body: '<q/>', headers: { 'content-type': 'application/xml' } }),
      await http(stack, { body: 'query=%7B__typename%7D', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      await http(stack, { body: JSON.stringify({ query: '{ __typename }' }), headers: { 'content-type': 'text/plain' } }),
      await http(stack, { method: 'GET', path: '/graphql?query=%7B__typename%7D' }),
    ]);
    expect(result.map((answer) => answer.status)).toEqual([415, 403, 403, 403]);
    expect(calls).toBe(0);
    // With the header (or an Authorization header, which forces a preflight) a GET query works.
    expect((await http(stack, { method: 'GET', path: '/graphql?query=%7B__typename%7D', headers: { 'x-graphql-yoga-csrf': '1' } })).status).toBe(200);
  });

  it('4: a mutation over GET is 405 and not executed', async () => {
    const { result, calls } = await upstreamCalls(stack, () =>
      http(stack, { method: 'GET', path: `/graphql?query=${encodeURIComponent('mutation { createThread(input: {}) { thread { threadId } } }')}`, headers: { 'x-graphql-yoga-csrf': '1', accept: 'application/graphql-response+json' } }),
    );
    expect(result.status).toBe(405);
    expect(calls).toBe(0);
  });

  it('5: a syntax error is a parse error; a typo gets no field suggestion', async () => {
    const { result, calls } = await upstreamCalls(stack, async () => [await postJson(stack, { query: '{ run(' }), await postJson(stack, { query: '{ threa(id: "x") { id } }' })]);
    const [syntax, typo] = result;
    expect(syntax!.status).toBe(400);
    expect(syntax!.json!.errors![0]!.message).toMatch(/Syntax Error/);
    expect(typo!.json!.errors![0]!.message).not.toMatch(/Did you mean/);
    expect(typo!.text).not.toMatch(/"thread"/);
    expect(calls).toBe(0);
  });

  it('6: a batch is refused (batching is off)', async () => {
    const { result, calls } = await upstreamCalls(stack, () => postJson(stack, [{ query: '{ __typename }' }, { query: '{ assistants(first: 1) { edges { cursor } } }' }]));
    expect(result.status).toBe(400);
    expect(calls).toBe(0);
  });

  it('7: a body over the limit is 413 before parsing, declared or streamed; gzip is refused rather than inflated', async () => {
    const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(100 * 1024) } });
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(4096)));
        controller.close();
      },
    });
    const { result, calls } = await upstreamCalls(stack, async () => [
      await postJson(stack, big),
      await fetch(stack.gateway.url, { method: 'POST', headers: jsonHeaders(), body: streamed, duplex: 'half' } as RequestInit).then((response) => response.status),
      await http(stack, { body: gzipSync(JSON.stringify({ query: '{ __typename }', variables: { pad: 'y'.repeat(1024 * 1024) } })), headers: jsonHeaders({ 'content-encoding': 'gzip' }) }),
    ]);
    const [declared, chunked, gzip] = result as [Awaited<ReturnType<typeof postJson>>, number, Awaited<ReturnType<typeof http>>];
    expect(declared.status).toBe(413);
    expect(codes(declared.json)).toEqual(['PAYLOAD_TOO_LARGE']);
    expect(chunked).toBe(413);
    expect(gzip.status).toBe(415);
    expect(calls).toBe(0);
    expect(await stillServes(stack)).toBe(true);
  });

  it('8: an upgrade with 2000 headers (CVE-2024-37890) is refused and the process stays up', async () => {
    const { port } = new URL(stack.gateway.url);
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1');
      let data = '';
      socket.on('data', (chunk) => (data += String(chunk)));
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve(data));
      const headers = Array.from({ length: 2000 }, (_, i) => `x-h${i}: a`).join('\r\n');
      socket.write(`GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n`);
      setTimeout(() => socket.destroy(), 2000);
    });
    expect(answer).not.toMatch(/^HTTP\/1.1 101/);
    expect(await stillServes(stack)).toBe(true);
  });

  it('9: several operations without operationName are 400', async () => {
    const { result, calls } = await upstreamCalls(stack, () => postJson(stack, { query: 'query A { __typename } query B { assistants(first: 1) { edges { cursor } } }' }));
    expect(result.status).toBe(400);
    expect(result.json!.errors![0]!.message).toMatch(/Could not determine what operation to execute/);
    expect(calls).toBe(0);
  });

  it('10: oversized variables (17 metadata keys, a 1 MB string) are rejected before any upstream call', async () => {
    const seventeen = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
    const { result, calls } = await upstreamCalls(stack, async () => [
      await postJson(stack, { query: 'mutation($m: JSONObject) { createThread(input: { metadata: $m }) { thread { threadId } } }', variables: { m: seventeen } }),
      await postJson(stack, { query: RUN_QUERY, variables: { t: 'thread_x', r: 'r'.repeat(1024 * 1024) } }),
    ]);
    const [metadata, huge] = result;
    expect(codes(metadata!.json)).toEqual(['BAD_USER_INPUT']);
    expect(huge!.status).toBe(413);
    expect(calls).toBe(0);
    // Within the body limit, an over-long id is refused by the id checks, still without an upstream call.
    const long = await upstreamCalls(stack, () => postJson(stack, { query: RUN_QUERY, variables: { t: 'thread_x', r: 'r'.repeat(10_000) } }));
    expect(codes(long.result.json)).toEqual(['BAD_USER_INPUT']);
    expect(long.calls).toBe(0);
  });
  it('11: variables that do not fit their types, and an unknown operation name, are 400 BAD_USER_INPUT with no upstream call', async () => {
    const bodies = [
      { query: RUN_QUERY, variables: { t: 'thread_x' } },
      { query: RUN_QUERY, variables: { t: 'thread_x', r: null } },
      { query: RUN_QUERY, variables: { t: { nested: true }, r: 'run_x' } },
      { query: RUN_QUERY, variables: { t: ['a'], r: 7.5 } },
      { query: 'query($first: Int) { assistants(first: $first) { edges { cursor } } }', variables: { first: 'ten' } },
    ];
    const { result, calls } = await upstreamCalls(stack, () => Promise.all(bodies.map((body) => postJson(stack, body))));
    result.forEach((answer, i) => {
      expect(answer.status, JSON.stringify(bodies[i])).toBe(400);
      expect(codes(answer.json), JSON.stringify(bodies[i])).not.toHaveLength(0);
      expect(new Set(codes(answer.json)), JSON.stringify(bodies[i])).toEqual(new Set(['BAD_USER_INPUT']));
    });
    expect(calls).toBe(0);
    // The caller's mistake, not the gateway's: nothing is logged as an error.
    expect(logLines.filter((line) => Number(line['level']) >= 50)).toEqual([]);
    const unknownOperation = await postJson(stack, { query: 'query A { __typename }', operationName: 'B' });
    expect(unknownOperation.status).toBe(400);
    expect(codes(unknownOperation.json)).toEqual(['OPERATION_RESOLUTION_FAILURE']);
  });
});
