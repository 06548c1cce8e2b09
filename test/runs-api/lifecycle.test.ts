import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSchema } from '../../src/spec/index.js';
import { ManualClock } from '../helpers/clock.js';
import { call, parseEvents, ENGINES, SETTLED_RUN_STATUSES, type RunsApi } from '../helpers/runs-api.js';
import { nextTurn } from '../helpers/wait.js';

const now = (): number => Math.floor(Date.now() / 1000);
const STEP_MS = 30;

/** The runs move on a manual clock: each poll that does not see the status it waits for steps time on by one phase. */
describe.each(ENGINES)('run lifecycle ($label)', (engine) => {
  let api: RunsApi;
  let clock: ManualClock;
  let plain: string;
  let weather: string;

  beforeAll(async () => {
    clock = new ManualClock();
    api = await engine.start({ stepMs: STEP_MS, clock });
    plain = (await call(api, 'POST', '/assistants', { body: { model: 'gpt-4o', instructions: 'Be brief.', temperature: 0.5 } })).body.id;
    weather = (await call(api, 'POST', '/assistants', { body: { model: 'gpt-4o', tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }] } })).body.id;
  });
  afterAll(() => api.close());

  async function newThread(text = 'hello'): Promise<string> {
    return (await call(api, 'POST', '/threads', { body: { messages: [{ role: 'user', content: text }] } })).body.id;
  }

  /** Polls, stepping the clock one phase between polls, and records each status seen until one of `until`. */
  async function observe(threadId: string, runId: string, until: string[], on = { api, clock, stepMs: STEP_MS }): Promise<{ statuses: string[]; run: any }> {
    const statuses: string[] = [];
    for (let i = 0; i < 100; i += 1) {
      const { body } = await call(on.api, 'GET', `/threads/${threadId}/runs/${runId}`);
      if (statuses.at(-1) !== body.status) statuses.push(body.status);
      if (until.includes(body.status)) return { statuses, run: body };
      on.clock.advance(on.stepMs);
    }
    throw new Error(`run stuck: ${statuses.join(' → ')}`);
  }

  /** `waitForRun` of the helpers, on this suite's clock. */
  async function waitForRun(_: RunsApi, threadId: string, runId: string, until: string[] = SETTLED_RUN_STATUSES): Promise<any> {
    return (await observe(threadId, runId, until)).run;
  }

  /** Steps the clock while `answer` is under way (a stream ends only when its run does). */
  async function driving<T>(answer: Promise<T>): Promise<T> {
    let settled = false;
    const done = answer.finally(() => {
      settled = true;
    });
    // Bounded by time, not by turns: an engine whose store writes reach the disk moves on between turns, not within one.
    for (const deadline = Date.now() + 15_000; !settled && Date.now() < deadline; ) {
      await nextTurn();
      clock.advance(STEP_MS);
    }
    return done;
  }

  it('a run goes queued → in_progress → completed, with timestamps, usage, the reply and poll hints', async () => {
    const thread = await newThread('What is 2+2?');
    const created = await call(api, 'POST', `/threads/${thread}/runs`, { body: { assistant_id: plain } });
    const run = created.body;
    expect(run.status).toBe('queued');
    expect(created.headers.get('openai-poll-after-ms')).toBe('50');
    expect(run).toMatchObject({
      object: 'thread.run',
      thread_id: thread,
      assistant_id: plain,
      model: 'gpt-4o',
      instructions: 'Be brief.',
      tools: [],
      temperature: 0.5,
      top_p: 1,
      truncation_strategy: { type: 'auto', last_messages: null },
      tool_choice: 'auto',
      response_format: 'auto',
      parallel_tool_calls: true,
      usage: null,
      metadata: {},
      required_action: null,
      last_error: null,
      incomplete_details: null,
      max_prompt_tokens: null,
      max_completion_tokens: null,
      started_at: null,
      completed_at: null,
    });
    expect(run.created_at).toBeLessThanOrEqual(now());
    expect(run.expires_at).toBe(run.created_at + 600);
    expect(checkSchema('RunObject', run)).toEqual([]);

    const { statuses, run: done } = await observe(thread, run.id, ['completed']);
    expect(statuses).toEqual(['queued', 'in_progress', 'completed'].slice(statuses[0] === 'queued' ? 0 : 1));
    expect(statuses).toContain('in_progress');
    expect(done.started_at).toBeGreaterThanOrEqual(run.created_at);
    expect(done.completed_at).toBeGreaterThanOrEqual(done.started_at);
    expect(done.expires_at).toBeNull();
    expect(done.failed_at).toBeNull();
    expect(done.cancelled_at).toBeNull();
    expect(done.usage.total_tokens).toBe(done.usage.prompt_tokens + done.usage.completion_tokens);
    expect(done.usage.completion_tokens).toBeGreaterThan(0);
    const final = await call(api, 'GET', `/threads/${thread}/runs/${run.id}`);
    expect(final.headers.get('openai-poll-after-ms')).toBeNull();

    const { body: messages } = await call(api, 'GET', `/threads/${thread}/messages?order=asc`);
    expect(messages.data).toHaveLength(2);
    expect(messages.data[1]).toMatchObject({ role: 'assistant', status: 'completed', run_id: run.id, assistant_id: plain, content: [{ type: 'text', text: { value: 'You said: What is 2+2?', annotations: [] } }] });
    const { body: steps } = await call(api, 'GET', `/threads/${thread}/runs/${run.id}/steps`);
    expect(steps.data).toHaveLength(1);
    expect(steps.data[0]).toMatchObject({ type: 'message_creation', status: 'completed', step_details: { message_creation: { message_id: messages.data[1].id } } });
    expect(steps.data[0].usage.total_tokens).toBeGreaterThan(0);
  });

  it('overrides, additional_instructions and additional_messages shape the run', async () => {
    const thread = await newThread();
    // Engine-specific: a response sees its whole conversation, so `last_messages` cannot map on Responses: a 400
    // that names it (never dropped silently), and the same run without it.
    const lastMessages = { type: 'last_messages', last_messages: 3 };
    if (engine.name === 'responses') {
      const refused = await call(api, 'POST', `/threads/${thread}/runs`, { body: { assistant_id: plain, truncation_strategy: lastMessages } });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ param: 'truncation_strategy', type: 'invalid_request_error' });
      const noBudget = await call(api, 'POST', `/threads/${thread}/runs`, { body: { assistant_id: plain, max_prompt_tokens: 500 } });
      expect(noBudget.body.error).toMatchObject({ param: 'max_prompt_tokens' });
      expect((await call(api, 'GET', `/threads/${thread}/runs`)).body.data).toEqual([]);
    }
    const truncation = engine.name === 'responses' ? { type: 'auto', last_messages: null } : lastMessages;
    const { body: run } = await call(api, 'POST', `/threads/${thread}/runs`, {
      body: {
        assistant_id: plain,
        model: 'gpt-4o-mini',
        additional_instructions: 'Use French.',
        additional_messages: [{ role: 'user', content: 'Bonjour' }],
        temperature: 0.2,
        max_completion_tokens: 300,
        tool_choice: 'none',
        parallel_tool_calls: false,
        truncation_strategy: truncation,
        metadata: { ticket: '42' },
      },
    });
    expect(run).toMatchObject({ model: 'gpt-4o-mini', instructions: 'Be brief.\n\nUse French.', temperature: 0.2, max_completion_tokens: 300, tool_choice: 'none', parallel_tool_calls: false, truncation_strategy: truncation, metadata: { ticket: '42' } });
    await waitForRun(api, thread, run.id, ['completed']);
    const { body: messages } = await call(api, 'GET', `/threads/${thread}/messages?order=asc`);
    expect(messages.data.map((m: any) => m.content[0].text.value)).toEqual(['hello', 'Bonjour', 'You said: Bonjour']);
    const instructionsOverride = (await call(api, 'POST', `/threads/${thread}/runs`, { body: { assistant_id: plain, instructions: 'Other.' } })).body;
    expect(instructionsOverride.instructions).toBe('Other.');
    await waitForRun(api, thread, instructionsOverride.id, ['completed']);
  });

  it('function tools: requires_action with the call, outputs continue the run, the step records the output', async () => {
    const thread = await newThread('Rome');
    const { body: run } = await call(api, 'POST', `/threads/${thread}/runs`, { body: { assistant_id: weather } });
    const { statuses, run: waiting } = await observe(thread, run.id, ['requires_action']);
    expect(statuses.at(-1)).toBe('requires_action');
    const [toolCall] = waiting.required_action.submit_tool_outputs.tool_calls;
    expect(toolCall).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } });
    expect(waiting.expires_at).toBe(waiting.created_at + 600);
    const pending = (await call(api, 'GET', `/threads/${thread}/runs/${run.id}`)).headers.get('openai-poll-after-ms');
    expect(pending).toBe('50');
    const { body: stepsBefore } = await call(api, 'GET', `/threads/${thread}/runs/${run.id}/steps`);
    expect(stepsBefore.data[0]).toMatchObject({ type: 'tool_calls', status: 'in_progress', step_details: { tool_calls: [{ id: toolCall.id, function: { output: null } }] } });

    const submitted = await call(api, 'POST', `/threads/${thread}/runs/${run.id}/submit_tool_outputs`, { body: { tool_outputs: [{ tool_call_id: toolCall.id, output: '25 C' }] } });
    expect(submitted.body.status).toBe('in_progress');
    expect(submitted.body.required_action).toBeNull();
    const done = await waitForRun(api, thread, run.id, ['completed']);
    expect(done.usage).not.toBeNull();
    const { body: steps } = await call(api, 'GET', `/threads/${thread}/runs/${run.id}/steps?order=asc`);
    expect(steps.data.map((s: any) => [s.type, s.status])).toEqual([['tool_calls', 'completed'], ['message_creation', 'completed']]);
    expect(steps.data[0].step_details.tool_calls[0].function.output).toBe('25 C');
    const { body: messages } = await call(api, 'GET', `/threads/${thread}/messages?run_id=${run.id}`);
    expect(messages.data[0].content[0].text.value).toContain('25 C');
  });

  it('a run left in requires_action expires after requiresActionTimeoutMs', async () => {
    const shortClock = new ManualClock();
    const short = await engine.start({ requiresActionTimeoutMs: 120, clock: shortClock });
    const on = { api: short, clock: shortClock, stepMs: 25 };
    try {
      const assistant = (await call(short, 'POST', '/assistants', { body: { model: 'gpt-4o', tools: [{ type: 'function', function: { name: 'f' } }] } })).body.id;
      const thread = (await call(short, 'POST', '/threads', { body: {} })).body.id;
      const { body: run } = await call(short, 'POST', `/threads/${thread}/runs`, { body: { assistant_id: assistant } });
      expect(run.expires_at).toBe(run.created_at + 1);
      await observe(thread, run.id, ['requires_action'], on);
      shortClock.advance(119);
      expect((await call(short, 'GET', `/threads/${thread}/runs/${run.id}`)).body.status).toBe('requires_action');
      const expired = (await observe(thread, run.id, ['expired'], on)).run;
      expect(expired.required_action).toBeNull();
      expect(expired.expires_at).toBeLessThanOrEqual(now());
      const { body: steps } = await call(short, 'GET', `/threads/${thread}/runs/${run.id}/steps`);
      expect(steps.data[0].status).toBe('expired');
      expect(steps.data[0].expired_at).toBeGreaterThan(0);
      const late = await call(short, 'POST', `/threads/${thread}/runs/${run.id}/submit_tool_outputs`, { body: { tool_outputs: [] } });
      expect(late.body.error.message).toBe('Runs in status "expired" do not accept tool outputs.');
      // The thread is free again.
      expect((await call(short, 'POST', `/threads/${thread}/messages`, { body: { role: 'user', content: 'again' } })).status).toBe(200);
    } finally {
      await short.close();
    }
  });

  // Engine-specific: on Responses an expiring response fails (that wire has no expiry), so the run, its step and
  // its message end as for `fail`; the engine's own expiry is late tool outputs (the requires_action test above).
  const expiring: [string, string, string, string] = engine.name === 'responses' ? ['expire', 'failed', 'failed', 'run_failed'] : ['expire', 'expired', 'expired', 'run_expired'];
  it.each<[string, string, string, string]>([
    ['fail', 'failed', 'failed', 'run_failed'],
    ['incomplete', 'incomplete', 'completed', 'max_tokens'],
    expiring,
  ])('metadata.simulate=%s: run %s, step %s, message incomplete (%s)', async (simulate, runStatus, stepStatus, reason) => {
    const thread = await newThread('a fairly long question for the model');
    const { body: run } = await call(api, 'POST', `/threads/${thread}/runs`, { body: { assistant_id: plain, metadata: { simulate } } });
    const { statuses, run: done } = await observe(thread, run.id, [runStatus]);
    expect(statuses).toContain('in_progress');
    expect(done.status).toBe(runStatus);
    if (runStatus === 'failed') {
      expect(done.failed_at).toBeGreaterThanOrEqual(done.started_at);
      expect(done.last_error).toEqual({ code: 'server_error', message: simulate === 'expire' ? 'The response expired before it finished.' : 'Sorry, something went wrong.' });
      expect(done.expires_at).toBeNull();
    }
    if (runStatus === 'incomplete') {
      expect(done.incomplete_details).toEqual({ reason: 'max_completion_tokens' });
      expect(done.usage.completion_tokens).toBeGreaterThan(0);
    }
    if (runStatus === 'expired') expect(done.expires_at).toBeLessThanOrEqual(now());
    expect(done.completed_at).toBeNull();
    const { body: steps } = await call(api, 'GET', `/threads/${thread}/runs/${run.id}/steps`);
    expect(steps.data[0].status).toBe(stepStatus);
    if (stepStatus === 'failed') expect(steps.data[0].last_error.code).toBe('server_error');
    if (stepStatus === 'expired') expect(steps.data[0].usage).toBeNull();
    const { body: messages } = await call(api, 'GET', `/threads/${thread}/messages?run_id=${run.id}`);
    expect(messages.data[0]).toMatchObject({ status: 'incomplete', incomplete_details: { reason } });
    expect(messages.data[0].incomplete_at).toBeGreaterThan(0);
    if (simulate === 'incomplete') expect(messages.data[0].content[0].text.value.length).toBeLessThan('You said: a fairly long question for the model'.length);
  });

  it('metadata.simulate=refusal: the assistant answers with a refusal part', async () => {
    const thread = await newThread();
    const { body: run } = await call(api, 'POST', `/threads/${thread}/runs`, { body: { assistant_id: plain, metadata: { simulate: 'refusal' } } });
    await waitForRun(api, thread, run.id, ['completed']);
    const { body: messages } = await call(api, 'GET', `/threads/${thread}/messages?run_id=${run.id}`);
    expect(messages.data[0].content).toEqual([{ type: 'refusal', refusal: expect.stringMatching(/can't help/) }]);
  });

  it('cancel: cancelling at once, cancelled after a step, the in-progress step and message end with it, and no timer overwrites it', async () => {
    const thread = await newThread();
    const { body: run } = await call(api, 'POST', `/threads/${thread}/runs`, { body: { assistant_id: plain } });
    // Let it get as far as creating the message, then cancel mid-message.
    for (let i = 0; i < 200; i += 1) {
      const { body } = await call(api, 'GET', `/threads/${thread}/runs/${run.id}/steps`);
      if (body.data.length > 0) break;
      clock.advance(STEP_MS);
    }
    const cancelling = await call(api, 'POST', `/threads/${thread}/runs/${run.id}/cancel`);
    expect(cancelling.status).toBe(200);
    expect(cancelling.body.status).toBe('cancelling');
    expect(cancelling.headers.get('openai-poll-after-ms')).toBe('50');
    expect((await call(api, 'POST', `/threads/${thread}/runs/${run.id}/cancel`)).body.error.message).toBe("Cannot cancel run with status 'cancelling'.");
    const cancelled = await waitForRun(api, thread, run.id, ['cancelled', 'completed']);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.cancelled_at).toBeGreaterThanOrEqual(cancelled.created_at);
    expect(cancelled.completed_at).toBeNull();
    clock.advance(150);
    const later = await call(api, 'GET', `/threads/${thread}/runs/${run.id}`);
    expect(later.body.status).toBe('cancelled');
    const { body: steps } = await call(api, 'GET', `/threads/${thread}/runs/${run.id}/steps`);
    expect(steps.data[0]).toMatchObject({ status: 'cancelled', completed_at: null });
    expect(steps.data[0].cancelled_at).toBeGreaterThan(0);
    const { body: messages } = await call(api, 'GET', `/threads/${thread}/messages?run_id=${run.id}`);
    expect(messages.data[0]).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'run_cancelled' } });
  });

  it('cancel in requires_action cancels the waiting tool step', async () => {
    const thread = await newThread();
    const { body: run } = await call(api, 'POST', `/threads/${thread}/runs`, { body: { assistant_id: weather } });
    await waitForRun(api, thread, run.id, ['requires_action']);
    await call(api, 'POST', `/threads/${thread}/runs/${run.id}/cancel`);
    const done = await waitForRun(api, thread, run.id, ['cancelled']);
    expect(done.required_action).toBeNull();
    const { body: steps } = await call(api, 'GET', `/threads/${thread}/runs/${run.id}/steps`);
    expect(steps.data[0].status).toBe('cancelled');
  });

  it('every status the spec names is reachable', async () => {
    const seen = new Set<string>();
    const thread1 = await newThread();
    const { body: a } = await call(api, 'POST', `/threads/${thread1}/runs`, { body: { assistant_id: plain } });
    seen.add(a.status);
    (await observe(thread1, a.id, ['completed'])).statuses.forEach((s) => seen.add(s));
    const { body: b } = await call(api, 'POST', `/threads/${thread1}/runs`, { body: { assistant_id: weather } });
    (await observe(thread1, b.id, ['requires_action'])).statuses.forEach((s) => seen.add(s));
    seen.add((await call(api, 'POST', `/threads/${thread1}/runs/${b.id}/cancel`)).body.status);
    seen.add((await waitForRun(api, thread1, b.id, ['cancelled'])).status);
    for (const simulate of ['fail', 'incomplete', 'expire']) {
      const { body: c } = await call(api, 'POST', `/threads/${thread1}/runs`, { body: { assistant_id: plain, metadata: { simulate } } });
      seen.add((await waitForRun(api, thread1, c.id)).status);
    }
    if (engine.name === 'responses') {
      // Engine-specific: here `expired` is only tool outputs that come too late (the wire has no expiry of its own).
      const { body: late } = await call(api, 'POST', `/threads/${thread1}/runs`, { body: { assistant_id: weather } });
      await waitForRun(api, thread1, late.id, ['requires_action']);
      clock.advance(600_000);
      seen.add((await waitForRun(api, thread1, late.id, ['expired'])).status);
    }
    expect([...seen].sort()).toEqual(['cancelled', 'cancelling', 'completed', 'expired', 'failed', 'in_progress', 'incomplete', 'queued', 'requires_action']);
  });

  it('lists in creation order within one second, with cursors and has_more', async () => {
    const thread = (await call(api, 'POST', '/threads', { body: {} })).body.id;
    const created: string[] = [];
    for (let i = 0; i < 10; i += 1) created.push((await call(api, 'POST', `/threads/${thread}/messages`, { body: { role: 'user', content: `m${i}` } })).body.id);
    const asc = (await call(api, 'GET', `/threads/${thread}/messages?order=asc&limit=100`)).body;
    expect(asc.data.map((m: any) => m.id)).toEqual(created);
    const desc = (await call(api, 'GET', `/threads/${thread}/messages`)).body;
    expect(desc.data.map((m: any) => m.id)).toEqual([...created].reverse());
    const page1 = (await call(api, 'GET', `/threads/${thread}/messages?order=asc&limit=4`)).body;
    expect(page1).toMatchObject({ object: 'list', first_id: created[0], last_id: created[3], has_more: true });
    const page3 = (await call(api, 'GET', `/threads/${thread}/messages?order=asc&limit=4&after=${created[7]}`)).body;
    expect(page3.data.map((m: any) => m.id)).toEqual(created.slice(8));
    expect(page3.has_more).toBe(false);
    const before = (await call(api, 'GET', `/threads/${thread}/messages?order=asc&limit=3&before=${created[5]}`)).body;
    expect(before.data.map((m: any) => m.id)).toEqual(created.slice(2, 5));
    expect(before.has_more).toBe(true);
    // A deleted object still works as a cursor.
    await call(api, 'DELETE', `/threads/${thread}/messages/${created[4]}`);
    const afterDeleted = (await call(api, 'GET', `/threads/${thread}/messages?order=asc&limit=2&after=${created[4]}`)).body;
    expect(afterDeleted.data.map((m: any) => m.id)).toEqual(created.slice(5, 7));

    const runs: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const { body: run } = await call(api, 'POST', `/threads/${thread}/runs`, { body: { assistant_id: plain, tool_choice: 'none' } });
      runs.push(run.id);
      await call(api, 'POST', `/threads/${thread}/runs/${run.id}/cancel`);
      await waitForRun(api, thread, run.id, ['cancelled']);
    }
    const listed = (await call(api, 'GET', `/threads/${thread}/runs?order=asc`)).body;
    expect(listed.data.map((r: any) => r.id)).toEqual(runs);
    const empty = (await call(api, 'GET', `/threads/${(await call(api, 'POST', '/threads', { body: {} })).body.id}/runs`)).body;
    expect(empty).toEqual({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
  });

  it('messages filter by run_id', async () => {
    const thread = await newThread('one');
    const { body: first } = await call(api, 'POST', `/threads/${thread}/runs`, { body: { assistant_id: plain } });
    await waitForRun(api, thread, first.id, ['completed']);
    await call(api, 'POST', `/threads/${thread}/messages`, { body: { role: 'user', content: 'two' } });
    const { body: second } = await call(api, 'POST', `/threads/${thread}/runs`, { body: { assistant_id: plain } });
    await waitForRun(api, thread, second.id, ['completed']);
    const all = (await call(api, 'GET', `/threads/${thread}/messages`)).body.data;
    expect(all).toHaveLength(4);
    const onlySecond = (await call(api, 'GET', `/threads/${thread}/messages?run_id=${second.id}`)).body.data;
    expect(onlySecond.map((m: any) => m.content[0].text.value)).toEqual(['You said: two']);
    expect((await call(api, 'GET', `/threads/${thread}/messages?run_id=run_unknown`)).body.data).toEqual([]);
  });

  it('the stream and polling watch the same run; a client that disconnects does not stop it', async () => {
    const thread = await newThread('stream');
    const response = await driving(call(api, 'POST', `/threads/${thread}/runs`, { body: { assistant_id: plain, stream: true } }));
    const events = parseEvents(response.text);
    const finalRun = events.at(-2)?.data;
    const polled = (await call(api, 'GET', `/threads/${thread}/runs/${finalRun.id}`)).body;
    expect(polled).toEqual(finalRun);
    expect(events.filter((e) => e.event === 'thread.message.delta').map((e) => e.data.delta.content[0].text.value).join('')).toBe('You said: stream');

    const thread2 = await newThread('leave early');
    const controller = new AbortController();
    const streamed = await fetch(`${api.url}/threads/${thread2}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'openai-beta': 'assistants=v2' },
      body: JSON.stringify({ assistant_id: plain, stream: true }),
      signal: controller.signal,
    });
    const reader = streamed.body!.getReader();
    await reader.read();
    controller.abort();
    const [run] = (await call(api, 'GET', `/threads/${thread2}/runs`)).body.data;
    expect((await waitForRun(api, thread2, run.id, ['completed'])).status).toBe('completed');
  });

  it('deleting a thread stops its run and removes its objects', async () => {
    const thread = await newThread();
    const { body: run } = await call(api, 'POST', `/threads/${thread}/runs`, { body: { assistant_id: plain } });
    const deleted = await call(api, 'DELETE', `/threads/${thread}`);
    expect(deleted.body).toEqual({ id: thread, object: 'thread.deleted', deleted: true });
    clock.advance(120);
    expect((await call(api, 'GET', `/threads/${thread}/runs/${run.id}`)).status).toBe(404);
    expect((await call(api, 'GET', `/threads/${thread}/messages`)).body.error.message).toBe(`No thread found with id '${thread}'.`);
  });

  it('close() ends open streams and in-flight runs and resolves', async () => {
    const other = await engine.start({ stepMs: 1_000 });
    const assistant = (await call(other, 'POST', '/assistants', { body: { model: 'gpt-4o' } })).body.id;
    const thread = (await call(other, 'POST', '/threads', { body: {} })).body.id;
    const streamed = await fetch(`${other.url}/threads/${thread}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'openai-beta': 'assistants=v2' },
      body: JSON.stringify({ assistant_id: assistant, stream: true }),
    });
    const reading = streamed.text().catch(() => 'aborted');
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(500);
    expect(await reading).not.toContain('thread.run.completed');
  });
});
