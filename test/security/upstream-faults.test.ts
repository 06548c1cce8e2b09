import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { ROUTES, createAssistant, createThread, settledRun } from '../helpers/fixtures.js';
import { codes, stillServes, upstreamCalls } from './helpers.js';

/**
 * Checklist D, as far as it concerns what clients see (34, 35, 38, 42 and production masking). The retry policy
 * itself is covered in test/operations/errors.test.ts and test/unit/upstream-*.test.ts.
 */

describe('upstream faults', () => {
  let stack: Stack;
  let threadId: string;
  let runId: string;
  let assistantId: string;
  const RUN = 'query($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { status } }';

  beforeAll(async () => {
    stack = await startStack({ env: { NODE_ENV: 'production', GATEWAY_AUTH: 'none', UPSTREAM_TIMEOUT_MS: '300' }, runsApi: { stepMs: 5 } });
    assistantId = (await createAssistant(stack.api)).id;
    threadId = (await createThread(stack.api)).id;
    runId = (await settledRun(stack.api, threadId, { assistant_id: assistantId })).id;
  });
  afterAll(() => stack?.close());

  async function withFault<T>(rule: string, body: () => Promise<T>): Promise<T> {
    stack.api.faults.set(rule);
    try {
      return await body();
    } finally {
      stack.api.faults.clear();
    }
  }

  it('34: upstream 429 exhausted → RATE_LIMITED with retryAfterMs and no upstream text', async () => {
    const { result } = await withFault('GET * status=429 retry_after_ms=5', () => upstreamCalls(stack, () => stack.query(RUN, { t: threadId, r: runId })));
    expect(codes(result)).toEqual(['RATE_LIMITED']);
    expect(result.errors![0]!.extensions!['retryAfterMs']).toBe(5);
    expect(JSON.stringify(result)).not.toMatch(/Rate limit reached|rate_limit_exceeded/);
  });

  it('35: 5xx on create-run: sent exactly once, UPSTREAM_UNAVAILABLE', async () => {
    const { result, byRoute } = await withFault('POST /threads/{thread_id}/runs status=500', () =>
      upstreamCalls(stack, () => stack.query('mutation($t: ID!, $a: ID!) { createRun(input: { threadId: $t, assistantId: $a }) { run { runId } } }', { t: threadId, a: assistantId })),
    );
    expect(codes(result)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(byRoute['POST /threads/{thread_id}/runs']).toBe(1);
  });

  it('37 + 38: a hung upstream, a dropped connection and an unreadable body are masked errors, and nothing crashes', async () => {
    for (const rule of ['GET * latency=1000', 'GET * drop']) {
      const result = await withFault(rule, () => stack.query(RUN, { t: threadId, r: runId }));
      expect(codes(result), rule).toEqual(['UPSTREAM_UNAVAILABLE']);
      expect(JSON.stringify(result)).not.toMatch(/stack|ECONNRESET|at \S+ \(/);
    }
    const html = await startStack({ env: { NODE_ENV: 'production', GATEWAY_AUTH: 'none', UPSTREAM_MAX_RETRIES: '0' }, fetch: async () => new Response('<html>502 Bad Gateway</html>', { status: 200, headers: { 'content-type': 'text/html' } }) });
    try {
      const result = await html.query(RUN, { t: threadId, r: runId });
      expect(result.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', reason: 'invalid_response' });
      expect(JSON.stringify(result)).not.toContain('<html>');
    } finally {
      await html.close();
    }
    expect(await stillServes(stack)).toBe(true);
  });

  it('42: upstream 404 → null for a lookup, NOT_FOUND for a page', async () => {
    const { result, calls } = await upstreamCalls(stack, () => stack.query('{ run(threadId: "thread_missing", runId: "run_missing") { status } }'));
    expect(result).toEqual({ data: { run: null } });
    expect(calls).toBe(1);
    const page = await withFault('GET /threads/{thread_id}/runs status=404', () => stack.query('query($t: ID!) { thread(id: $t) { runs(first: 1) { edges { cursor } } } }', { t: threadId }));
    expect(codes(page)).toEqual(['NOT_FOUND']);
    expect(page.errors![0]!.path).toEqual(['thread', 'runs']);
  });

  it('NODE_ENV=production masks an unexpected error (no stack, no internal message) and keeps typed codes', async () => {
    const broken = await startStack({
      env: { NODE_ENV: 'production', GATEWAY_AUTH: 'none' },
      fetch: async () => {
        throw new TypeError('internal detail: socket /var/run/secret.sock');
      },
    });
    try {
      // The client turns a thrown fetch into a typed error: masked text, its code kept.
      const typed = await broken.query(RUN, { t: threadId, r: runId });
      expect(codes(typed)).toEqual(['UPSTREAM_UNAVAILABLE']);
      // An error nobody mapped (a bug) becomes "Unexpected error." with no details at all.
      const upstream = broken.gateway.services.upstream;
      upstream.getAssistant = () => {
        throw new TypeError('Cannot read properties of undefined (reading "secret")');
      };
      // Operations read through a per-request view of the client; let it be the patched client itself.
      upstream.withClientSignal = () => upstream;
      const bug = await broken.query('{ assistant(id: "asst_x") { name } }');
      expect(bug.errors![0]!.message).toBe('Unexpected error.');
      expect(bug.errors![0]!.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
      expect(JSON.stringify(bug)).not.toMatch(/secret|TypeError|at \S+ \(/);
    } finally {
      await broken.close();
    }
    expect(await stillServes(stack)).toBe(true);
  });
});
