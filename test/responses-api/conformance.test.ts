import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { responsesSpec } from '../../src/spec/responses.js';
import { call, expectValid, expectValidEvents, parseEvents, startTestResponsesApi, waitForResponse, type ResponsesApi } from './helpers.js';
import { expectJsonOk, responseSchemaName, specOperations as listSpecOperations } from '../helpers/wire-http.js';

const responseSchema = (method: string, route: string): string => responseSchemaName(responsesSpec.paths, method, route);
const specOperations = listSpecOperations(responsesSpec.paths);

const ALL_TOOLS = [
  { type: 'code_interpreter', container: { type: 'auto' } },
  { type: 'file_search', vector_store_ids: ['vs_demo'] },
  { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } } } },
];

describe('conformance with the normalised Responses spec', () => {
  let api: ResponsesApi;
  beforeAll(async () => {
    api = await startTestResponsesApi();
  });
  afterAll(() => api.close());

  /** Calls the API and checks a 200 body against the operation's response schema. */
  async function ok(method: string, route: string, path: string, body?: unknown): Promise<any> {
    const response = await call(api, method, path, body === undefined ? {} : { body });
    expectJsonOk(response, `${method} ${path}`);
    expectValid(responseSchema(method, route), response.body);
    return response.body;
  }

  async function stream(path: string, body?: unknown): Promise<any[]> {
    const response = await call(api, body === undefined ? 'GET' : 'POST', path, body === undefined ? {} : { body });
    expect(response.status, response.text).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    const events = parseEvents(response.text);
    // The SSE event name is the payload's type, and the numbers run 0, 1, 2, … without gaps.
    for (const event of events) expect(event.event).toBe(event.data.type);
    expectValidEvents(events.map((event) => event.data));
    return events.map((event) => event.data);
  }

  it('the spec has the 13 operations this API serves', () => {
    expect(specOperations).toHaveLength(13);
  });

  it('every operation answers with its spec schema, and every id has the real prefix and length', async () => {
    const conversation = await ok('POST', '/conversations', '/conversations', { metadata: { team: 'web' }, items: [{ role: 'user', content: 'Hello' }, { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Look' }, { type: 'input_image', image_url: 'https://example.com/cat.png' }] }] });
    expect(conversation.id).toMatch(/^conv_[0-9a-f]{48}$/);
    await ok('GET', '/conversations/{conversation_id}', `/conversations/${conversation.id}`);
    await ok('POST', '/conversations/{conversation_id}', `/conversations/${conversation.id}`, { metadata: { team: 'app' } });
    const added = await ok('POST', '/conversations/{conversation_id}/items', `/conversations/${conversation.id}/items`, { items: [{ role: 'assistant', content: 'Hi, I am the assistant.' }] });
    expect(added.data[0].id).toMatch(/^msg_[0-9a-f]{48}$/);
    await ok('GET', '/conversations/{conversation_id}/items', `/conversations/${conversation.id}/items?limit=2`);
    await ok('GET', '/conversations/{conversation_id}/items/{item_id}', `/conversations/${conversation.id}/items/${added.data[0].id}`);

    const background = await ok('POST', '/responses', '/responses', { model: 'gpt-4o', conversation: conversation.id, input: 'Plot and search, then the weather', tools: ALL_TOOLS, background: true, include: ['file_search_call.results', 'code_interpreter_call.outputs'] });
    expect(background.id).toMatch(/^resp_[0-9a-f]{48}$/);
    const called = await waitForResponse(api, background.id);
    expectValid('Response', called);
    expect(called.output.map((item: any) => item.type)).toEqual(['code_interpreter_call', 'file_search_call', 'function_call']);
    const fn = called.output[2];
    expect(fn.id).toMatch(/^fc_[0-9a-f]{48}$/);
    expect(fn.call_id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    // Without include[], file search results and code outputs are null; with it they are there.
    expect(called.output[1].results).toBeNull();
    expect(called.output[0].outputs).toBeNull();
    const included = await ok('GET', '/responses/{response_id}', `/responses/${background.id}?include[]=file_search_call.results&include[]=code_interpreter_call.outputs`);
    expect(included.output[1].results).toHaveLength(2);
    expect(included.output[0].outputs.map((o: any) => o.type)).toEqual(['logs', 'image']);

    const reply = await ok('POST', '/responses', '/responses', { model: 'gpt-4o', conversation: conversation.id, input: [{ type: 'function_call_output', call_id: fn.call_id, output: '21 C' }], tools: ALL_TOOLS });
    expect(reply.status).toBe('completed');
    const message = reply.output[0];
    expect(message.id).toMatch(/^msg_[0-9a-f]{48}$/);
    const text = message.content[0];
    expect(text.text).toContain('The get_weather tool returned: 21 C');
    expect(text.annotations.map((a: any) => a.type)).toEqual(['container_file_citation', 'file_citation']);
    expect(text.annotations[0].container_id).toBe(called.output[0].container_id);
    expect(text.annotations[1].filename).toBe('demo-notes.md');
    expect(text.text.slice(text.annotations[0].start_index, text.annotations[0].end_index)).toBe('sandbox:/mnt/data/chart.png');

    await ok('GET', '/responses/{response_id}/input_items', `/responses/${reply.id}/input_items`);
    const listed = await ok('GET', '/conversations/{conversation_id}/items', `/conversations/${conversation.id}/items?order=asc&include[]=file_search_call.results`);
    expect(listed.data.map((item: any) => item.type)).toEqual(['message', 'message', 'message', 'message', 'code_interpreter_call', 'file_search_call', 'function_call', 'function_call_output', 'message']);
    expect(listed.data[5].results).toHaveLength(2);

    const cancelled = await ok('POST', '/responses', '/responses', { model: 'gpt-4o', input: 'cancel me', background: true });
    await ok('POST', '/responses/{response_id}/cancel', `/responses/${cancelled.id}/cancel`);
    await ok('DELETE', '/responses/{response_id}', `/responses/${cancelled.id}`);
    await ok('DELETE', '/conversations/{conversation_id}/items/{item_id}', `/conversations/${conversation.id}/items/${added.data[0].id}`);
    await ok('DELETE', '/conversations/{conversation_id}', `/conversations/${conversation.id}`);

    const served = new Set(api.requestLog.filter((entry) => entry.status === 200).map((entry) => `${entry.method} ${entry.route}`));
    expect([...served].sort()).toEqual([...specOperations].sort());
  });

  it('every streamed event matches its spec schema: built-in tools, a function call, the reply and each forced ending', async () => {
    const tools = await stream('/responses', { model: 'gpt-4o', input: 'all tools', tools: ALL_TOOLS, stream: true, background: true });
    expect(tools.map((event) => event.type)).toEqual([
      'response.created',
      'response.queued',
      'response.in_progress',
      'response.output_item.added',
      'response.code_interpreter_call.in_progress',
      'response.code_interpreter_call_code.delta',
      'response.code_interpreter_call_code.delta',
      'response.code_interpreter_call_code.delta',
      'response.code_interpreter_call_code.done',
      'response.code_interpreter_call.interpreting',
      'response.code_interpreter_call.completed',
      'response.output_item.done',
      'response.output_item.added',
      'response.file_search_call.in_progress',
      'response.file_search_call.searching',
      'response.file_search_call.completed',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(tools.map((event) => event.sequence_number)).toEqual(tools.map((_, index) => index));
    expect(tools.map((event) => event.response?.status).filter(Boolean)).toEqual(['queued', 'queued', 'in_progress', 'completed']);
    const callId = tools.at(-1).response.output[2].call_id;
    const reply = await stream('/responses', { model: 'gpt-4o', previous_response_id: tools[0].response.id, input: [{ type: 'function_call_output', call_id: callId, output: 'sunny' }], tools: ALL_TOOLS, stream: true });
    expect(reply.filter((event) => event.type === 'response.output_text.annotation.added')).toHaveLength(2);
    expect(reply.at(-1).type).toBe('response.completed');

    for (const [simulate, last] of [['fail', 'response.failed'], ['incomplete', 'response.incomplete'], ['refusal', 'response.completed'], ['expire', 'response.failed']]) {
      const events = await stream('/responses', { model: 'gpt-4o', input: 'forced ending', stream: true, metadata: { simulate } });
      expect(events.at(-1).type, simulate).toBe(last);
      if (simulate === 'refusal') expect(events.map((event) => event.type)).toContain('response.refusal.delta');
    }

    // A resumed stream's events are the same, validated the same way.
    const resumed = await stream(`/responses/${tools[0].response.id}?stream=true&starting_after=10`);
    expect(resumed.map((event) => event.sequence_number)).toEqual(tools.slice(11).map((event) => event.sequence_number));
  });

  it('a response deleted while it streams sends a spec-shaped error event and ends the stream', async () => {
    const response = await fetch(`${api.url}/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', input: 'delete me mid-way', background: true, stream: true }) });
    const reader = response.body!.getReader();
    let text = '';
    // Read until the response is in progress, then delete it.
    while (!text.includes('event: response.in_progress')) text += new TextDecoder().decode((await reader.read()).value);
    const id = /"id":"(resp_[0-9a-f]{48})"/.exec(text)?.[1];
    expect((await call(api, 'DELETE', `/responses/${id}`)).status).toBe(200);
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += new TextDecoder().decode(chunk.value);
    const events = parseEvents(text).map((event) => event.data);
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'response_deleted', param: null });
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expectValidEvents(events);
  });

  it('the webhook payloads and error bodies validate too', async () => {
    expectValid('WebhookResponseCompleted', { id: 'evt_1', object: 'event', type: 'response.completed', created_at: 1, data: { id: 'resp_1' } });
    const missing = await call(api, 'GET', '/responses/resp_missing');
    expect(missing.status).toBe(404);
    expectValid('ErrorResponse', missing.body);
    const bad = await call(api, 'POST', '/responses', { body: { model: 'gpt-4o', temperature: 9 } });
    expect(bad.status).toBe(400);
    expectValid('ErrorResponse', bad.body);
  });
});
