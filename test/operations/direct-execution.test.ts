import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { KEYS, alicesSettledRun, bearer, codes, postJson, startSecureStack, upstreamCalls, type HttpAnswer } from '../security/helpers.js';

/**
 * The direct path (src/server/direct-execution.ts): a query whose document yoga has parsed, validated and executed
 * once for a request of the same shape runs again without yoga's HTTP layer, each request still authenticated,
 * rate-limited, tenant-checked, executed against the upstream, logged and counted. The read cache is off here, so
 * that every request executes (the answer cache, in front of it, is off with it). Over real HTTP: the path sits in
 * front of yoga's request listener.
 */
const RUN = 'query Run($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { runId status metadata } }';
const MODIFY = 'mutation Modify($input: ModifyRunInput!) { modifyRun(input: $input) { run { metadata } } }';

const replayed = (answer: HttpAnswer) => {
  const headers = Object.fromEntries(answer.headers.entries());
  for (const own of ['date', 'x-request-id', 'connection', 'keep-alive']) delete headers[own];
  return headers;
};

/** node:http, which (unlike fetch) neither asks for nor undoes any encoding: the bytes as sent. */
function rawPost(stack: Stack, body: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(stack.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('direct execution of known queries', () => {
  let stack: Stack;
  let threadId: string;
  let runId: string;
  // The gateway's clock (rate limits) stands still: no token comes back while a test runs.
  const startedAt = Date.now();
  const clock = { now: () => startedAt };
  const logLines: Array<Record<string, unknown>> = [];
  const alice = (body: unknown, headers: Record<string, string> = {}) => postJson(stack, body, { ...bearer(KEYS.alice), ...headers });
  const run = (headers: Record<string, string> = {}) => alice({ query: RUN, variables: { t: threadId, r: runId } }, headers);
  const served = () => stack.gateway.direct.served;

  beforeAll(async () => {
    stack = await startSecureStack(
      { UPSTREAM_READ_CACHE_MS: '0', RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '200', LOG_LEVEL: 'info' },
      { runsApi: { stepMs: 5 }, now: clock.now, logLines },
    );
    ({ threadId, runId } = await alicesSettledRun(stack, 'Direct'));
  });
  afterAll(() => stack?.close());

  it('runs a query yoga answered once without yoga, answering byte for byte what yoga answers, reading the upstream each time', async () => {
    await run();
    stack.gateway.direct.enabled = false;
    const viaYoga = await upstreamCalls(stack, () => run());
    stack.gateway.direct.enabled = true;
    const before = served();
    const direct = await upstreamCalls(stack, () => run({ 'user-agent': 'another tab' }));
    expect(served()).toBe(before + 1);
    expect(direct.result.status).toBe(200);
    expect(direct.calls).toBe(viaYoga.calls);
    expect(direct.calls).toBeGreaterThan(0);
    expect(direct.result.text).toBe(viaYoga.result.text);
    expect(replayed(direct.result)).toEqual(replayed(viaYoga.result));
    expect(direct.result.headers.get('x-request-id')).not.toBe(viaYoga.result.headers.get('x-request-id'));
  });

  it('never answers a caller without a valid key (yoga answers the 401)', async () => {
    await run();
    const before = served();
    for (const headers of [{}, bearer('not-a-key-0123456789abcdef')]) {
      const refused = await postJson(stack, { query: RUN, variables: { t: threadId, r: runId } }, headers);
      expect(refused.status).toBe(401);
      expect(codes(refused.json)).toEqual(['UNAUTHENTICATED']);
      expect(refused.text).not.toContain(runId);
    }
    expect(served()).toBe(before);
  });

  it("checks the tenant of every request: bob's request for alice's run gets what an unknown id gets", async () => {
    await run();
    const before = served();
    const bob = await postJson(stack, { query: RUN, variables: { t: threadId, r: runId } }, bearer(KEYS.bob));
    expect(served()).toBe(before + 1);
    expect(bob.status).toBe(200);
    expect(bob.json).toEqual({ data: { run: null } });
  });

  it('reads what a write changed at once: nothing of a result is kept', async () => {
    await run();
    const modified = await stack.query(MODIFY, { input: { threadId, runId, metadata: { step: 'written' } } }, bearer(KEYS.alice));
    expect(modified.errors).toBeUndefined();
    const before = served();
    const read = await run();
    expect(served()).toBe(before + 1);
    expect(read.json!.data!.run.metadata).toEqual({ step: 'written' });
  });

  it('logs and counts every request it answers, with its own request id', async () => {
    await run();
    const lines = logLines.length;
    const answer = await run({ 'x-request-id': 'direct-1' });
    expect(answer.status).toBe(200);
    const line = logLines.slice(lines).find((entry) => entry['msg'] === 'graphql operation');
    expect(line).toMatchObject({ requestId: 'direct-1', operationType: 'query', operationName: 'Run', outcome: 'ok' });
    expect(line!['upstreamCalls']).toBeGreaterThan(0);
    expect(answer.headers.get('x-request-id')).toBe('direct-1');
  });

  it('leaves mutations and documents that fail validation to yoga every time', async () => {
    const before = served();
    const size = stack.gateway.direct.size;
    for (let i = 0; i < 2; i++) {
      const modified = await stack.query(MODIFY, { input: { threadId, runId, metadata: { step: `again ${i}` } } }, bearer(KEYS.alice));
      expect(modified.errors).toBeUndefined();
      const invalid = await alice({ query: '{ run(threadId: "t", runId: "r") { noSuchField } }' });
      expect(invalid.status).toBe(400);
      expect(codes(invalid.json)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    }
    expect(served()).toBe(before);
    expect(stack.gateway.direct.size).toBe(size);
  });

  it('compresses a large answer as yoga does (same encoding, same JSON, Vary: Accept-Encoding)', async () => {
    // Over COMPRESSION_MIN_BYTES (1 KiB): the whole schema's type names.
    const body = JSON.stringify({ query: '{ __schema { types { name description } } }' });
    const headers = { ...bearer(KEYS.alice), 'accept-encoding': 'gzip' };
    const viaYoga = await rawPost(stack, body, headers);
    const before = served();
    const direct = await rawPost(stack, body, headers);
    expect(served()).toBe(before + 1);
    expect(direct.status).toBe(200);
    expect(direct.headers['content-encoding']).toBe('gzip');
    expect(direct.headers['vary']).toMatch(/accept-encoding/i);
    expect(Number(direct.headers['content-length'])).toBe(direct.body.length);
    expect(viaYoga.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(direct.body).toString()).toBe(gunzipSync(viaYoga.body).toString());
    expect(gunzipSync(direct.body).length).toBeGreaterThan(1024);
  });

  it('rate-limits every request it answers: a refusal is a 429 with Retry-After and no data, as from yoga', async () => {
    await run();
    const before = served();
    const statuses: number[] = [];
    // 200 tokens, none coming back: the requests run the bucket dry.
    for (let i = 0; i < 200 && !statuses.includes(429); i++) statuses.push((await run()).status);
    expect(served()).toBeGreaterThan(before);
    const refused = await run();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(codes(refused.json)).toEqual(['RATE_LIMITED']);
    expect(refused.text).not.toContain(runId);
    stack.gateway.direct.enabled = false;
    const viaYoga = await run();
    stack.gateway.direct.enabled = true;
    expect(viaYoga.status).toBe(429);
    expect(replayed(refused)).toEqual(replayed(viaYoga));
  });
});

describe('direct execution of trusted documents (PERSISTED_DOCUMENTS)', () => {
  const DOCUMENT = '{ assistants(first: 1) { edges { cursor } } }';
  const ID = createHash('sha256').update(DOCUMENT).digest('hex');
  let stack: Stack;
  beforeAll(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'persisted-')), 'documents.json');
    writeFileSync(file, JSON.stringify({ [ID]: DOCUMENT }));
    stack = await startStack({ env: { PERSISTED_DOCUMENTS: file, UPSTREAM_READ_CACHE_MS: '0' } });
  });
  afterAll(() => stack?.close());

  it('runs a known id on the direct path once yoga ran it, and never a raw document, even the same text', async () => {
    const viaYoga = await postJson(stack, { documentId: ID });
    expect(viaYoga.json!.errors).toBeUndefined();
    const before = stack.gateway.direct.served;
    const direct = await postJson(stack, { documentId: ID });
    expect(stack.gateway.direct.served).toBe(before + 1);
    expect(direct.text).toBe(viaYoga.text);
    for (let i = 0; i < 2; i++) {
      const raw = await postJson(stack, { query: DOCUMENT });
      expect(codes(raw.json)).toEqual(['PERSISTED_QUERY_ONLY']);
      // Both a text and an id: yoga's to judge, every time.
      await postJson(stack, { query: DOCUMENT, documentId: ID });
    }
    expect(stack.gateway.direct.served).toBe(before + 1);
  });
});
