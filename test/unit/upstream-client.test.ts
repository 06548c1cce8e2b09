import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { UpstreamConfig } from '../../src/config.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createUpstreamClient, type UpstreamClient, type UpstreamClientOptions } from '../../src/upstream/client.js';
import { UpstreamError } from '../../src/upstream/errors.js';
import { testUpstreamConfig } from '../helpers/upstream-config.js';
import { nextTurn, waitUntil } from '../helpers/wait.js';

const KEY = 'sk-test-abcdefghijklmnopqrstuvwxyz0123456789';

function config(overrides: Partial<UpstreamConfig> = {}): UpstreamConfig {
  return testUpstreamConfig({ apiKey: KEY, maxRetries: 2, ...overrides });
}

interface Call {
  url: string;
  method: string;
  headers: Headers;
  body: string | undefined;
}

type Reply = Response | ((url: string) => Response | Promise<Response>) | Error;

/** A fetch that answers from a queue (the last reply repeats) and records each call. */
function fakeFetch(...replies: Reply[]) {
  const calls: Call[] = [];
  const fetch: typeof globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), method: init?.method ?? 'GET', headers: new Headers(init?.headers), body: init?.body as string | undefined });
    const reply = replies.length > 1 ? replies.shift()! : replies[0]!;
    if (reply instanceof Error) throw reply;
    return typeof reply === 'function' ? reply(String(input)) : reply.clone();
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const apiError = (status: number, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  json({ error: { message, type: 'invalid_request_error', param: null, code: null, ...extra } }, status, headers);

function client(fetch: typeof globalThis.fetch, overrides: Partial<UpstreamConfig> = {}, extra: Partial<UpstreamClientOptions> = {}) {
  const sleeps: number[] = [];
  const metrics = createMetrics();
  const upstream = createUpstreamClient({
    config: config(overrides),
    metrics,
    fetch,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0,
    ...extra,
  });
  return { upstream, sleeps, metrics };
}

async function caught(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    return error as UpstreamError;
  }
  throw new Error('expected a rejection');
}

const run = { id: 'run_1', object: 'thread.run', thread_id: 'thread_1' };
const page = { object: 'list', data: [run], first_id: 'run_1', last_id: 'run_1', has_more: false };
/** A list for list routes (the client reads a list answer as one), the run for the rest. */
const runOrPage = (url: string) => json(/\/(runs|steps|messages)$/.test(new URL(url).pathname) ? page : run);

describe('upstream client: requests', () => {
  it('builds URLs with the path prefix, encoded path params and configured query params', async () => {
    const { fetch, calls } = fakeFetch(runOrPage);
    const { upstream } = client(fetch, { queryParams: { 'api-version': '2024-05-01-preview' } });
    await upstream.getRun('thread_1', 'run/../x y');
    expect(calls[0]!.url).toBe('http://upstream.test/v1/threads/thread_1/runs/run%2F..%2Fx%20y?api-version=2024-05-01-preview');
    await upstream.listRunSteps('thread_1', 'run_1', { limit: 5, order: 'asc', after: 'step_9' }, ['step_details.tool_calls[*].file_search.results[*].content']);
    expect(calls[1]!.url).toBe(
      'http://upstream.test/v1/threads/thread_1/runs/run_1/steps?api-version=2024-05-01-preview&limit=5&order=asc&after=step_9&include%5B%5D=step_details.tool_calls%5B*%5D.file_search.results%5B*%5D.content',
    );
    await upstream.listMessages('thread_1', { run_id: 'run_1', limit: 1 });
    expect(new URL(calls[2]!.url).searchParams.get('run_id')).toBe('run_1');
  });

  it('refuses dot segments as ids before calling upstream', async () => {
    const { fetch, calls } = fakeFetch(json(run));
    const { upstream } = client(fetch);
    const error = await caught(upstream.getThread('..'));
    expect(error.extensions['code']).toBe('BAD_USER_INPUT');
    expect(calls).toHaveLength(0);
  });

  it('sends Authorization: Bearer, OpenAI-Beta and configured headers', async () => {
    const { fetch, calls } = fakeFetch(json(run));
    const { upstream } = client(fetch, { headers: { 'OpenAI-Organization': 'org_1', 'x-extra': 'yes' } });
    await upstream.getThread('thread_1');
    const headers = calls[0]!.headers;
    expect(headers.get('authorization')).toBe(`Bearer ${KEY}`);
    expect(headers.get('openai-beta')).toBe('assistants=v2');
    expect(headers.get('openai-organization')).toBe('org_1');
    expect(headers.get('x-extra')).toBe('yes');
    expect(headers.get('api-key')).toBeNull();
  });

  it('sends the key as is under another header name (Azure api-key), and no beta header when empty', async () => {
    const { fetch, calls } = fakeFetch(json(run));
    const { upstream } = client(fetch, { authHeader: 'api-key', betaHeader: '' });
    await upstream.getThread('thread_1');
    const headers = calls[0]!.headers;
    expect(headers.get('api-key')).toBe(KEY);
    expect(headers.get('authorization')).toBeNull();
    expect(headers.get('openai-beta')).toBeNull();
  });

  it('has no way to forward client headers: only the configured set is sent', async () => {
    const { fetch, calls } = fakeFetch(json(run));
    const { upstream } = client(fetch);
    await upstream.request({ method: 'GET', route: '/threads/{thread_id}', params: { thread_id: 'thread_1' } });
    expect([...calls[0]!.headers.keys()].sort()).toEqual(['accept', 'authorization', 'openai-beta']);
  });

  it('sends JSON bodies for writes', async () => {
    const { fetch, calls } = fakeFetch(json(run));
    const { upstream } = client(fetch);
    const response = await upstream.request({ method: 'POST', route: '/threads/{thread_id}/runs', params: { thread_id: 'thread_1' }, body: { assistant_id: 'asst_1' } });
    expect(response.data).toEqual(run);
    expect(calls[0]!.method).toBe('POST');
    expect(calls[0]!.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(calls[0]!.body!)).toEqual({ assistant_id: 'asst_1' });
  });
});

describe('upstream client: retries and timeouts', () => {
  it('retries a GET on 500 with backoff, at most twice', async () => {
    const { fetch, calls } = fakeFetch(apiError(500, 'boom'));
    const { upstream, sleeps } = client(fetch);
    const error = await caught(upstream.getRun('thread_1', 'run_1'));
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([500, 1000]);
    expect(error.extensions['code']).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('recovers when a retry succeeds', async () => {
    const { fetch, calls } = fakeFetch(apiError(503, 'busy'), json(run));
    const { upstream } = client(fetch);
    await expect(upstream.getRun('thread_1', 'run_1')).resolves.toEqual(run);
    expect(calls).toHaveLength(2);
  });

  it('honours retry-after-ms and retry-after on 429', async () => {
    const { fetch, calls } = fakeFetch(
      apiError(429, 'slow down', {}, { 'retry-after-ms': '1500' }),
      apiError(429, 'slow down', {}, { 'retry-after': '2' }),
      json(run),
    );
    const { upstream, sleeps } = client(fetch);
    await upstream.getRun('thread_1', 'run_1');
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([1500, 2000]);
  });

  it('gives up at once when retry-after exceeds the cap, reporting retryAfterMs', async () => {
    const { fetch, calls } = fakeFetch(apiError(429, 'slow down', {}, { 'retry-after': '120' }));
    const { upstream } = client(fetch, { retryAfterCapMs: 60_000 });
    const error = await caught(upstream.getRun('thread_1', 'run_1'));
    expect(calls).toHaveLength(1);
    expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 120_000 });
  });

  it('retries no read that could not finish before its deadline, and cuts a read\'s attempt at the deadline', async () => {
    const { fetch, calls } = fakeFetch(apiError(429, 'slow down', {}, { 'retry-after': '5' }));
    const { upstream, sleeps } = client(fetch, { operationDeadlineMs: 2_000 });
    const error = await caught(upstream.getRun('thread_1', 'run_1'));
    expect({ calls: calls.length, sleeps }).toEqual({ calls: 1, sleeps: [] });
    expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 5_000 });

    let signal: AbortSignal | undefined;
    const hang = (async (_input: unknown, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        signal = init?.signal ?? undefined;
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason));
      })) as typeof globalThis.fetch;
    const { upstream: hung } = client(hang, { timeoutMs: 60_000, operationDeadlineMs: 100 });
    expect((await caught(hung.getRun('thread_1', 'run_1'))).extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', reason: 'timeout' });
    expect(signal?.aborted).toBe(true);
  });

  it('retries network errors on GETs', async () => {
    const { fetch, calls } = fakeFetch(new TypeError('fetch failed'), json(run));
    const { upstream } = client(fetch);
    await expect(upstream.getRun('thread_1', 'run_1')).resolves.toEqual(run);
    expect(calls).toHaveLength(2);
  });

  it('never retries a POST, whatever the failure', async () => {
    for (const reply of [apiError(500, 'boom'), apiError(429, 'slow', {}, { 'retry-after-ms': '1' }), apiError(409, 'locked'), new TypeError('fetch failed')]) {
      const { fetch, calls } = fakeFetch(reply);
      const { upstream, sleeps } = client(fetch);
      await caught(upstream.request({ method: 'POST', route: '/threads/{thread_id}/runs', params: { thread_id: 'thread_1' }, body: {} }));
      expect(calls).toHaveLength(1);
      expect(sleeps).toEqual([]);
    }
  });

  it('times out a hung upstream and maps it to UPSTREAM_UNAVAILABLE', async () => {
    const hang = (async (_input: unknown, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason));
      })) as typeof fetch;
    const { upstream, metrics } = client(hang, { timeoutMs: 50, maxRetries: 1 });
    const started = Date.now();
    const error = await caught(upstream.getRun('thread_1', 'run_1'));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', reason: 'timeout' });
    const counted = await metrics.upstreamRequests.get();
    expect(counted.values).toEqual([
      expect.objectContaining({ labels: { method: 'GET', route: '/threads/{thread_id}/runs/{run_id}', status: 'error' }, value: 2 }),
    ]);
  });

  it('bounds concurrency towards the upstream', async () => {
    let active = 0;
    let peak = 0;
    const slow = (async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((resolve) => setTimeout(resolve, 10));
      active--;
      return json(run);
    }) as typeof fetch;
    const { upstream } = client(slow, { maxConcurrency: 3 });
    await Promise.all(Array.from({ length: 12 }, (_, i) => upstream.getRun('thread_1', `run_${i}`)));
    expect(peak).toBe(3);
  });
});

describe('upstream client: in-flight dedupe', () => {
  /** A fetch whose answers (the run) wait until `release` is called. */
  const heldFetch = () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    return { ...fakeFetch(async () => (await gate, json(run))), release };
  };

  it('shares one upstream call between 100 concurrent identical GETs', async () => {
    const { fetch, calls, release } = heldFetch();
    const { upstream } = client(fetch);
    const all = Promise.all(Array.from({ length: 100 }, () => upstream.getRun('thread_1', 'run_1')));
    await waitUntil(() => calls.length === 1, 1_000);
    await nextTurn();
    expect(upstream.inFlight).toBe(1);
    release();
    const results = await all;
    expect(results.every((r) => r.id === 'run_1')).toBe(true);
    expect(calls).toHaveLength(1);
    expect(upstream.inFlight).toBe(0);
    await upstream.getRun('thread_1', 'run_1');
    expect(calls).toHaveLength(2); // settled entries are not a cache
  });

  it('with the caller named upstream (UPSTREAM_FORWARD_CALLER), GETs are shared and cached per caller, and a write reaches every caller\'s copy', async () => {
    const { fetch, calls, release } = heldFetch();
    const { upstream } = client(fetch);
    const as = (caller: string | undefined, view: UpstreamClient): UpstreamClient => (caller === undefined ? view : view.forOrigin({ caller }));
    const reads = Promise.all(['alice', 'alice', 'bob', undefined].map((caller) => as(caller, upstream).getRun('thread_1', 'run_1')));
    await waitUntil(() => calls.length === 3, 1_000);
    release();
    await reads;
    // One call for both of alice's reads, one for bob's, one for the gateway's own (no caller): never another's answer.
    expect(calls.map((call) => call.headers.get('x-gateway-caller')).sort()).toEqual(['alice', 'bob', null].sort());

    const cached = upstream.withReadCache(60_000);
    for (const caller of ['alice', 'bob', 'alice', 'bob']) await as(caller, cached).getRun('thread_1', 'run_1');
    expect(calls).toHaveLength(5);
    upstream.invalidate('/threads/thread_1');
    for (const caller of ['alice', 'bob']) await as(caller, cached).getRun('thread_1', 'run_1');
    expect(calls).toHaveLength(7);
  });

  it('shares failures too, then forgets them', async () => {
    const { fetch, calls } = fakeFetch(apiError(404, 'No run found with id run_1.'), json(run));
    const { upstream } = client(fetch);
    const results = await Promise.allSettled([upstream.getRun('thread_1', 'run_1'), upstream.getRun('thread_1', 'run_1')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toHaveLength(1);
    await expect(upstream.getRun('thread_1', 'run_1')).resolves.toEqual(run);
  });

  it('does not share different URLs, writes, or when dedupe is off', async () => {
    const { fetch, calls } = fakeFetch(runOrPage);
    const { upstream } = client(fetch);
    await Promise.all([upstream.getRun('thread_1', 'run_1'), upstream.getRun('thread_1', 'run_2'), upstream.listRuns('thread_1', { limit: 1 }), upstream.listRuns('thread_1', { limit: 2 })]);
    expect(calls).toHaveLength(4);
    const post = () => upstream.request({ method: 'POST', route: '/threads/{thread_id}/runs/{run_id}/cancel', params: { thread_id: 'thread_1', run_id: 'run_1' } });
    await Promise.all([post(), post()]);
    expect(calls).toHaveLength(6);

    const off = fakeFetch(json(run));
    const { upstream: plain } = client(off.fetch, {}, { dedupe: false });
    await Promise.all([plain.getRun('thread_1', 'run_1'), plain.getRun('thread_1', 'run_1')]);
    expect(off.calls).toHaveLength(2);
  });
});

describe('upstream client: the origin of a request', () => {
  it('a view for an origin names its caller, counts its attempts and their upstream ids on it, and nothing on other views', async () => {
    const { fetch, calls } = fakeFetch(apiError(500, 'boom', {}, { 'x-request-id': 'up_0' }), json(run, 200, { 'x-request-id': 'up_1' }), json(run, 200, { 'x-request-id': 'up_2' }));
    const origin = { caller: 'alice@example.com', requestId: 'req_1', upstreamCalls: 0, upstreamRequestIds: [] as string[] };
    const observed: Array<string | undefined> = [];
    const { upstream } = client(fetch, {}, {
      observe: {
        start: (_attempt, from) => {
          observed.push(from?.requestId);
          return ({ requestId }) => {
            if (from?.upstreamCalls !== undefined) from.upstreamCalls += 1;
            if (requestId) from?.upstreamRequestIds?.push(requestId);
          };
        },
      },
    });
    await upstream.forOrigin(origin).getRun('thread_1', 'run_1');
    await upstream.getRun('thread_1', 'run_2');
    // The failed attempt and its retry both count; the view without an origin names nobody and counts nothing.
    expect(origin.upstreamCalls).toBe(2);
    expect(origin.upstreamRequestIds).toEqual(['up_0', 'up_1']);
    expect(observed).toEqual(['req_1', 'req_1', undefined]);
    expect(calls.map((call) => call.headers.get('x-gateway-caller'))).toEqual(['alice%40example.com', 'alice%40example.com', null]);
  });
});

describe('upstream client: metrics', () => {
  it('counts every attempt with the templated route and status', async () => {
    const { fetch } = fakeFetch(apiError(500, 'boom'), json(run));
    const { upstream, metrics } = client(fetch);
    await upstream.getRun('thread_abc', 'run_xyz');
    await upstream.getAssistant('asst_1');
    const counted = (await metrics.upstreamRequests.get()).values.map((v) => ({ ...v.labels, value: v.value }));
    expect(counted).toEqual(
      expect.arrayContaining([
        { method: 'GET', route: '/threads/{thread_id}/runs/{run_id}', status: '500', value: 1 },
        { method: 'GET', route: '/threads/{thread_id}/runs/{run_id}', status: '200', value: 1 },
        { method: 'GET', route: '/assistants/{assistant_id}', status: '200', value: 1 },
      ]),
    );
    expect(JSON.stringify(counted)).not.toContain('run_xyz');
    const latency = await metrics.upstreamLatency.get();
    const count = latency.values.find((v) => v.metricName === 'gateway_upstream_request_duration_seconds_count' && v.labels.route === '/threads/{thread_id}/runs/{run_id}');
    expect(count?.value).toBe(2);
  });
});
