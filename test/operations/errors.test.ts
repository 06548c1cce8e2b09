import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { ROUTES, callsSince, createAssistant, createThread, settledRun } from '../helpers/fixtures.js';

/** Every error code of the upstream mapping, produced by fault injection on the embedded runs API over HTTP. */

const PAGE = /* GraphQL */ `
  query($t: ID!) {
    thread(id: $t) {
      threadId
      runs(first: 10) { edges { node { runId status assistant { name } steps(first: 5) { edges { cursor } } } } }
    }
  }
`;

describe('upstream failures become GraphQL errors with extensions.code', () => {
  let stack: Stack;
  let threadId: string;
  let runIds: string[];

  beforeAll(async () => {
    stack = await startStack({ runsApi: { stepMs: 5 } });
    const assistant = await createAssistant(stack.api, { name: 'Solo' });
    threadId = (await createThread(stack.api)).id;
    runIds = [];
    for (let i = 0; i < 3; i++) runIds.push((await settledRun(stack.api, threadId, { assistant_id: assistant.id })).id);
  });
  afterAll(() => stack?.close());

  async function withFaults<T>(rules: Parameters<Stack['api']['faults']['set']>[0], body: () => Promise<T>): Promise<T> {
    stack.api.faults.set(rules);
    try {
      return await body();
    } finally {
      stack.api.faults.clear();
    }
  }

  it('404: an unknown id is null; a page of a missing parent is NOT_FOUND on that field only', async () => {
    const nulls = await stack.query(`{ thread(id: "thread_nope") { id } run(threadId: "thread_nope", runId: "run_nope") { id } assistant(id: "asst_nope") { id } }`);
    expect(nulls).toEqual({ data: { thread: null, run: null, assistant: null } });

    const result = await withFaults('GET /threads/{thread_id}/runs/{run_id}/steps status=404', () => stack.query(PAGE, { t: threadId }));
    const edges = result.data!.thread.runs.edges;
    expect(edges).toHaveLength(3);
    expect(edges.every((e: any) => e.node.status === 'COMPLETED' && e.node.assistant.name === 'Solo' && e.node.steps === null)).toBe(true);
    expect(result.errors).toHaveLength(3);
    result.errors!.forEach((error, i) => {
      expect(error.extensions).toMatchObject({ code: 'NOT_FOUND', requestId: expect.stringMatching(/^req_/) });
      expect(error.path).toEqual(['thread', 'runs', 'edges', i, 'node', 'steps']);
    });
  });

  it('429: retried after retry-after-ms, then RATE_LIMITED with retryAfterMs on the failing field, the rest of the page intact', async () => {
    const recovered = await withFaults('GET /assistants/{assistant_id} status=429 count=1 retry_after_ms=20', async () => {
      const mark = stack.api.requestLog.length;
      const result = await stack.query(PAGE, { t: threadId });
      return { result, calls: callsSince(stack.api, mark) };
    });
    expect(recovered.result.errors).toBeUndefined();
    expect(recovered.calls[ROUTES.assistant]).toBe(2);

    const { result, calls } = await withFaults('GET /assistants/{assistant_id} status=429 retry_after_ms=20', async () => {
      const mark = stack.api.requestLog.length;
      return { result: await stack.query(PAGE, { t: threadId }), calls: callsSince(stack.api, mark) };
    });
    expect(calls[ROUTES.assistant]).toBe(3); // one assistant, first try + 2 retries, shared by the 3 runs
    const edges = result.data!.thread.runs.edges;
    expect(edges.map((e: any) => e.node.assistant)).toEqual([null, null, null]);
    expect(edges.every((e: any) => e.node.status === 'COMPLETED' && e.node.steps.edges.length === 1)).toBe(true);
    expect(result.errors!.map((e) => e.path)).toEqual([0, 1, 2].map((i) => ['thread', 'runs', 'edges', i, 'node', 'assistant']));
    for (const error of result.errors!) expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 20 });
  });

  it('500: GETs are retried twice, then UPSTREAM_UNAVAILABLE without upstream text', async () => {
    const once = await withFaults('GET /threads/{thread_id}/runs/{run_id} status=500 count=1', async () => {
      const mark = stack.api.requestLog.length;
      const result = await stack.query('query($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { status } }', { t: threadId, r: runIds[0] });
      return { result, calls: callsSince(stack.api, mark) };
    });
    expect(once.result).toEqual({ data: { run: { status: 'COMPLETED' } } });
    expect(once.calls).toEqual({ [ROUTES.run]: 2 });

    const always = await withFaults('GET /threads/{thread_id}/runs/{run_id} status=500', async () => {
      const mark = stack.api.requestLog.length;
      const result = await stack.query('query($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { status } }', { t: threadId, r: runIds[0] });
      return { result, calls: callsSince(stack.api, mark) };
    });
    expect(always.calls).toEqual({ [ROUTES.run]: 3 });
    expect(always.result.data).toEqual({ run: null });
    expect(always.result.errors).toEqual([
      {
        message: 'The upstream API is unavailable (HTTP 500).',
        path: ['run'],
        locations: expect.any(Array),
        extensions: { code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: 500, requestId: expect.stringMatching(/^req_/) },
      },
    ]);
  });

  it('dropped connection: retried, then UPSTREAM_UNAVAILABLE (network)', async () => {
    const { result, calls } = await withFaults('GET /threads/{thread_id} drop', async () => {
      const mark = stack.api.requestLog.length;
      return { result: await stack.query('query($t: ID!) { thread(id: $t) { threadId } }', { t: threadId }), calls: callsSince(stack.api, mark) };
    });
    expect(calls).toEqual({ [ROUTES.thread]: 3 });
    expect(result.data).toEqual({ thread: null });
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', reason: 'network' });
  });

  it('409: retried, then CONFLICT', async () => {
    const result = await withFaults('GET /threads/{thread_id} status=409', () => stack.query('query($t: ID!) { thread(id: $t) { threadId } }', { t: threadId }));
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', upstreamStatus: 409 });
  });

  it('400: BAD_USER_INPUT with the upstream param', async () => {
    const result = await stack.query('query($t: ID!) { thread(id: $t) { threadId runs(first: 2, after: "run_doesnotexist") { edges { cursor } } } }', { t: threadId });
    expect(result.data).toEqual({ thread: { threadId, runs: null } });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', param: 'after', upstreamStatus: 400 });
    expect(result.errors?.[0]?.path).toEqual(['thread', 'runs']);

    const injected = await withFaults('GET /threads/{thread_id} status=400', () => stack.query('query($t: ID!) { thread(id: $t) { threadId } }', { t: threadId }));
    expect(injected.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  it('counts every attempt in gateway_upstream_requests_total with templated routes', async () => {
    const metrics = await stack.gateway.metrics.registry.metrics();
    expect(metrics).toMatch(/gateway_upstream_requests_total\{method="GET",route="\/threads\/\{thread_id\}\/runs\/\{run_id\}",status="500"\} [1-9]/);
    expect(metrics).toMatch(/gateway_upstream_requests_total\{method="GET",route="\/threads\/\{thread_id\}",status="error"\} [1-9]/);
    expect(metrics).toMatch(/gateway_upstream_request_duration_seconds_count\{method="GET",route="\/assistants\/\{assistant_id\}"\} [1-9]/);
    expect(metrics).not.toMatch(/thread_[A-Za-z0-9]{8,}/);
  });

  it('a compiled query (graphql-jit) answers with the same data and errors as graphql’s executor', async () => {
    const compiled = stack.gateway.compiled;
    const faults = 'GET /threads/{thread_id}/runs/{run_id}/steps status=404';
    const query = PAGE.replace('query(', 'query CompiledPage(');
    compiled.enabled = false;
    const standard = await withFaults(faults, () => stack.query(query, { t: threadId }));
    compiled.enabled = true;
    const before = compiled.count;
    const answers = [];
    for (let i = 0; i < 2; i++) answers.push(await withFaults(faults, () => stack.query(query, { t: threadId })));
    expect(compiled.count).toBe(before + 1);
    expect(standard.errors).toHaveLength(3);
    // Each upstream answer has its own request id: the rest must match to the byte.
    const withoutRequestIds = (answer: unknown) => JSON.parse(JSON.stringify(answer).replace(/"req_[0-9a-f]+"/g, '"req"'));
    expect(JSON.stringify(standard)).toMatch(/"requestId":"req_/);
    expect(withoutRequestIds(answers[0])).toEqual(withoutRequestIds(standard));
    expect(withoutRequestIds(answers[1])).toEqual(withoutRequestIds(standard));
  });

  it('client headers never reach the upstream', async () => {
    // The embedded API wants the gateway's key; a client Authorization header must not replace it.
    const keyed = await startStack({ runsApi: { stepMs: 5, apiKey: 'sk-gateway-key-0123456789abcdef' } });
    try {
      const thread = await createThread(keyed.api).catch(() => undefined);
      expect(thread).toBeUndefined(); // the fixture sends no key: 401
      const result = await keyed.query('{ thread(id: "thread_x") { id } }', {}, { authorization: 'Bearer sk-client-token', 'openai-beta': 'nope', 'x-forward-me': '1' });
      expect(result).toEqual({ data: { thread: null } }); // authorised with the gateway key: a plain 404 → null
    } finally {
      await keyed.close();
    }
  });
});

describe('credentials and timeouts', () => {
  it('401: UPSTREAM_UNAUTHORIZED, and the key fragment the upstream echoes never reaches the client', async () => {
    const stack = await startStack({ runsApi: { stepMs: 5, apiKey: 'sk-right-0123456789abcdef' }, env: { UPSTREAM_API_KEY: 'sk-wrong-9876543210fedcba' } });
    try {
      const mark = stack.api.requestLog.length;
      const result = await stack.query('{ thread(id: "thread_x") { id } assistants(first: 1) { edges { cursor } } }');
      expect(result.data).toEqual({ thread: null, assistants: null });
      expect(result.errors).toHaveLength(2);
      for (const error of result.errors!) {
        expect(error.message).toBe("The upstream API rejected the gateway's credentials.");
        expect(error.extensions).toEqual({ code: 'UPSTREAM_UNAUTHORIZED', upstreamStatus: 401, requestId: expect.stringMatching(/^req_/) });
      }
      const text = JSON.stringify(result);
      expect(text).not.toMatch(/sk-|\*\*\*|fedcba|cdef|Incorrect/);
      expect(callsSince(stack.api, mark)).toEqual({ [ROUTES.thread]: 1, [ROUTES.assistants]: 1 }); // 401s are not retried
    } finally {
      await stack.close();
    }
  });

  it('a hung upstream times out as UPSTREAM_UNAVAILABLE (timeout)', async () => {
    const stack = await startStack({ runsApi: { stepMs: 5, faults: 'GET /threads/{thread_id} latency=2000' }, env: { UPSTREAM_TIMEOUT_MS: '150', UPSTREAM_MAX_RETRIES: '1' } });
    try {
      const started = Date.now();
      const result = await stack.query('{ thread(id: "thread_x") { id } }');
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(result.data).toEqual({ thread: null });
      expect(result.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', reason: 'timeout' });
    } finally {
      await stack.close();
    }
  });
});
