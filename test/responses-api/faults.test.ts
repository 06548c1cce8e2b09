import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultRuleError } from '../../src/responses-api/index.js';
import { waitUntil } from '../helpers/wait.js';
import { call, SECRET, startReceiver, startTestResponsesApi, waitForResponse, type ResponsesApi } from './helpers.js';

/** Faults as on the runs API (latency, status, drop by method and route), over this API's routes; and a faulty webhook receiver. */
describe('fault injection on the Responses API', () => {
  let api: ResponsesApi;
  let client: OpenAI;
  beforeAll(async () => {
    api = await startTestResponsesApi({ faultControl: true });
    client = new OpenAI({ apiKey: 'unused', baseURL: api.url, maxRetries: 3 });
  });
  afterEach(() => api.faults.clear());
  afterAll(() => api.close());

  const countOf = (method: string, route: string) => api.requestLog.filter((entry) => entry.method === method && entry.route === route).length;

  it('is off by default', async () => {
    expect(api.faults.list()).toEqual([]);
    expect((await call(api, 'POST', '/conversations', { body: {} })).status).toBe(200);
  });

  it('a 429 on create is retried by the SDK after retry-after-ms, and the refused attempt changed nothing', async () => {
    const conversation = await client.conversations.create();
    api.faults.set('POST /responses status=429 count=1 retry_after_ms=30');
    const before = countOf('POST', '/responses');
    const response = await client.responses.create({ model: 'gpt-4o', conversation: conversation.id, input: 'once only' });
    expect(response.output_text).toBe('You said: once only');
    expect(api.requestLog.filter((entry) => entry.route === '/responses').slice(-2).map((entry) => entry.status)).toEqual([429, 200]);
    expect(countOf('POST', '/responses') - before).toBe(2);
    // The question and the reply are in the conversation once: the 429 stored nothing.
    const items = await client.conversations.items.list(conversation.id);
    expect(items.data).toHaveLength(2);
  });

  it('500 and 503 answer with server_error bodies before anything is checked or stored', async () => {
    api.faults.set('POST /conversations status=500; GET /responses/{response_id} status=503');
    const failed = await call(api, 'POST', '/conversations', { body: { metadata: { marker: 'x' } } });
    expect(failed.status).toBe(500);
    expect(failed.body.error).toEqual({ message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null });
    const unavailable = await call(api, 'GET', '/responses/resp_any');
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('1');
  });

  it('a dropped poll is retried by the SDK; the background response carried on meanwhile', async () => {
    const created = await client.responses.create({ model: 'gpt-4o', input: 'keep going', background: true });
    api.faults.set('GET /responses/{response_id} drop count=1');
    const polled = await client.responses.retrieve(created.id);
    expect(['queued', 'in_progress', 'completed']).toContain(polled.status);
    expect(api.requestLog.filter((entry) => entry.route === '/responses/{response_id}').slice(-2).map((entry) => entry.status)).toEqual([0, 200]);
    expect((await waitForResponse(api, created.id)).status).toBe('completed');
  });

  it('latency on a stream resumption delays it, and it still delivers the rest once', async () => {
    const created = await client.responses.create({ model: 'gpt-4o', input: 'slow resume', background: true });
    api.faults.set('GET /responses/{response_id} latency=150');
    const started = Date.now();
    const events: number[] = [];
    for await (const event of await client.responses.retrieve(created.id, { stream: true, starting_after: 1 })) events.push(event.sequence_number);
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    expect(events[0]).toBe(2);
    expect(events).toEqual(events.map((_, index) => index + 2));
  });

  it('the control endpoint takes rules over this API routes and refuses unknown ones', async () => {
    const base = api.url.replace(/\/v1$/, '');
    const put = await fetch(`${base}/__control/faults`, { method: 'PUT', body: JSON.stringify({ rules: 'POST /responses/{response_id}/cancel status=500 count=1' }) });
    expect(put.status).toBe(200);
    expect((await call(api, 'POST', '/responses/resp_x/cancel')).status).toBe(500);
    expect((await call(api, 'POST', '/responses/resp_x/cancel')).status).toBe(404);
    const bad = await fetch(`${base}/__control/faults`, { method: 'PUT', body: JSON.stringify({ rules: 'POST /threads status=500' }) });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/unknown route "\/threads"; use \* or one of: \/responses/);
    expect((await (await fetch(`${base}/__control/faults`, { method: 'DELETE' })).json())).toEqual({ rules: [] });
  });

  it('start-up rules apply from the first request; a bad rule fails start-up', async () => {
    const faulty = await startTestResponsesApi({ faults: 'POST /conversations status=503 count=1' });
    try {
      expect((await call(faulty, 'POST', '/conversations', { body: {} })).status).toBe(503);
      expect((await call(faulty, 'POST', '/conversations', { body: {} })).status).toBe(200);
    } finally {
      await faulty.close();
    }
    await expect(startTestResponsesApi({ faults: 'GET /responses explode' })).rejects.toThrow(FaultRuleError);
  });
});

describe('a faulty webhook receiver', () => {
  it('non-2xx answers are retried with the same event id until one is accepted; the count is bounded', async () => {
    const failures = new Map<string, number>();
    // The first response's event fails twice then succeeds; the second's always fails.
    let firstId = '';
    const receiver = await startReceiver((hook) => {
      const id = hook.headers['webhook-id'] ?? '';
      failures.set(id, (failures.get(id) ?? 0) + 1);
      if (hook.body.includes(firstId)) return (failures.get(id) ?? 0) <= 2 ? 500 : 204;
      return 502;
    });
    const api = await startTestResponsesApi({ webhook: { url: receiver.url, secret: SECRET, maxAttempts: 3, retryMs: 10, timeoutMs: 500 } });
    try {
      const client = new OpenAI({ apiKey: 'unused', baseURL: api.url, webhookSecret: SECRET });
      const first = await client.responses.create({ model: 'gpt-4o', input: 'retry me', background: true });
      firstId = first.id;
      const second = await client.responses.create({ model: 'gpt-4o', input: 'never accepted', background: true });
      await waitUntil(() => api.webhookDeliveries.length === 2 && api.webhookDeliveries.every((delivery) => delivery.state !== 'pending'));
      const byResponse = new Map(api.webhookDeliveries.map((delivery) => [delivery.event.data.id, delivery]));
      expect(byResponse.get(first.id)).toMatchObject({ state: 'delivered', attempts: 3, lastStatus: 204 });
      expect(byResponse.get(second.id)).toMatchObject({ state: 'failed', attempts: 3, lastStatus: 502 });
      const firstHooks = receiver.received.filter((hook) => hook.body.includes(first.id));
      expect(new Set(firstHooks.map((hook) => hook.headers['webhook-id']))).toEqual(new Set([byResponse.get(first.id)?.event.id]));
      for (const hook of firstHooks) await expect(client.webhooks.unwrap(hook.body, hook.headers)).resolves.toMatchObject({ data: { id: first.id } });
    } finally {
      await api.close();
      await receiver.close();
    }
  });
});
