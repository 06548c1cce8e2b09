import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultRuleError, parseFaultRules, startRunsApi } from '../../src/runs-api/index.js';
import { call, callsTo, ENGINES, type RunsApi } from '../helpers/runs-api.js';
import { waitUntil } from '../helpers/wait.js';

const ROUTES = ['/assistants', '/threads', '/threads/{thread_id}', '/threads/{thread_id}/runs'];

describe('fault rule syntax', () => {
  it('parses the documented string form', () => {
    expect(parseFaultRules('POST /threads/{thread_id}/runs status=500 rate=1; * * latency=200', ROUTES)).toEqual([
      { method: 'POST', route: '/threads/{thread_id}/runs', kind: 'status', status: 500, rate: 1 },
      { method: '*', route: '*', kind: 'latency', ms: 200 },
    ]);
    expect(parseFaultRules(' get /v1/assistants status=429 count=1 retry_after_ms=50 ;; DELETE /threads/{thread_id} drop rate=0.5 ', ROUTES)).toEqual([
      { method: 'GET', route: '/assistants', kind: 'status', status: 429, count: 1, retryAfterMs: 50 },
      { method: 'DELETE', route: '/threads/{thread_id}', kind: 'drop', rate: 0.5 },
    ]);
    expect(parseFaultRules('', ROUTES)).toEqual([]);
  });

  it.each([
    ['GET /assistants', /expected METHOD ROUTE ACTION/],
    ['GET /nowhere status=500', /unknown route "\/nowhere"; use \* or one of: \/assistants/],
    ['PATCH * status=500', /method must be one of GET, POST, DELETE, \*/],
    ['GET * status=500 latency=10', /more than one action/],
    ['GET * rate=0.5', /no action/],
    ['GET * status=200', /status needs a status code between 400 and 599/],
    ['GET * status=500 rate=2', /rate must be a number from 0 to 1/],
    ['GET * status=500 count=0', /count must be a whole number >= 1/],
    ['GET * latency=fast', /latency needs a number, got "fast"/],
    ['GET * drop retry_after_ms=5', /retryAfterMs only applies to status rules/],
    ['GET * status=500 colour=red', /unknown option "colour"/],
    ['GET * status=500; POST * oops', /fault rule 2 \("POST \* oops"\): "oops" is not drop or key=value/],
  ])('rejects %j with a clear message', (text, message) => {
    expect(() => parseFaultRules(text, ROUTES)).toThrow(FaultRuleError);
    expect(() => parseFaultRules(text, ROUTES)).toThrow(message);
  });

  it('a bad RUNS_API_FAULTS string fails start-up', async () => {
    await expect(startRunsApi({ port: 0, faults: 'GET * explode' })).rejects.toThrow(FaultRuleError);
  });
});

describe.each(ENGINES)('fault injection ($label)', (engine) => {
  let api: RunsApi;
  beforeAll(async () => {
    api = await engine.start({ faultControl: true });
  });
  afterEach(() => api.faults.clear());
  afterAll(() => api.close());

  it('is off by default', async () => {
    expect(api.faults.list()).toEqual([]);
    expect((await call(api, 'GET', '/assistants')).status).toBe(200);
  });

  it('latency delays matching requests only', async () => {
    api.faults.set('GET /assistants latency=300');
    const started = Date.now();
    const finished: string[] = [];
    // Sent together: the request no rule matches answers first (ordering, not a timing budget).
    await Promise.all([
      call(api, 'GET', '/assistants').then((response) => finished.push(`GET ${response.status}`)),
      call(api, 'POST', '/threads', { body: {} }).then((response) => finished.push(`POST ${response.status}`)),
    ]);
    expect(finished).toEqual(['POST 200', 'GET 200']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(295);
  });

  it('429 has the rate-limit body and retry-after headers', async () => {
    api.faults.set([{ method: 'GET', route: '/assistants', kind: 'status', status: 429, retryAfterMs: 1500 }]);
    const response = await call(api, 'GET', '/assistants');
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(response.headers.get('retry-after-ms')).toBe('1500');
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(response.body).toEqual({ error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } });
  });

  it('500 and 503 have server_error bodies, and a failed create changes nothing', async () => {
    api.faults.set('POST /threads status=500; GET /assistants status=503');
    const failed = await call(api, 'POST', '/threads', { body: { metadata: { marker: 'x' } } });
    expect(failed.status).toBe(500);
    expect(failed.body.error).toEqual({ message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null });
    const unavailable = await call(api, 'GET', '/assistants');
    expect(unavailable.status).toBe(503);
    expect(unavailable.body.error.type).toBe('server_error');
    expect(unavailable.headers.get('retry-after')).toBe('1');
    api.faults.clear();
    expect(api.requestLog.at(-2)).toEqual({ method: 'POST', path: '/v1/threads', route: '/threads', status: 500 });
  });

  it('drop destroys the connection without an answer', async () => {
    api.faults.set('DELETE /threads/{thread_id} drop');
    await expect(call(api, 'DELETE', '/threads/thread_x')).rejects.toThrow();
    await waitUntil(() => api.requestLog.at(-1)?.route === '/threads/{thread_id}');
    expect(api.requestLog.at(-1)).toMatchObject({ method: 'DELETE', route: '/threads/{thread_id}', status: 0 });
    expect((await call(api, 'GET', '/assistants')).status).toBe(200);
  });

  it('count stops a rule after N hits; rate 0 never hits; list() shows what is left', async () => {
    api.faults.set('GET /assistants status=500 count=2; POST /threads status=500 rate=0');
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await call(api, 'GET', '/assistants')).status);
    expect(statuses).toEqual([500, 500, 200]);
    expect((await call(api, 'POST', '/threads', { body: {} })).status).toBe(200);
    expect(api.faults.list()[0]).toMatchObject({ count: 0 });
  });

  it('any status can be injected, with the API error envelope', async () => {
    api.faults.set('* * status=409');
    const response = await call(api, 'GET', '/assistants');
    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({ type: 'invalid_request_error', code: 'injected_fault' });
  });

  it('the control endpoint reads, replaces and clears rules', async () => {
    const base = api.url.replace(/\/v1$/, '');
    const put = await fetch(`${base}/__control/faults`, { method: 'PUT', body: JSON.stringify([{ method: 'GET', route: '/assistants', kind: 'status', status: 500, count: 1 }]) });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ rules: [{ method: 'GET', route: '/assistants', kind: 'status', status: 500, count: 1 }] });
    expect((await call(api, 'GET', '/assistants')).status).toBe(500);
    const asString = await fetch(`${base}/__control/faults`, { method: 'PUT', body: JSON.stringify({ rules: 'POST * latency=5' }) });
    expect((await asString.json()).rules).toEqual([{ method: 'POST', route: '*', kind: 'latency', ms: 5 }]);
    expect(await (await fetch(`${base}/__control/faults`)).json()).toEqual({ rules: [{ method: 'POST', route: '*', kind: 'latency', ms: 5 }] });
    const bad = await fetch(`${base}/__control/faults`, { method: 'PUT', body: JSON.stringify([{ method: 'GET', route: '*', kind: 'explode' }]) });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/kind must be latency, status or drop/);
    expect(api.faults.list()).toHaveLength(1);
    const cleared = await fetch(`${base}/__control/faults`, { method: 'DELETE' });
    expect(await cleared.json()).toEqual({ rules: [] });
    expect(api.faults.list()).toEqual([]);
    expect(callsTo(api, 'PUT', '/__control/faults')).toBe(3);
  });

  it('the control endpoint does not exist unless enabled', async () => {
    const plain = await engine.start();
    try {
      const base = plain.url.replace(/\/v1$/, '');
      const response = await fetch(`${base}/__control/faults`, { method: 'PUT', body: '[]', headers: { 'openai-beta': 'assistants=v2' } });
      expect(response.status).toBe(404);
      expect((await response.json()).error.message).toBe('Invalid URL (PUT /__control/faults)');
    } finally {
      await plain.close();
    }
  });

  it('rules given at start-up apply from the first request', async () => {
    const faulty = await engine.start({ faults: 'GET /assistants status=503 count=1' });
    try {
      expect((await call(faulty, 'GET', '/assistants')).status).toBe(503);
      expect((await call(faulty, 'GET', '/assistants')).status).toBe(200);
      expect(callsTo(faulty, 'GET', '/assistants')).toBe(2);
    } finally {
      await faulty.close();
    }
  });
});
