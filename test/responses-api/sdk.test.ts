import OpenAI, { BadRequestError, NotFoundError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookSchemaName } from '../../src/spec/responses.js';
import { waitUntil } from '../helpers/wait.js';
import { expectValid, expectValidEvents, SECRET, startReceiver, startTestResponsesApi, type ResponsesApi } from './helpers.js';

const API_KEY = 'sk-test-responses-0123456789';
const WEATHER = { type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: false };

/** The official SDK as a real client, unchanged: if it works here, code written for the real API does too. */
describe('openai SDK 6 against the embedded Responses API', () => {
  let api: ResponsesApi;
  let client: OpenAI;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    api = await startTestResponsesApi({ apiKey: API_KEY, webhook: { url: receiver.url, secret: SECRET, retryMs: 10, timeoutMs: 1_000 } });
    client = new OpenAI({ apiKey: API_KEY, baseURL: api.url, maxRetries: 0, webhookSecret: SECRET });
  });
  afterAll(async () => {
    await api.close();
    await receiver.close();
  });

  async function pollToEnd(id: string): Promise<OpenAI.Responses.Response> {
    for (;;) {
      const response = await client.responses.retrieve(id);
      if (!['queued', 'in_progress'].includes(response.status ?? '')) return response;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it.each([
    [undefined, 'completed'],
    ['fail', 'failed'],
    ['incomplete', 'incomplete'],
    ['refusal', 'completed'],
    ['expire', 'failed'],
  ])('background create, then retrieve until it ends: simulate=%s → %s', async (simulate, status) => {
    const created = await client.responses.create({ model: 'gpt-4o', input: 'Hello background', background: true, metadata: simulate ? { simulate } : {} });
    expect(created.status).toBe('queued');
    expect(created.id).toMatch(/^resp_[0-9a-f]{48}$/);
    const ended = await pollToEnd(created.id);
    expect(ended.status).toBe(status);
    expectValid('Response', ended);
    if (simulate === undefined) {
      expect(ended.output_text).toBe('You said: Hello background');
      expect(ended.usage?.total_tokens).toBeGreaterThan(0);
      expect(ended.completed_at).toBeGreaterThanOrEqual(ended.created_at);
    }
    if (simulate === 'fail') expect(ended.error).toEqual({ code: 'server_error', message: 'Sorry, something went wrong.' });
    if (simulate === 'incomplete') {
      expect(ended.incomplete_details).toEqual({ reason: 'max_output_tokens' });
      expect(ended.output_text).toBe('You said: Hello background'.slice(0, 13));
    }
    if (simulate === 'refusal') {
      const message = ended.output[0];
      expect(message?.type === 'message' && message.content[0]).toEqual({ type: 'refusal', refusal: "I'm sorry, but I can't help with that request." });
    }
  });

  it('responses.stream delivers the response to the end, and its text deltas add up to the final text', async () => {
    const stream = client.responses.stream({ model: 'gpt-4o', input: 'stream me please' });
    let text = '';
    stream.on('response.output_text.delta', (event) => {
      text += event.delta;
    });
    const final = await stream.finalResponse();
    expect(final.status).toBe('completed');
    expect(final.output_text).toBe('You said: stream me please');
    expect(text).toBe('You said: stream me please');
  });

  it('stream: true yields spec-shaped events numbered 0, 1, 2, … ending in response.completed', async () => {
    const stream = await client.responses.create({ model: 'gpt-4o', input: 'count the events', stream: true });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expectValidEvents(events);
  });

  it('a dropped stream resumed with starting_after yields every event exactly once, in order', async () => {
    const stream = await client.responses.create({ model: 'gpt-4o', input: 'resume me after a drop', background: true, stream: true, tools: [{ type: 'file_search', vector_store_ids: ['vs_1'] }] });
    const first: OpenAI.Responses.ResponseStreamEvent[] = [];
    let responseId = '';
    for await (const event of stream) {
      first.push(event);
      if (event.type === 'response.created') responseId = event.response.id;
      // Drop the connection in the middle of the response.
      if (event.type === 'response.file_search_call.searching') break;
    }
    const last = first.at(-1)?.sequence_number ?? -1;
    const resumed = await client.responses.retrieve(responseId, { stream: true, starting_after: last });
    const rest: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of resumed) rest.push(event);
    const all = [...first, ...rest];
    expect(rest[0]?.sequence_number).toBe(last + 1);
    expect(all.map((event) => event.sequence_number)).toEqual(all.map((_, index) => index));
    expect(all.at(-1)?.type).toBe('response.completed');
    // The same events as a full replay, payloads and all.
    const replay: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of await client.responses.retrieve(responseId, { stream: true })) replay.push(event);
    expect(all).toEqual(replay);
    expectValidEvents(all);
    // The SDK's own resuming helper gets there too.
    const helper = client.responses.stream({ response_id: responseId, starting_after: last });
    const final = await helper.finalResponse();
    expect(final.output_text).toContain('You said: resume me after a drop');
  });

  it('cancel: a background response is cancelled at once, a second cancel answers the same, and it stays cancelled', async () => {
    const created = await client.responses.create({ model: 'gpt-4o', input: 'cancel me', background: true });
    const cancelled = await client.responses.cancel(created.id);
    expect(cancelled.status).toBe('cancelled');
    expectValid('Response', cancelled);
    expect(await client.responses.cancel(created.id)).toEqual(cancelled);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await client.responses.retrieve(created.id)).status).toBe('cancelled');
  });

  it('conversations.create with metadata and items; items.list auto-paginates in both orders', async () => {
    const items = Array.from({ length: 20 }, (_, i) => ({ type: 'message' as const, role: 'user' as const, content: `item ${i}` }));
    const conversation = await client.conversations.create({ metadata: { topic: 'paging' }, items });
    expect(conversation.id).toMatch(/^conv_[0-9a-f]{48}$/);
    expect(conversation.metadata).toEqual({ topic: 'paging' });
    await client.conversations.items.create(conversation.id, { items: Array.from({ length: 5 }, (_, i) => ({ type: 'message', role: 'user', content: `later ${i}` })) });
    const texts = async (order: 'asc' | 'desc') => {
      const out: string[] = [];
      for await (const item of client.conversations.items.list(conversation.id, { limit: 7, order })) {
        out.push(item.type === 'message' && item.content[0]?.type === 'input_text' ? item.content[0].text : '?');
      }
      return out;
    };
    const expected = [...items.map((_, i) => `item ${i}`), ...Array.from({ length: 5 }, (_, i) => `later ${i}`)];
    expect(await texts('asc')).toEqual(expected);
    expect(await texts('desc')).toEqual([...expected].reverse());
    const updated = await client.conversations.update(conversation.id, { metadata: { topic: 'done' } });
    expect(updated.metadata).toEqual({ topic: 'done' });
    expect(await client.conversations.delete(conversation.id)).toMatchObject({ id: conversation.id, deleted: true });
    await expect(client.conversations.retrieve(conversation.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a full function-call loop with previous_response_id: the call, its output, the reply', async () => {
    const first = await client.responses.create({ model: 'gpt-4o', input: 'Weather in Oslo?', tools: [WEATHER] });
    expect(first.status).toBe('completed');
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', status: 'completed' });
    if (call?.type !== 'function_call') throw new Error('no function call');
    expect(call.call_id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expect(JSON.parse(call.arguments)).toEqual({ city: 'Weather in Oslo?' });
    const second = await client.responses.create({ model: 'gpt-4o', previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: call.call_id, output: '21 C and sunny' }], tools: [WEATHER] });
    expect(second.status).toBe('completed');
    expect(second.output_text).toBe('You said: Weather in Oslo?\nThe get_weather tool returned: 21 C and sunny');
    const inputItems = await client.responses.inputItems.list(second.id);
    expect(inputItems.data.map((item) => item.type)).toEqual(['function_call_output']);
  });

  it('the same loop in a conversation: the conversation holds the question, the call, its output and the reply', async () => {
    const conversation = await client.conversations.create();
    const first = await client.responses.create({ model: 'gpt-4o', conversation: conversation.id, input: 'Weather in Rome?', tools: [WEATHER] });
    const call = first.output.find((item) => item.type === 'function_call');
    if (call?.type !== 'function_call') throw new Error('no function call');
    const second = await client.responses.create({ model: 'gpt-4o', conversation: { id: conversation.id }, input: [{ type: 'function_call_output', call_id: call.call_id, output: '25 C' }], tools: [WEATHER] });
    expect(second.output_text).toContain('The get_weather tool returned: 25 C');
    const types: string[] = [];
    for await (const item of client.conversations.items.list(conversation.id, { order: 'asc' })) types.push(item.type === 'message' ? `message:${item.role}` : item.type);
    expect(types).toEqual(['message:user', 'function_call', 'function_call_output', 'message:assistant']);
  });

  describe('the tool-call pitfalls are the real API errors', () => {
    async function pendingCall() {
      const first = await client.responses.create({ model: 'gpt-4o', input: 'Weather in Lima?', tools: [WEATHER] });
      const call = first.output.find((item) => item.type === 'function_call');
      if (call?.type !== 'function_call') throw new Error('no function call');
      return { first, call };
    }
    async function badRequest(promise: Promise<unknown>): Promise<BadRequestError> {
      const error = await promise.then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(BadRequestError);
      return error as BadRequestError;
    }

    it('a continuation without the output: No tool output found for function call …', async () => {
      const { first, call } = await pendingCall();
      const error = await badRequest(client.responses.create({ model: 'gpt-4o', previous_response_id: first.id, input: 'and tomorrow?', tools: [WEATHER] }));
      expect(error.message).toBe(`400 No tool output found for function call ${call.call_id}.`);
      expect(error.param).toBe('input');
    });

    it('the call sent again with previous_response_id: Duplicate item found …', async () => {
      const { first, call } = await pendingCall();
      const error = await badRequest(
        client.responses.create({ model: 'gpt-4o', previous_response_id: first.id, input: [call, { type: 'function_call_output', call_id: call.call_id, output: 'x' }], tools: [WEATHER] }),
      );
      expect(error.message).toBe(`400 Duplicate item found with id ${call.id}. Remove duplicate items from your input and try again.`);
      expect(error.param).toBe('input');
    });

    it('an output for a call that does not exist: No tool call found …', async () => {
      const { first } = await pendingCall();
      const error = await badRequest(client.responses.create({ model: 'gpt-4o', previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: 'call_nope', output: 'x' }] }));
      expect(error.message).toBe('400 No tool call found for function call output with call_id call_nope.');
    });

    it('conversation together with previous_response_id', async () => {
      const conversation = await client.conversations.create();
      const { first } = await pendingCall();
      const error = await badRequest(client.responses.create({ model: 'gpt-4o', conversation: conversation.id, previous_response_id: first.id, input: 'x' }));
      expect(error.message).toBe("400 Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or 'conversation'.");
      expect(error.param).toBe('conversation');
    });

    it('cancel, and stream resumption, of a response not created in background', async () => {
      const foreground = await client.responses.create({ model: 'gpt-4o', input: 'hi' });
      const cancel = await badRequest(client.responses.cancel(foreground.id));
      expect(cancel.message).toBe('400 Cannot cancel a synchronous response.');
      const resume = await badRequest(client.responses.retrieve(foreground.id, { stream: true, starting_after: 0 }));
      expect(resume.message).toBe('400 This response cannot be streamed because it was not created with background=true.');
      expect(resume.param).toBe('stream');
    });
  });

  describe('webhooks', () => {
    it.each([
      [{}, 'response.completed'],
      [{ simulate: 'fail' }, 'response.failed'],
      [{ simulate: 'incomplete' }, 'response.incomplete'],
    ])('a background response that ends sends one signed event that webhooks.unwrap accepts (%j → %s)', async (metadata, type) => {
      const created = await client.responses.create({ model: 'gpt-4o', input: 'notify me', background: true, metadata });
      await waitUntil(() => receiver.received.some((hook) => hook.body.includes(created.id)));
      const hooks = receiver.received.filter((hook) => hook.body.includes(created.id));
      expect(hooks).toHaveLength(1);
      const [hook] = hooks;
      if (!hook) throw new Error('no webhook');
      const event = await client.webhooks.unwrap(hook.body, hook.headers);
      expect(event).toMatchObject({ object: 'event', type, data: { id: created.id } });
      expect(event.id).toMatch(/^evt_[0-9a-f]{32}$/);
      expect(hook.headers['webhook-id']).toBe(event.id);
      expectValid(webhookSchemaName(type.replace('.', '_')), JSON.parse(hook.body));
      // One byte changed in the body, or in the signature, and it is refused.
      const changedBody = hook.body.replace(created.id, `${created.id.slice(0, -1)}${created.id.endsWith('0') ? '1' : '0'}`);
      await expect(client.webhooks.unwrap(changedBody, hook.headers)).rejects.toThrow(/signature does not match/);
      const signature = hook.headers['webhook-signature'] ?? '';
      const index = signature.length - 5;
      const changedSignature = signature.slice(0, index) + (signature[index] === 'A' ? 'B' : 'A') + signature.slice(index + 1);
      await expect(client.webhooks.unwrap(hook.body, { ...hook.headers, 'webhook-signature': changedSignature })).rejects.toThrow(/signature does not match/);
    });

    it('a cancelled background response sends response.cancelled; a foreground one sends nothing', async () => {
      const created = await client.responses.create({ model: 'gpt-4o', input: 'cancel and notify', background: true });
      await client.responses.cancel(created.id);
      await waitUntil(() => receiver.received.some((hook) => hook.body.includes(created.id)));
      const hook = receiver.received.find((candidate) => candidate.body.includes(created.id));
      expect(await client.webhooks.unwrap(hook!.body, hook!.headers)).toMatchObject({ type: 'response.cancelled', data: { id: created.id } });
      const foreground = await client.responses.create({ model: 'gpt-4o', input: 'no webhook for me' });
      const background = await client.responses.create({ model: 'gpt-4o', input: 'but for me', background: true });
      await waitUntil(() => receiver.received.some((candidate) => candidate.body.includes(background.id)));
      expect(receiver.received.some((candidate) => candidate.body.includes(foreground.id))).toBe(false);
    });
  });
});
