import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSchema } from '../../src/spec/index.js';
import { callsTo, ENGINES, type RunsApi } from '../helpers/runs-api.js';

const API_KEY = 'sk-test-sdk-0123456789abcdef';
const POLL = { pollIntervalMs: 20 };

/** The official SDK as a real client: if it works against the embedded API, so do the frontends built on it. */
describe.each(ENGINES)('openai SDK 6 against the embedded runs API ($label)', (engine) => {
  let api: RunsApi;
  let client: OpenAI;
  let plainId: string;
  let weatherId: string;

  beforeAll(async () => {
    api = await engine.start({ apiKey: API_KEY });
    client = new OpenAI({ apiKey: API_KEY, baseURL: api.url, maxRetries: 2 });
    plainId = (await client.beta.assistants.create({ model: 'gpt-4o', name: 'Echo', instructions: 'Repeat.' })).id;
    weatherId = (
      await client.beta.assistants.create({
        model: 'gpt-4o',
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } } }],
      })
    ).id;
  });
  afterAll(() => api.close());

  it('sends the beta header itself: creates a thread and message, and createAndPoll reaches completed', async () => {
    const thread = await client.beta.threads.create();
    const message = await client.beta.threads.messages.create(thread.id, { role: 'user', content: 'Hello SDK' });
    expect(message.content[0]).toEqual({ type: 'text', text: { value: 'Hello SDK', annotations: [] } });
    const run = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: plainId }, POLL);
    expect(run.status).toBe('completed');
    expect(run.usage?.total_tokens).toBeGreaterThan(0);
    expect(checkSchema('RunObject', run)).toEqual([]);
    const messages = await client.beta.threads.messages.list(thread.id, { run_id: run.id });
    const reply = messages.data[0]?.content[0];
    expect(reply?.type === 'text' && reply.text.value).toBe('You said: Hello SDK');
  });

  it('runs.stream delivers the run to the end: finalRun, finalMessages and text deltas', async () => {
    const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: 'stream me please' }] });
    const stream = client.beta.threads.runs.stream(thread.id, { assistant_id: plainId });
    let text = '';
    stream.on('textDelta', (delta) => {
      text += delta.value ?? '';
    });
    const run = await stream.finalRun();
    expect(run.status).toBe('completed');
    const [message] = await stream.finalMessages();
    const part = message?.content[0];
    expect(part?.type === 'text' && part.text.value).toBe('You said: stream me please');
    expect(text).toBe('You said: stream me please');
  });

  it('requires_action, then submitToolOutputsAndPoll reaches completed and the reply uses the output', async () => {
    const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: 'Weather in Oslo?' }] });
    const waiting = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: weatherId }, POLL);
    expect(waiting.status).toBe('requires_action');
    const [toolCall] = waiting.required_action?.submit_tool_outputs.tool_calls ?? [];
    expect(toolCall?.function.name).toBe('get_weather');
    expect(JSON.parse(toolCall?.function.arguments ?? '')).toEqual({ location: 'Weather in Oslo?' });
    const done = await client.beta.threads.runs.submitToolOutputsAndPoll(waiting.id, { thread_id: thread.id, tool_outputs: [{ tool_call_id: toolCall?.id ?? '', output: '-3 C, snow' }] }, POLL);
    expect(done.status).toBe('completed');
    expect(done.required_action).toBeNull();
    const messages = await client.beta.threads.messages.list(thread.id, { run_id: done.id });
    const part = messages.data[0]?.content[0];
    expect(part?.type === 'text' && part.text.value).toContain('-3 C, snow');
  });

  it('submitToolOutputsStream continues the run on a new stream', async () => {
    const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: 'Weather?' }] });
    const first = client.beta.threads.runs.stream(thread.id, { assistant_id: weatherId });
    const waiting = await first.finalRun();
    expect(waiting.status).toBe('requires_action');
    const callId = waiting.required_action?.submit_tool_outputs.tool_calls[0]?.id ?? '';
    const second = client.beta.threads.runs.submitToolOutputsStream(waiting.id, { thread_id: thread.id, tool_outputs: [{ tool_call_id: callId, output: 'warm' }] });
    expect((await second.finalRun()).status).toBe('completed');
  });

  it('cancel: cancelling at once, cancelled after a step', async () => {
    const thread = await client.beta.threads.create();
    const run = await client.beta.threads.runs.create(thread.id, { assistant_id: plainId });
    const cancelling = await client.beta.threads.runs.cancel(run.id, { thread_id: thread.id });
    expect(cancelling.status).toBe('cancelling');
    const cancelled = await client.beta.threads.runs.poll(run.id, { thread_id: thread.id }, POLL);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.cancelled_at).toBeGreaterThan(0);
  });

  it('auto-paginates with limit 2 over 5 messages, in order, in 3 requests', async () => {
    const thread = await client.beta.threads.create();
    for (let i = 1; i <= 5; i += 1) await client.beta.threads.messages.create(thread.id, { role: 'user', content: `m${i}` });
    const before = callsTo(api, 'GET', '/threads/{thread_id}/messages');
    const texts: string[] = [];
    for await (const message of client.beta.threads.messages.list(thread.id, { limit: 2, order: 'asc' })) {
      const part = message.content[0];
      texts.push(part?.type === 'text' ? part.text.value : '?');
    }
    expect(texts).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(callsTo(api, 'GET', '/threads/{thread_id}/messages') - before).toBe(3);
  });

  it.each([
    ['fail', 'failed'],
    ['incomplete', 'incomplete'],
    ['expire', 'expired'],
  ] as const)('metadata.simulate=%s ends the run %s', async (simulate, status) => {
    const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: 'please' }] });
    const run = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: plainId, metadata: { simulate } }, POLL);
    // Engine-specific: the Responses wire has no expiry, so the embedded Responses API ends an expiring response as
    // failed ("The response expired before it finished."); the responses engine's own `expired` comes from tool
    // outputs that are late (test/runs-api/lifecycle.test.ts).
    if (engine.name === 'responses' && simulate === 'expire') {
      expect(run.status).toBe('failed');
      expect(run.last_error).toEqual({ code: 'server_error', message: 'The response expired before it finished.' });
      return;
    }
    expect(run.status).toBe(status);
    if (status === 'failed') {
      expect(run.last_error).toEqual({ code: 'server_error', message: expect.any(String) });
      expect(run.failed_at).toBeGreaterThan(0);
    }
    if (status === 'incomplete') expect(run.incomplete_details).toEqual({ reason: 'max_completion_tokens' });
    if (status === 'expired') expect(run.expires_at).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('a 404 surfaces as NotFoundError with the spec fields', async () => {
    const thread = await client.beta.threads.create();
    const error = await client.beta.threads.runs.retrieve('run_missing', { thread_id: thread.id }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    const apiError = error as InstanceType<typeof OpenAI.NotFoundError>;
    expect(apiError.status).toBe(404);
    expect(apiError.error).toEqual({ message: "No run found with id 'run_missing'.", type: 'invalid_request_error', param: null, code: null });
    expect(apiError.type).toBe('invalid_request_error');
    expect(apiError.requestID).toMatch(/^req_[0-9a-f]{32}$/);
  });

  it('a 400 surfaces as BadRequestError with param, code and type', async () => {
    const thread = await client.beta.threads.create();
    const error = await client.beta.threads.runs.create(thread.id, { assistant_id: plainId, temperature: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const apiError = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(apiError.param).toBe('temperature');
    expect(apiError.code).toBe('decimal_above_max_value');
    expect(apiError.type).toBe('invalid_request_error');
    expect(apiError.message).toContain('Expected a value <= 2, but got 5 instead.');
  });

  it('a wrong key surfaces as AuthenticationError', async () => {
    const wrong = new OpenAI({ apiKey: 'sk-wrong-key-000000000000', baseURL: api.url, maxRetries: 0 });
    const error = await wrong.beta.assistants.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
  });

  it('retries a 429 from fault injection and succeeds (2 requests logged)', async () => {
    api.faults.set([{ method: 'POST', route: '/threads', kind: 'status', status: 429, count: 1, retryAfterMs: 10 }]);
    try {
      const before = api.requestLog.filter((e) => e.route === '/threads' && e.method === 'POST').length;
      const started = Date.now();
      const thread = await client.beta.threads.create();
      expect(thread.id).toMatch(/^thread_/);
      const entries = api.requestLog.filter((e) => e.route === '/threads' && e.method === 'POST').slice(before);
      expect(entries.map((e) => e.status)).toEqual([429, 200]);
      // retry-after-ms (10 ms) was honoured, not the SDK's default back-off of about half a second.
      expect(Date.now() - started).toBeLessThan(400);
    } finally {
      api.faults.clear();
    }
  });
});
