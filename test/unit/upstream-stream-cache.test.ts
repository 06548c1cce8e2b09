import { describe, expect, it } from 'vitest';
import { createUpstreamClient } from '../../src/upstream/client.js';
import { testUpstreamConfig } from '../helpers/upstream-config.js';
import { waitUntil } from '../helpers/wait.js';
import { wireRun } from '../helpers/wire-fixtures.js';

const config = testUpstreamConfig();

function countingFetch(reply: () => Response) {
  const calls: Array<{ url: string; method: string; headers: Headers; body: unknown }> = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), method: init?.method ?? 'GET', headers: new Headers(init?.headers), body: init?.body });
    return reply();
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const json = (body: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', ...headers } });

describe('upstream client: poll hint, streams, shared read cache', () => {
  it('reports the upstream polling hint', async () => {
    const { fetch } = countingFetch(() => json(wireRun(), { 'openai-poll-after-ms': '250' }));
    const client = createUpstreamClient({ config, fetch });
    const response = await client.request({ method: 'GET', route: '/threads/{thread_id}/runs/{run_id}', params: { thread_id: 't', run_id: 'r' } });
    expect(response.pollAfterMs).toBe(250);
  });

  it('opens an event stream with a single POST and hands its body over', async () => {
    const { fetch, calls } = countingFetch(() => new Response('event: done\ndata: [DONE]\n\n', { status: 200, headers: { 'content-type': 'text/event-stream', 'x-request-id': 'req_1' } }));
    const client = createUpstreamClient({ config, fetch });
    const stream = await client.stream({ method: 'POST', route: '/threads/{thread_id}/runs', params: { thread_id: 't' }, body: { assistant_id: 'a', stream: true } });
    expect(stream.requestId).toBe('req_1');
    expect(await new Response(stream.body).text()).toContain('[DONE]');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.headers.get('accept')).toBe('text/event-stream');
    expect(JSON.parse(String(calls[0]?.body))).toEqual({ assistant_id: 'a', stream: true });
  });

  it('maps a refused stream to the same error codes, sent once', async () => {
    const { fetch, calls } = countingFetch(() => new Response(JSON.stringify({ error: { message: 'Thread t already has an active run r.', type: 'invalid_request_error', param: null, code: null } }), { status: 400 }));
    const client = createUpstreamClient({ config, fetch });
    await expect(client.stream({ method: 'POST', route: '/threads/{thread_id}/runs', params: { thread_id: 't' }, body: { stream: true } })).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
    const failing = createUpstreamClient({ config: { ...config, maxRetries: 2 }, fetch: countingFetch(() => new Response('', { status: 500 })).fetch });
    await expect(failing.stream({ method: 'POST', route: '/threads/runs', body: { stream: true } })).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(calls).toHaveLength(1);
  });

  it('shares recent GET answers through the cached view until they expire or are invalidated', async () => {
    const { fetch, calls } = countingFetch(() => json(wireRun()));
    let now = 1_000_000;
    const client = createUpstreamClient({ config, fetch, now: () => now });
    const cached = client.withReadCache(60_000);
    await cached.getRun('t', 'r');
    await cached.getRun('t', 'r');
    await cached.getAssistant('a');
    expect(calls.map((call) => new URL(call.url).pathname)).toEqual(['/v1/threads/t/runs/r', '/v1/assistants/a']);
    // The plain client never answers from the cache.
    await client.getRun('t', 'r');
    expect(calls).toHaveLength(3);
    client.invalidate('/threads/t/runs/r');
    await cached.getRun('t', 'r');
    await cached.getAssistant('a');
    expect(calls).toHaveLength(4);

    const shortLived = client.withReadCache(1);
    await shortLived.getThread('t');
    now += 5;
    await shortLived.getThread('t');
    expect(calls).toHaveLength(6);
  });
});

describe('upstream client: invalidation and in-flight sharing', () => {
  it('does not let a GET started after a write join one that began before it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const fetch = (async () => {
      calls += 1;
      const first = calls === 1;
      if (first) await gate;
      return json(wireRun({ status: first ? 'queued' : 'cancelling' }));
    }) as typeof globalThis.fetch;
    const client = createUpstreamClient({ config, fetch });
    const before = client.getRun('t', 'r');
    await waitUntil(() => calls === 1, 1_000); // its fetch is under way
    const joined = client.getRun('t', 'r');
    client.invalidate('/threads/t/runs/r');
    const after = client.getRun('t', 'r');
    release();
    expect((await before).status).toBe('queued');
    expect((await joined).status).toBe('queued');
    expect((await after).status).toBe('cancelling');
    expect(calls).toBe(2);
  });
});
