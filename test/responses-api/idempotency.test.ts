import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, parseEvents, startTestResponsesApi, type ResponsesApi } from './helpers.js';

const BODY = { model: 'gpt-4o', input: 'Hello', background: true };
const posts = (api: ResponsesApi, route: string) => api.requestLog.filter((entry) => entry.method === 'POST' && entry.route === route).length;

/**
 * `Idempotency-Key` on the embedded Responses API: what the runs API's Responses engine sends with every create, so
 * that a create whose answer was lost (timeout, reset, crash) can be sent again without making a second object.
 */
describe('Idempotency-Key', () => {
  let api: ResponsesApi;
  beforeAll(async () => {
    api = await startTestResponsesApi({ stepMs: 20 });
  });
  afterAll(() => api?.close());

  it('a create sent twice with one key makes one response; without a key, two', async () => {
    const headers = { 'idempotency-key': 'run_1.step_1' };
    const [first, again] = await Promise.all([call(api, 'POST', '/responses', { body: BODY, headers }), call(api, 'POST', '/responses', { body: BODY, headers })]);
    expect(first.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const later = await call(api, 'POST', '/responses', { body: BODY, headers });
    expect(later.body.id).toBe(first.body.id);
    expect(posts(api, '/responses')).toBe(3);

    const [one, two] = await Promise.all([call(api, 'POST', '/responses', { body: BODY }), call(api, 'POST', '/responses', { body: BODY })]);
    expect(one.body.id).not.toBe(two.body.id);
  });

  it('the same key with another body is refused; a refused request leaves its key free', async () => {
    const headers = { 'idempotency-key': 'run_2.step_1' };
    await call(api, 'POST', '/responses', { body: BODY, headers });
    const other = await call(api, 'POST', '/responses', { body: { ...BODY, input: 'Something else' }, headers });
    expect(other.status).toBe(400);
    expect(other.body.error).toMatchObject({ code: 'idempotency_key_reused', param: 'Idempotency-Key' });

    const refusedKey = { 'idempotency-key': 'run_3.step_1' };
    expect((await call(api, 'POST', '/responses', { body: { ...BODY, previous_response_id: 'resp_missing' }, headers: refusedKey })).status).toBe(400);
    expect((await call(api, 'POST', '/responses', { body: BODY, headers: refusedKey })).status).toBe(200);
  });

  it('a streamed create asked again replays the same response from its first event', async () => {
    const headers = { 'idempotency-key': 'run_4.step_1' };
    const body = { ...BODY, stream: true };
    const first = parseEvents((await call(api, 'POST', '/responses', { body, headers })).text);
    const again = parseEvents((await call(api, 'POST', '/responses', { body, headers })).text);
    const idOf = (events: Array<{ data: any }>) => events[0]!.data.response.id;
    expect(idOf(again)).toBe(idOf(first));
    expect(again.map((event) => event.data.sequence_number)).toEqual(first.map((event) => event.data.sequence_number));
  });

  it('conversations and their items: one per key', async () => {
    const headers = { 'idempotency-key': 'thread_1' };
    const conversation = await call(api, 'POST', '/conversations', { body: { metadata: { a: '1' } }, headers });
    expect((await call(api, 'POST', '/conversations', { body: { metadata: { a: '1' } }, headers })).body.id).toBe(conversation.body.id);
    const item = { type: 'message', role: 'user', content: 'Hi' };
    const itemHeaders = { 'idempotency-key': 'msg_1' };
    const added = await call(api, 'POST', `/conversations/${conversation.body.id}/items`, { body: { items: [item] }, headers: itemHeaders });
    const repeated = await call(api, 'POST', `/conversations/${conversation.body.id}/items`, { body: { items: [item] }, headers: itemHeaders });
    expect(repeated.body.data[0].id).toBe(added.body.data[0].id);
    expect((await call(api, 'GET', `/conversations/${conversation.body.id}/items`)).body.data).toHaveLength(1);
  });
});
