import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestResponsesApi, waitForResponse, type ResponsesApi } from './helpers.js';

const WEATHER = { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } };

/** Bad input gets the real API's 400 with `param`; unknown ids 404; and a refused request changes nothing. */
describe('bad input', () => {
  let api: ResponsesApi;
  beforeAll(async () => {
    api = await startTestResponsesApi({ apiKey: 'sk-bad-input-0123456789' });
  });
  afterAll(() => api.close());

  const auth = { authorization: 'Bearer sk-bad-input-0123456789' };
  const send = (method: string, path: string, body?: unknown, rawBody?: string) => call(api, method, path, { body, rawBody, headers: auth });
  const expectError = (response: { status: number; body: any }, status: number, param: string | null, message: string | RegExp) => {
    expect(response.status).toBe(status);
    expect(response.body.error.type).toBe('invalid_request_error');
    expect(response.body.error.param).toBe(param);
    if (typeof message === 'string') expect(response.body.error.message).toBe(message);
    else expect(response.body.error.message).toMatch(message);
  };

  it('no key or a wrong one is a 401 that does not echo the key', async () => {
    const none = await call(api, 'GET', '/conversations/conv_x');
    expect(none.status).toBe(401);
    const wrong = await call(api, 'GET', '/conversations/conv_x', { headers: { authorization: 'Bearer sk-wrong-key-00000000000' } });
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain('sk-wrong-key-00000000000');
    expect(wrong.body.error.code).toBe('invalid_api_key');
  });

  it.each([
    [{ input: 'x' }, 'model', "Missing required parameter: 'model'."],
    [{ model: 'gpt-4o', input: [{ type: 'message', role: 'user' }] }, 'input[0].content', "Missing required parameter: 'input[0].content'."],
    [{ model: 'gpt-4o', input: [{ type: 'reasoning', summary: [] }] }, 'input[0].type', /^Input items of type 'reasoning' are not supported/],
    [{ model: 'gpt-4o', tools: [{ type: 'web_search' }] }, 'tools[0].type', /^Tools of type 'web_search' are not supported/],
    [{ model: 'gpt-4o', tools: [{ type: 'function', name: 'has space' }] }, 'tools[0].name', /^Invalid 'tools\[0\]\.name': string does not match pattern/],
    [{ model: 'gpt-4o', tool_choice: 'sometimes' }, 'tool_choice', "Invalid value: 'sometimes'. Supported values are: 'none', 'auto', and 'required'."],
    [{ model: 'gpt-4o', text: { format: { type: 'yaml' } } }, 'text.format.type', "Invalid value: 'yaml'. Supported values are: 'text', 'json_schema', and 'json_object'."],
    [{ model: 'gpt-4o', top_p: -1 }, 'top_p', "Invalid 'top_p': decimal below minimum value. Expected a value >= 0, but got -1 instead."],
    [{ model: 'gpt-4o', background: 'yes' }, 'background', "Invalid type for 'background': expected a boolean, but got a string instead."],
    [{ model: 'gpt-4o', background: true, store: false }, 'background', /^Background responses must be stored/],
    [{ model: 'gpt-4o', metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata', /too many properties/],
    [{ model: 'gpt-4o', previous_response_id: 'resp_missing' }, 'previous_response_id', "Previous response with id 'resp_missing' not found."],
    [{ model: 'gpt-4o', stream_options: { include_obfuscation: 'no' } }, 'stream_options.include_obfuscation', /^Invalid 'stream_options\.include_obfuscation'/],
  ])('POST /responses %j → 400 naming %s', async (body, param, message) => {
    expectError(await send('POST', '/responses', body), 400, param, message);
  });

  it('a body that is not JSON, or not an object, is a 400', async () => {
    expect((await send('POST', '/responses', undefined, '{"model":')).status).toBe(400);
    expectError(await send('POST', '/responses', ['gpt-4o']), 400, null, 'Invalid request body: expected a JSON object, but got an array instead.');
  });

  it('unknown ids are 404 with the object named', async () => {
    expectError(await send('GET', '/responses/resp_nope'), 404, null, "Response with id 'resp_nope' not found.");
    expectError(await send('POST', '/responses/resp_nope/cancel'), 404, null, "Response with id 'resp_nope' not found.");
    expectError(await send('DELETE', '/responses/resp_nope'), 404, null, "Response with id 'resp_nope' not found.");
    expectError(await send('GET', '/responses/resp_nope/input_items'), 404, null, "Response with id 'resp_nope' not found.");
    expectError(await send('GET', '/conversations/conv_nope'), 404, null, "Conversation with id 'conv_nope' not found.");
    expectError(await send('GET', '/conversations/conv_nope/items'), 404, null, "Conversation with id 'conv_nope' not found.");
    expectError(await send('POST', '/responses', { model: 'gpt-4o', conversation: 'conv_nope', input: 'x' }), 404, 'conversation', "Conversation with id 'conv_nope' not found.");
    const conversation = (await send('POST', '/conversations', {})).body;
    expectError(await send('GET', `/conversations/${conversation.id}/items/msg_nope`), 404, null, "Item with id 'msg_nope' not found.");
    expectError(await send('DELETE', `/conversations/${conversation.id}/items/msg_nope`), 404, null, "Item with id 'msg_nope' not found.");
    expect((await send('GET', '/nowhere')).status).toBe(404);
  });

  it('conversation bodies and list queries: 400 with the param', async () => {
    const conversation = (await send('POST', '/conversations', { items: [{ role: 'user', content: 'one' }] })).body;
    expectError(await send('POST', '/conversations', { items: Array(21).fill({ role: 'user', content: 'x' }) }), 400, 'items', /array too long/);
    expectError(await send('POST', '/conversations', { title: 'x' }), 400, 'title', "Unknown parameter: 'title'.");
    expectError(await send('POST', `/conversations/${conversation.id}`, {}), 400, 'metadata', "Missing required parameter: 'metadata'.");
    expectError(await send('POST', `/conversations/${conversation.id}/items`, { items: [] }), 400, 'items', /empty array/);
    expectError(await send('GET', `/conversations/${conversation.id}/items?limit=0`), 400, 'limit', /integer below minimum value/);
    expectError(await send('GET', `/conversations/${conversation.id}/items?order=sideways`), 400, 'order', "Invalid value: 'sideways'. Supported values are: 'asc' and 'desc'.");
    expectError(await send('GET', `/conversations/${conversation.id}/items?after=msg_elsewhere`), 400, 'after', /no item with id 'msg_elsewhere'/);
    expectError(await send('GET', `/conversations/${conversation.id}/items?include[]=everything`), 400, 'include[0]', /^Invalid value: 'everything'/);
  });

  it('nothing changes when a request is refused: no response, no conversation item, no webhook-worthy state', async () => {
    const conversation = (await send('POST', '/conversations', { items: [{ role: 'user', content: 'Weather in Oslo?' }] })).body;
    const first = (await send('POST', '/responses', { model: 'gpt-4o', conversation: conversation.id, input: 'and now?', tools: [WEATHER] })).body;
    expect(first.status).toBe('completed');
    const before = (await send('GET', `/conversations/${conversation.id}/items?limit=100`)).body.data;
    const callItem = first.output[0];
    const refused = [
      // A pending call left without output, then the call sent twice, then an output for nothing.
      { model: 'gpt-4o', conversation: conversation.id, input: 'ignore the call', tools: [WEATHER] },
      { model: 'gpt-4o', conversation: conversation.id, input: [callItem, { type: 'function_call_output', call_id: callItem.call_id, output: 'x' }] },
      { model: 'gpt-4o', conversation: conversation.id, input: [{ type: 'function_call_output', call_id: 'call_other', output: 'x' }] },
      { model: 'gpt-4o', conversation: conversation.id, previous_response_id: first.id, input: 'both' },
      { model: 'gpt-4o', conversation: conversation.id, input: [{ type: 'function_call_output', call_id: callItem.call_id, output: 'x' }], temperature: 5 },
    ];
    const posts = api.requestLog.length;
    for (const body of refused) expect((await send('POST', '/responses', body)).status).toBe(400);
    expect(api.requestLog.slice(posts).map((entry) => entry.status)).toEqual(refused.map(() => 400));
    expect((await send('GET', `/conversations/${conversation.id}/items?limit=100`)).body.data).toEqual(before);
    // The pending call can still be answered: the refusals left no half-made response behind.
    const answered = (await send('POST', '/responses', { model: 'gpt-4o', conversation: conversation.id, input: [{ type: 'function_call_output', call_id: callItem.call_id, output: '3 C' }], tools: [WEATHER] })).body;
    expect(answered.output[0].content[0].text).toContain('The get_weather tool returned: 3 C');

    // A refused cancel leaves the response as it was.
    const foreground = (await send('POST', '/responses', { model: 'gpt-4o', input: 'done already' })).body;
    expect((await send('POST', `/responses/${foreground.id}/cancel`)).status).toBe(400);
    expect((await send('GET', `/responses/${foreground.id}`)).body).toEqual(foreground);
    // A refused update leaves the metadata.
    expect((await send('POST', `/conversations/${conversation.id}`, { metadata: { k: 1 } })).status).toBe(400);
    expect((await send('GET', `/conversations/${conversation.id}`)).body.metadata).toEqual({});
  });

  it('store: false answers the response but keeps nothing to retrieve', async () => {
    const response = (await send('POST', '/responses', { model: 'gpt-4o', input: 'forget me', store: false })).body;
    expect(response.status).toBe('completed');
    expect((await send('GET', `/responses/${response.id}`)).status).toBe(404);
  });

  it('a deleted response is gone, and a running one stops', async () => {
    const running = (await send('POST', '/responses', { model: 'gpt-4o', input: 'delete me', background: true })).body;
    expect((await send('DELETE', `/responses/${running.id}`)).body).toEqual({ id: running.id, object: 'response', deleted: true });
    expect((await send('GET', `/responses/${running.id}`)).status).toBe(404);
    const other = (await send('POST', '/responses', { model: 'gpt-4o', input: 'still here', background: true })).body;
    expect((await waitForResponse(api, other.id, { headers: auth })).status).toBe('completed');
  });
});
