import { describe, expect, it, vi } from 'vitest';
import { createUpstreamClient } from '../../src/upstream/client.js';
import { Endpoint, type EndpointConfig, type EndpointRequest } from '../../src/upstream/endpoint.js';
import { ClientInterest, PlainSignal, abortSignalOf } from '../../src/upstream/interest.js';
import { attemptSignal } from '../../src/upstream/request.js';
import type { Transport, TransportRequest } from '../../src/upstream/transport.js';
import { testUpstreamConfig } from '../helpers/upstream-config.js';

/** What the URL class makes of a request: the endpoint's URLs must be these, character for character. */
function urlClassUrl(config: EndpointConfig, request: EndpointRequest): string {
  const base = config.baseUrl.replace(/\/+$/, '');
  const path = request.route.replace(/\{(\w+)\}/g, (_match, name: string) => encodeURIComponent(request.params![name]!));
  const url = new URL(`${base}${path}`);
  for (const [name, value] of Object.entries(config.queryParams)) url.searchParams.append(name, value);
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const item of value as readonly string[]) url.searchParams.append(name, item);
    else url.searchParams.append(name, String(value));
  }
  return url.toString();
}

const endpointConfig = (baseUrl: string, queryParams: Record<string, string> = {}): EndpointConfig => ({ baseUrl, apiKey: 'sk-x', authHeader: 'authorization', betaHeader: '', headers: {}, queryParams });

describe('endpoint URLs built as strings', () => {
  const bases = [
    'http://localhost:4010/v1',
    'http://localhost:4010/v1/',
    'http://LOCALHOST:80/v1',
    'https://example.com:443',
    'https://example.com',
    'http://[::1]:4010/openai/v1',
    'http://user:p%40ss@host/v1',
    'http://host/a b/v1',
    'http://host/v1/../v2',
    'http://host/v1/./',
    'http://host/v1?api-version=1',
    'http://host/v1#frag',
    'http://host/ä/v1',
  ];
  const values = ['thread_1', 'a b', 'ü/ö', '50%', '?x=1#y', "!'()*~-_.", '...', '.a', 'a\\b', '{x}', '%2e%2E', '\u00e9\u{1F600}'];
  const requests: EndpointRequest[] = [
    { method: 'GET', route: '/threads/{thread_id}/runs/{run_id}', params: { thread_id: 'thread_1', run_id: 'run_1' } },
    ...values.map((value): EndpointRequest => ({ method: 'GET', route: '/threads/{thread_id}/runs/{run_id}', params: { thread_id: value, run_id: value } })),
    { method: 'GET', route: '/threads/{thread_id}/runs', params: { thread_id: 't' }, query: { limit: 20, order: 'desc', after: undefined, before: null } },
    { method: 'GET', route: '/threads/{thread_id}/runs/{run_id}/steps', params: { thread_id: 't', run_id: 'r' }, query: { 'include[]': ['a b', 'c&d=e'], flag: true } },
    { method: 'GET', route: '/threads', query: {} },
    { method: 'GET', route: '/threads', query: { after: undefined } },
    { method: 'GET', route: '/assistants', query: { '': '' } },
    { method: 'POST', route: '/threads/{thread_id}/runs', params: { thread_id: 'ü' } },
  ];

  for (const baseUrl of bases) {
    for (const queryParams of [{}, { 'api-version': '2025-05-01', 'x y': 'a+b' }] as Array<Record<string, string>>) {
      it(`as the URL class writes them: ${baseUrl} ${JSON.stringify(queryParams)}`, () => {
        const config = endpointConfig(baseUrl, queryParams);
        const endpoint = new Endpoint(config);
        for (const request of requests) expect(endpoint.url(request)).toBe(urlClassUrl(config, request));
      });
    }
  }

  it('keeps refusing what cannot be a path segment, whichever placeholder holds it', () => {
    const endpoint = new Endpoint(endpointConfig('http://host/v1'));
    const run = (thread_id: string, run_id: string) => () => endpoint.url({ method: 'GET', route: '/threads/{thread_id}/runs/{run_id}', params: { thread_id, run_id } });
    for (const bad of ['', '.', '..']) {
      expect(run('t', bad)).toThrow(expect.objectContaining({ details: expect.objectContaining({ param: 'run_id' }) }));
      expect(run(bad, 'r')).toThrow(expect.objectContaining({ details: expect.objectContaining({ param: 'thread_id' }) }));
    }
    expect(run('t', '\ud800')).toThrow(/unpaired surrogate/);
    expect(() => endpoint.url({ method: 'GET', route: '/threads/{thread_id}', params: {} })).toThrow(/missing path parameter thread_id/);
  });

  it('a base the URL class cannot read still fails on each call, not when the client is made', () => {
    const endpoint = new Endpoint(endpointConfig('not a url'));
    expect(() => endpoint.url({ method: 'GET', route: '/threads' })).toThrow(TypeError);
  });
});

describe('PlainSignal', () => {
  it('calls each listener once, in order, with its reason set; not one removed or added after the abort', () => {
    const signal = new PlainSignal();
    const calls: string[] = [];
    const a = () => calls.push(`a:${String(signal.reason)}`);
    const b = () => calls.push('b');
    const c = () => calls.push('c');
    signal.addEventListener('abort', a);
    signal.addEventListener('abort', a);
    signal.addEventListener('abort', b);
    signal.addEventListener('abort', c);
    signal.removeEventListener('abort', b);
    signal.abort('gone');
    signal.abort('again');
    signal.addEventListener('abort', b);
    expect(calls).toEqual(['a:gone', 'c']);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('gone');
  });

  it('aborts with an AbortError when given no reason, and becomes a real AbortSignal for fetch', () => {
    const signal = new PlainSignal();
    const forFetch = abortSignalOf(signal);
    expect(forFetch).toBeInstanceOf(AbortSignal);
    signal.abort();
    expect((signal.reason as DOMException).name).toBe('AbortError');
    expect(forFetch.aborted).toBe(true);
    expect(forFetch.reason).toBe(signal.reason);
  });
});

describe('attempt signal over a client interest', () => {
  it("aborts with the client's reason when every client has gone, without making the interest's AbortSignal", () => {
    const client = new AbortController();
    const interest = new ClientInterest(client.signal);
    const attempt = attemptSignal(60_000, interest);
    expect(attempt.signal).not.toBeInstanceOf(AbortSignal);
    const reason = new Error('client left');
    client.abort(reason);
    expect(attempt.signal.aborted).toBe(true);
    expect(attempt.signal.reason).toBe(reason);
    expect(attempt.timedOut()).toBe(false);
    attempt.release();
  });

  it('once released, an interest that ends later leaves it alone', () => {
    const client = new AbortController();
    const interest = new ClientInterest(client.signal);
    const attempt = attemptSignal(60_000, interest);
    attempt.release();
    client.abort();
    expect(attempt.signal.aborted).toBe(false);
  });
});

describe('a read made for one client (no sharing)', () => {
  /** A transport that answers once the test lets it, and keeps the request it was given. */
  function heldTransport() {
    const seen: TransportRequest[] = [];
    let answer: (() => void) | undefined;
    const transport: Transport = (_url, request) => {
      seen.push(request);
      return new Promise((resolve, reject) => {
        request.signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })), { once: true });
        answer = () => resolve({ status: 200, ok: true, headers: { get: () => null }, text: () => Promise.resolve('{"id":"run_1"}') });
      });
    };
    return { transport, seen, answer: () => answer?.() };
  }

  it("the transport listens to the client's interest through the attempt alone (no AbortSignal made), and is cut off when the client goes", async () => {
    const { transport, seen } = heldTransport();
    const upstream = createUpstreamClient({ config: testUpstreamConfig({ baseUrl: 'http://upstream.test/v1', maxRetries: 0 }), transport, dedupe: false });
    const interestSignal = vi.spyOn(ClientInterest.prototype, 'signal', 'get');
    try {
      const client = new AbortController();
      const interest = new ClientInterest(client.signal);
      const read = upstream.withClientSignal(interest).getRun('thread_1', 'run_1');
      await new Promise((resolve) => setImmediate(resolve));
      expect(seen).toHaveLength(1);
      expect(seen[0]!.signal).not.toBeInstanceOf(AbortSignal);
      client.abort(new Error('client left'));
      await expect(read).rejects.toThrow();
      expect(seen[0]!.signal.aborted).toBe(true);
      expect(interestSignal).not.toHaveBeenCalled();
    } finally {
      interestSignal.mockRestore();
    }
  });

  it('answers as before when the client stays', async () => {
    const { transport, answer } = heldTransport();
    const upstream = createUpstreamClient({ config: testUpstreamConfig({ baseUrl: 'http://upstream.test/v1', maxRetries: 0 }), transport, dedupe: false });
    const interest = new ClientInterest(new AbortController().signal);
    const read = upstream.withClientSignal(interest).getRun('thread_1', 'run_1');
    await new Promise((resolve) => setImmediate(resolve));
    answer();
    await expect(read).resolves.toEqual({ id: 'run_1' });
  });
});

describe('a read shared by several clients (dedupe on)', () => {
  it('one upstream call under a plain signal, cut off only when the last client has gone', async () => {
    const seen: TransportRequest[] = [];
    const transport: Transport = (_url, request) => {
      seen.push(request);
      return new Promise((_resolve, reject) => request.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
    };
    const upstream = createUpstreamClient({ config: testUpstreamConfig({ baseUrl: 'http://upstream.test/v1', maxRetries: 0 }), transport });
    const alice = new AbortController();
    const bob = new AbortController();
    const reads = [alice, bob].map((client) => upstream.withClientSignal(new ClientInterest(client.signal)).getRun('thread_1', 'run_1'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toHaveLength(1);
    expect(seen[0]!.signal).not.toBeInstanceOf(AbortSignal);
    alice.abort();
    await expect(reads[0]).rejects.toThrow();
    expect(seen[0]!.signal.aborted).toBe(false);
    bob.abort();
    await expect(reads[1]).rejects.toThrow();
    expect(seen[0]!.signal.aborted).toBe(true);
    expect(upstream.inFlight).toBe(0);
  });
});
