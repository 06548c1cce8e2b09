import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/runs-api.js';
import { adjustableClock } from '../helpers/wait.js';
import type { Stack } from '../helpers/stack.js';
import { KEYS, alicesSettledRun, bearer, codes, postJson, startSecureStack, upstreamCalls, type HttpAnswer } from '../security/helpers.js';

/**
 * The answer cache (src/server/answer-cache.ts): identical HTTP queries whose shared result is fresh are answered
 * from the bytes of the first response, before yoga, still authenticated, rate-limited, logged and counted.
 * Over real HTTP: the cache sits in front of yoga's request listener, so yoga.fetch would not reach it.
 */
// Long in real time, so a loaded machine cannot age an answer: the test ages them with its own clock.
const MAX_AGE_MS = 30_000;
const RUN = 'query Run($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { runId status metadata } }';
const MODIFY = 'mutation Modify($input: ModifyRunInput!) { modifyRun(input: $input) { run { metadata } } }';

/** The headers a client sees, without those that are the connection's or the request's own. */
const replayed = (answer: HttpAnswer) => {
  const headers = Object.fromEntries(answer.headers.entries());
  for (const own of ['date', 'x-request-id', 'connection', 'keep-alive']) delete headers[own];
  return headers;
};

describe('answer cache', () => {
  let stack: Stack;
  let threadId: string;
  let runId: string;
  const clock = adjustableClock();
  const logLines: Array<Record<string, unknown>> = [];
  const expire = () => clock.advance(MAX_AGE_MS + 50);
  const alice = (body: unknown, headers: Record<string, string> = {}) => postJson(stack, body, { ...bearer(KEYS.alice), ...headers });
  const hits = () => stack.gateway.services.metrics.registry.getSingleMetric('gateway_operations_total');

  beforeAll(async () => {
    stack = await startSecureStack(
      { UPSTREAM_READ_CACHE_MS: String(MAX_AGE_MS), RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '40', LOG_LEVEL: 'info' },
      { runsApi: { stepMs: 5 }, now: clock.now, logLines },
    );
    ({ threadId, runId } = await alicesSettledRun(stack, 'Cached'));
  });
  afterAll(() => stack?.close());

  it('answers a repeated query from the first answer, byte for byte, without an upstream call', async () => {
    expire();
    const first = await upstreamCalls(stack, () => alice({ query: RUN, variables: { t: threadId, r: runId } }));
    expect(first.result.status).toBe(200);
    expect(first.calls).toBeGreaterThan(0);
    const kept = stack.gateway.answers.size;
    expect(kept).toBeGreaterThan(0);
    const again = await upstreamCalls(stack, () => alice({ query: RUN, variables: { t: threadId, r: runId } }, { 'user-agent': 'another tab' }));
    expect(again.calls).toBe(0);
    expect(again.result.text).toBe(first.result.text);
    expect(replayed(again.result)).toEqual(replayed(first.result));
    // Each answer carries its own request id.
    expect(again.result.headers.get('x-request-id')).not.toBe(first.result.headers.get('x-request-id'));
  });

  it('serves an answer no longer than its upstream answers may be reused, then reads again', async () => {
    expire();
    await alice({ query: RUN, variables: { t: threadId, r: runId } });
    await call(stack.api, 'POST', `/threads/${threadId}/runs/${runId}`, { body: { metadata: { changed: 'elsewhere' } } });
    clock.advance(MAX_AGE_MS / 2);
    const young = await upstreamCalls(stack, () => alice({ query: RUN, variables: { t: threadId, r: runId } }));
    expect(young.calls).toBe(0);
    expect(young.result.json!.data!.run.metadata).toEqual({});
    clock.advance(MAX_AGE_MS / 2 + 10);
    const old = await upstreamCalls(stack, () => alice({ query: RUN, variables: { t: threadId, r: runId } }));
    expect(old.calls).toBe(1);
    expect(old.result.json!.data!.run.metadata).toEqual({ changed: 'elsewhere' });
  });

  it('never serves one caller the answer kept for another', async () => {
    expire();
    const mine = await alice({ query: RUN, variables: { t: threadId, r: runId } });
    expect(mine.json!.data!.run.runId).toBe(runId);
    // Bob may not see alice's thread: he gets what an unknown id gets, not alice's kept answer.
    const bob = await postJson(stack, { query: RUN, variables: { t: threadId, r: runId } }, bearer(KEYS.bob));
    expect(bob.status).toBe(200);
    expect(bob.json).toEqual({ data: { run: null } });
    // And bob's own answer, kept now, is not served to alice either.
    const again = await alice({ query: RUN, variables: { t: threadId, r: runId } });
    expect(again.json!.data!.run.runId).toBe(runId);
  });

  it('a write through the gateway ends every kept answer at once', async () => {
    expire();
    await alice({ query: RUN, variables: { t: threadId, r: runId } });
    await alice({ query: RUN, variables: { t: threadId, r: runId } });
    const modified = await stack.query(MODIFY, { input: { threadId, runId, metadata: { step: 'written' } } }, bearer(KEYS.alice));
    expect(modified.errors).toBeUndefined();
    const read = await upstreamCalls(stack, () => alice({ query: RUN, variables: { t: threadId, r: runId } }));
    expect(read.calls).toBe(1);
    expect(read.result.json!.data!.run.metadata).toEqual({ step: 'written' });
  });

  it('refuses a caller without a valid key even when an answer is kept for the same query', async () => {
    expire();
    await alice({ query: RUN, variables: { t: threadId, r: runId } });
    for (const headers of [{}, bearer('not-a-key-0123456789abcdef')]) {
      const refused = await postJson(stack, { query: RUN, variables: { t: threadId, r: runId } }, headers);
      expect(refused.status).toBe(401);
      expect(codes(refused.json)).toEqual(['UNAUTHENTICATED']);
      expect(refused.text).not.toContain(runId);
    }
  });

  it('logs and counts every answer it serves, as yoga would', async () => {
    expire();
    await alice({ query: RUN, variables: { t: threadId, r: runId } });
    const counted = async () => (await hits()!.get()).values.find((value) => value.labels['name'] === 'Run' && value.labels['outcome'] === 'ok')?.value ?? 0;
    const before = await counted();
    const lines = logLines.length;
    const answer = await alice({ query: RUN, variables: { t: threadId, r: runId } }, { 'x-request-id': 'cached-answer-1' });
    expect(answer.status).toBe(200);
    expect(await counted()).toBe(before + 1);
    const line = logLines.slice(lines).find((entry) => entry['msg'] === 'graphql operation');
    expect(line).toMatchObject({ requestId: 'cached-answer-1', operationType: 'query', operationName: 'Run', outcome: 'ok', upstreamCalls: 0, answer: 'cache' });
  });

  it('rate-limits answers it keeps like any other operation, and never serves a refused caller', async () => {
    expire();
    await postJson(stack, { query: RUN, variables: { t: threadId, r: runId } }, bearer(KEYS.root));
    const statuses: number[] = [];
    // A burst of 40 tokens at 1 per second, the clock standing still: the 41st operation is refused.
    for (let i = 0; i < 45; i++) statuses.push((await postJson(stack, { query: RUN, variables: { t: threadId, r: runId } }, bearer(KEYS.root))).status);
    const refused = statuses.indexOf(429);
    expect(refused).toBe(39);
    expect(statuses.slice(refused).every((status) => status === 429)).toBe(true);
    const answer = await postJson(stack, { query: RUN, variables: { t: threadId, r: runId } }, bearer(KEYS.root));
    expect(answer.status).toBe(429);
    expect(codes(answer.json)).toEqual(['RATE_LIMITED']);
    expect(answer.text).not.toContain(runId);
  });
});

/**
 * With the read cache off, identical requests that come while the first is being answered wait for its bytes (as
 * identical executions in flight are shared): one execution, one upstream read, every request still authenticated,
 * limited and logged on its own; nothing kept once the first is answered.
 */
describe('answer cache, requests in flight (read cache off)', () => {
  let stack: Stack;
  let threadId: string;
  let runId: string;
  let assistantId: string;
  const logLines: Array<Record<string, unknown>> = [];
  const read = (key: string = KEYS.alice, headers: Record<string, string> = {}) => postJson(stack, { query: RUN, variables: { t: threadId, r: runId } }, { ...bearer(key), ...headers });
  /** Holds every read of the run upstream for `ms`, so that requests made meanwhile find the first in flight. */
  const slowRuns = (ms: number) => stack.api.faults.set([{ method: 'GET', route: '/threads/{thread_id}/runs/{run_id}', kind: 'latency', ms }]);
  const runReads = () => stack.api.requestLog.filter((entry) => entry.method === 'GET' && entry.route === '/threads/{thread_id}/runs/{run_id}').length;
  const waitForReads = async (count: number) => {
    for (let i = 0; i < 200 && runReads() < count; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  };

  beforeAll(async () => {
    stack = await startSecureStack({ UPSTREAM_READ_CACHE_MS: '0', RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '200', LOG_LEVEL: 'info' }, { runsApi: { stepMs: 5 }, logLines });
    ({ assistantId, threadId, runId } = await alicesSettledRun(stack, 'InFlight'));
  });
  afterAll(() => stack?.close());

  it('answers identical requests made while the first is in flight from its bytes: one read upstream, a log line each, nothing kept', async () => {
    slowRuns(300);
    try {
      const before = runReads();
      const lines = logLines.length;
      const first = read();
      await waitForReads(before + 1);
      const rest = Array.from({ length: 9 }, (_, i) => read(KEYS.alice, { 'x-request-id': `joined-${i}` }));
      const answers = await Promise.all([first, ...rest]);
      expect(runReads() - before).toBe(1);
      expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
      expect(new Set(answers.map((answer) => answer.text)).size).toBe(1);
      expect(answers[0]!.json!.data!.run.runId).toBe(runId);
      expect(replayed(answers[5]!)).toEqual(replayed(answers[0]!));
      const operations = logLines.slice(lines).filter((entry) => entry['msg'] === 'graphql operation');
      expect(operations).toHaveLength(10);
      expect(operations.filter((entry) => entry['answer'] === 'cache').map((entry) => entry['requestId']).sort()).toEqual(Array.from({ length: 9 }, (_, i) => `joined-${i}`).sort());
      // Nothing outlives the first answer: the next identical request reads again.
      expect(stack.gateway.answers.size).toBe(0);
      await read();
      expect(runReads() - before).toBe(2);
    } finally {
      stack.api.faults.clear();
    }
  });

  it('never lets another caller, a refused one or one after a write wait for the first answer', async () => {
    slowRuns(300);
    try {
      const before = runReads();
      const first = read();
      await waitForReads(before + 1);
      const bob = read(KEYS.bob);
      const refused = postJson(stack, { query: RUN, variables: { t: threadId, r: runId } }, bearer('not-a-key-0123456789abcdef'));
      const [mine, bobs, stranger] = await Promise.all([first, bob, refused]);
      expect(mine.json!.data!.run.runId).toBe(runId);
      expect(bobs.json).toEqual({ data: { run: null } });
      expect(stranger.status).toBe(401);
      expect(stranger.text).not.toContain(runId);

      // A write through the gateway while the first is in flight: a request after it reads for itself.
      const beforeWrite = runReads();
      const stale = read();
      await waitForReads(beforeWrite + 1);
      const modified = await stack.query(MODIFY, { input: { threadId, runId, metadata: { step: 'in flight' } } }, bearer(KEYS.alice));
      expect(modified.errors).toBeUndefined();
      const afterWrite = read();
      const [, fresh] = await Promise.all([stale, afterWrite]);
      expect(fresh.json!.data!.run.metadata).toEqual({ step: 'in flight' });
    } finally {
      stack.api.faults.clear();
    }
  });

  it('a first answer with an error is not shared: those waiting answer for themselves', async () => {
    // (An unknown run is no error, `run: null`, and is shared like any other answer.) The run's read fails at once while
    // the assistant's is held, so the first request is still in flight, with an error, when the second comes.
    const both = 'query Both($t: ID!, $r: ID!, $a: ID!) { run(threadId: $t, runId: $r) { runId } assistant(id: $a) { name } }';
    const ask = () => postJson(stack, { query: both, variables: { t: threadId, r: runId, a: assistantId } }, bearer(KEYS.alice));
    stack.api.faults.set([
      { method: 'GET', route: '/threads/{thread_id}/runs/{run_id}', kind: 'status', status: 400, count: 1 },
      { method: 'GET', route: '/assistants/{assistant_id}', kind: 'latency', ms: 300 },
    ]);
    try {
      const before = runReads();
      const lines = logLines.length;
      const first = ask();
      await waitForReads(before + 1);
      const second = ask();
      const [failed, own] = await Promise.all([first, second]);
      expect(failed.json!.errors).toHaveLength(1);
      expect(own.json!.errors).toBeUndefined();
      expect(own.json!.data).toEqual({ run: { runId }, assistant: { name: 'InFlight' } });
      const operations = logLines.slice(lines).filter((entry) => entry['msg'] === 'graphql operation');
      expect(operations.map((entry) => entry['answer'] ?? 'executed')).toEqual(['executed', 'executed']);
    } finally {
      stack.api.faults.clear();
    }
  });
});
