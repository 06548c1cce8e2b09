import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSchema, spec } from '../../src/spec/index.js';
import { DEMO_IDS } from '../../src/runs-api/index.js';
import { call, parseEvents, ENGINES, waitForRun, type RunsApi } from '../helpers/runs-api.js';
import { expectJsonOk, responseSchemaName, specOperations as listSpecOperations } from '../helpers/wire-http.js';

const responseSchema = (method: string, route: string): string => responseSchemaName(spec.paths, method, route);
const specOperations = listSpecOperations(spec.paths);

describe.each(ENGINES)('conformance with the normalised spec ($label)', (engine) => {
  let api: RunsApi;
  beforeAll(async () => {
    api = await engine.start();
  });
  afterAll(() => api.close());

  /** Calls the API and checks a 200 body against the operation's response schema. */
  async function ok(method: string, route: string, path: string, body?: unknown): Promise<any> {
    const response = await call(api, method, path, body === undefined ? {} : { body });
    expectJsonOk(response, `${method} ${path}`);
    expect(checkSchema(responseSchema(method, route), response.body), `${method} ${route}`).toEqual([]);
    return response.body;
  }

  it('the spec has the 23 operations this API serves', () => {
    expect(specOperations).toHaveLength(23);
  });

  it('every operation answers with its spec response schema, and every id has the real prefix and length', async () => {
    const plain = await ok('POST', '/assistants', '/assistants', { model: 'gpt-4o', name: 'plain' });
    expect(plain.id).toMatch(/^asst_[A-Za-z0-9]{24}$/);
    const tools = await ok('POST', '/assistants', '/assistants', {
      model: 'gpt-4o',
      tools: [{ type: 'code_interpreter' }, { type: 'file_search' }, { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }],
      tool_resources: { file_search: { vector_stores: [{ file_ids: ['file-1'] }] } },
    });
    expect(tools.tool_resources.file_search.vector_store_ids).toHaveLength(1);
    await ok('GET', '/assistants', '/assistants?limit=1');
    await ok('GET', '/assistants/{assistant_id}', `/assistants/${plain.id}`);
    await ok('POST', '/assistants/{assistant_id}', `/assistants/${plain.id}`, { name: 'renamed', metadata: { team: 'web' } });

    const thread = await ok('POST', '/threads', '/threads', {
      messages: [
        { role: 'user', content: 'Hello' },
        { role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] },
      ],
      metadata: { a: 'b' },
    });
    expect(thread.id).toMatch(/^thread_[A-Za-z0-9]{24}$/);
    await ok('GET', '/threads/{thread_id}', `/threads/${thread.id}`);
    await ok('POST', '/threads/{thread_id}', `/threads/${thread.id}`, { metadata: { a: 'c' } });

    const message = await ok('POST', '/threads/{thread_id}/messages', `/threads/${thread.id}/messages`, { role: 'user', content: 'Plot something', metadata: { k: 'v' } });
    expect(message.id).toMatch(/^msg_[A-Za-z0-9]{24}$/);
    await ok('GET', '/threads/{thread_id}/messages', `/threads/${thread.id}/messages`);
    await ok('GET', '/threads/{thread_id}/messages/{message_id}', `/threads/${thread.id}/messages/${message.id}`);
    await ok('POST', '/threads/{thread_id}/messages/{message_id}', `/threads/${thread.id}/messages/${message.id}`, { metadata: { k: 'w' } });

    const run = await ok('POST', '/threads/{thread_id}/runs', `/threads/${thread.id}/runs`, { assistant_id: tools.id });
    expect(run.id).toMatch(/^run_[A-Za-z0-9]{24}$/);
    const waiting = await waitForRun(api, thread.id, run.id);
    expect(waiting.status).toBe('requires_action');
    expect(checkSchema('RunObject', waiting)).toEqual([]);
    const callId = waiting.required_action.submit_tool_outputs.tool_calls[0].id;
    expect(callId).toMatch(/^call_[A-Za-z0-9]{24}$/);
    await ok('POST', '/threads/{thread_id}/runs/{run_id}/submit_tool_outputs', `/threads/${thread.id}/runs/${run.id}/submit_tool_outputs`, { tool_outputs: [{ tool_call_id: callId, output: '21 C' }] });
    await waitForRun(api, thread.id, run.id, ['completed']);
    await ok('GET', '/threads/{thread_id}/runs', `/threads/${thread.id}/runs`);
    await ok('GET', '/threads/{thread_id}/runs/{run_id}', `/threads/${thread.id}/runs/${run.id}`);
    await ok('POST', '/threads/{thread_id}/runs/{run_id}', `/threads/${thread.id}/runs/${run.id}`, { metadata: { seen: 'yes' } });

    const steps = await ok('GET', '/threads/{thread_id}/runs/{run_id}/steps', `/threads/${thread.id}/runs/${run.id}/steps?order=asc`);
    expect(steps.data.map((s: any) => s.step_details.tool_calls?.[0]?.type ?? s.type)).toEqual(['code_interpreter', 'file_search', 'function', 'message_creation']);
    expect(steps.data[0].id).toMatch(/^step_[A-Za-z0-9]{24}$/);
    const fileSearch = steps.data[1];
    expect(fileSearch.step_details.tool_calls[0].file_search.results[0]).not.toHaveProperty('content');
    const withContent = await ok(
      'GET',
      '/threads/{thread_id}/runs/{run_id}/steps/{step_id}',
      `/threads/${thread.id}/runs/${run.id}/steps/${fileSearch.id}?include[]=${encodeURIComponent('step_details.tool_calls[*].file_search.results[*].content')}`,
    );
    expect(withContent.step_details.tool_calls[0].file_search.results[0].content[0].text).toMatch(/simulates/);
    const listed = await ok('GET', '/threads/{thread_id}/runs/{run_id}/steps', `/threads/${thread.id}/runs/${run.id}/steps?order=asc&include[]=step_details.tool_calls[*].file_search.results[*].content`);
    expect(listed.data[1].step_details.tool_calls[0].file_search.results[0].content).toHaveLength(1);

    // Every content and annotation type the spec defines, from one run with every tool.
    const messages = await ok('GET', '/threads/{thread_id}/messages', `/threads/${thread.id}/messages?run_id=${run.id}`);
    const reply = messages.data[0];
    expect(reply.content.map((part: any) => part.type)).toEqual(['image_file', 'text']);
    expect(reply.content[1].text.annotations.map((a: any) => a.type)).toEqual(['file_path', 'file_citation']);
    expect(reply.content[1].text.value).toContain('21 C');
    for (const annotation of reply.content[1].text.annotations) {
      expect(reply.content[1].text.value.slice(annotation.start_index, annotation.end_index)).toBe(annotation.text);
    }

    const second = await ok('POST', '/threads/{thread_id}/runs', `/threads/${thread.id}/runs`, { assistant_id: plain.id });
    await ok('POST', '/threads/{thread_id}/runs/{run_id}/cancel', `/threads/${thread.id}/runs/${second.id}/cancel`);
    await waitForRun(api, thread.id, second.id, ['cancelled']);

    const threadRun = await ok('POST', '/threads/runs', '/threads/runs', { assistant_id: plain.id, thread: { messages: [{ role: 'user', content: 'hi' }] } });
    await waitForRun(api, threadRun.thread_id, threadRun.id, ['completed']);

    await ok('DELETE', '/threads/{thread_id}/messages/{message_id}', `/threads/${thread.id}/messages/${message.id}`);
    await ok('DELETE', '/threads/{thread_id}', `/threads/${thread.id}`);
    await ok('DELETE', '/assistants/{assistant_id}', `/assistants/${plain.id}`);

    const served = new Set(api.requestLog.filter((entry) => entry.status === 200).map((entry) => `${entry.method} ${entry.route}`));
    expect([...served].sort()).toEqual([...specOperations].sort());
  });

  it('error responses follow the ErrorResponse schema', async () => {
    for (const [method, path, status] of [
      ['GET', '/threads/thread_nope', 404],
      ['POST', '/threads/thread_nope/runs', 400],
      ['GET', '/nowhere', 404],
      ['GET', '/assistants?limit=0', 400],
    ] as const) {
      const response = await call(api, method, path, method === 'POST' ? { body: { foo: 1 } } : {});
      expect(response.status).toBe(status);
      expect(checkSchema('ErrorResponse', response.body)).toEqual([]);
      expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    }
  });

  it('every streamed event validates against the spec event schema of its name, for every ending', async () => {
    const { body: plain } = await call(api, 'POST', '/assistants', { body: { model: 'gpt-4o' } });
    const { body: tools } = await call(api, 'POST', '/assistants', {
      body: { model: 'gpt-4o', tools: [{ type: 'code_interpreter' }, { type: 'file_search' }, { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }] },
    });
    const seen = new Set<string>();
    const stream = async (path: string, body: unknown): Promise<ReturnType<typeof parseEvents>> => {
      const response = await call(api, 'POST', path, { body });
      expect(response.status, response.text).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const events = parseEvents(response.text);
      for (const event of events) {
        seen.add(event.event);
        expect(checkSchema('AssistantStreamEvent', event), `${event.event}: ${JSON.stringify(event.data).slice(0, 300)}`).toEqual([]);
      }
      expect(events.at(-1)).toEqual({ event: 'done', data: '[DONE]' });
      return events;
    };

    const first = await stream('/threads/runs', { assistant_id: tools.id, stream: true, thread: { messages: [{ role: 'user', content: 'chart it' }] } });
    expect(first[0]?.event).toBe('thread.created');
    expect(first.at(-2)?.event).toBe('thread.run.requires_action');
    // Without include[] on create, streamed file search results carry no content.
    const searchResults = first.flatMap((e) => (e.event.startsWith('thread.run.step') ? [e.data.step_details ?? e.data.delta.step_details] : [])).flatMap((d) => d.tool_calls ?? []).flatMap((c: any) => c.file_search?.results ?? []);
    expect(searchResults.length).toBeGreaterThan(0);
    expect(searchResults.some((r: any) => 'content' in r)).toBe(false);
    const run = first.at(-2)?.data;
    const callId = run.required_action.submit_tool_outputs.tool_calls[0].id;
    const rest = await stream(`/threads/${run.thread_id}/runs/${run.id}/submit_tool_outputs`, { stream: true, tool_outputs: [{ tool_call_id: callId, output: 'found' }] });
    expect(rest.at(-2)?.event).toBe('thread.run.completed');
    const deltas = rest.filter((e) => e.event === 'thread.message.delta');
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.every((e) => e.data.delta.content.every((part: any) => Number.isInteger(part.index)))).toBe(true);

    const thread = run.thread_id;
    // Engine-specific: on Responses an expiring response fails (that wire has no expiry); the responses engine's
    // expired runs come from late tool outputs, which end no stream (lifecycle.test.ts covers them).
    const expiring = engine.name === 'responses' ? 'thread.run.failed' : 'thread.run.expired';
    for (const simulate of ['fail', 'incomplete', 'expire', 'refusal']) {
      const events = await stream(`/threads/${thread}/runs`, { assistant_id: plain.id, stream: true, metadata: { simulate } });
      const final = events.at(-2);
      expect(final?.event).toBe({ fail: 'thread.run.failed', incomplete: 'thread.run.incomplete', expire: expiring, refusal: 'thread.run.completed' }[simulate]);
    }

    const { body: queued } = await call(api, 'POST', `/threads/${thread}/runs`, { body: { assistant_id: plain.id } });
    const cancelled = call(api, 'POST', `/threads/${thread}/runs/${queued.id}/cancel`);
    expect((await cancelled).body.status).toBe('cancelling');
    await waitForRun(api, thread, queued.id, ['cancelled']);

    for (const name of [
      'thread.created', 'thread.run.created', 'thread.run.queued', 'thread.run.in_progress', 'thread.run.requires_action', 'thread.run.completed',
      'thread.run.incomplete', 'thread.run.failed', 'thread.run.expired', 'thread.run.step.created', 'thread.run.step.in_progress', 'thread.run.step.delta',
      'thread.run.step.completed', 'thread.run.step.failed', 'thread.run.step.expired', 'thread.message.created', 'thread.message.in_progress',
      'thread.message.delta', 'thread.message.completed', 'thread.message.incomplete', 'done',
    ].filter((name) => engine.name !== 'responses' || !name.endsWith('.expired'))) {
      expect(seen, name).toContain(name);
    }
  });

  it('a stream of a run that gets cancelled ends with thread.run.cancelled, and its events validate', async () => {
    // Phases long enough that the cancel always lands before the run ends, even on a loaded machine.
    const api = await engine.start({ stepMs: 400 });
    try {
      const { body: plain } = await call(api, 'POST', '/assistants', { body: { model: 'gpt-4o' } });
      const { body: thread } = await call(api, 'POST', '/threads', { body: {} });
      const response = fetch(`${api.url}/threads/${thread.id}/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'openai-beta': 'assistants=v2' },
        body: JSON.stringify({ assistant_id: plain.id, stream: true }),
      });
      const res = await response;
      const [run] = (await call(api, 'GET', `/threads/${thread.id}/runs`)).body.data;
      await call(api, 'POST', `/threads/${thread.id}/runs/${run.id}/cancel`);
      const events = parseEvents(await res.text());
      for (const event of events) expect(checkSchema('AssistantStreamEvent', event)).toEqual([]);
      expect(events.map((e) => e.event)).toContain('thread.run.cancelling');
      expect(events.at(-2)?.event).toBe('thread.run.cancelled');
    } finally {
      await api.close();
    }
  });

  // Engine-specific: demo data has fixed ids and past timestamps, which cannot be made on a Responses upstream.
  it.skipIf(engine.name === 'responses')('demo data validates and uses the well-known ids', async () => {
    const demo = await engine.start({ demoData: true });
    try {
      const { body: runs } = await call(demo, 'GET', `/threads/${DEMO_IDS.thread}/runs?limit=100`);
      expect(checkSchema('ListRunsResponse', runs)).toEqual([]);
      expect(new Set(runs.data.map((r: any) => r.status))).toEqual(new Set(['completed', 'failed', 'cancelled', 'incomplete', 'expired', 'requires_action']));
      for (const run of runs.data) {
        const { body: steps } = await call(demo, 'GET', `/threads/${DEMO_IDS.thread}/runs/${run.id}/steps`);
        expect(checkSchema('ListRunStepsResponse', steps)).toEqual([]);
      }
      const { body: messages } = await call(demo, 'GET', `/threads/${DEMO_IDS.thread}/messages`);
      expect(checkSchema('ListMessagesResponse', messages)).toEqual([]);
      const { body: assistants } = await call(demo, 'GET', '/assistants');
      expect(checkSchema('ListAssistantsResponse', assistants)).toEqual([]);
      expect(assistants.data.map((a: any) => a.id).sort()).toEqual(Object.values(DEMO_IDS.assistants).sort());

      // The waiting demo run can be answered, and the idle thread takes new runs.
      const submitted = await call(demo, 'POST', `/threads/${DEMO_IDS.thread}/runs/${DEMO_IDS.runs.requiresAction}/submit_tool_outputs`, {
        body: { tool_outputs: [{ tool_call_id: DEMO_IDS.toolCall, output: 'sunny' }] },
      });
      expect(submitted.status).toBe(200);
      expect((await waitForRun(demo, DEMO_IDS.thread, DEMO_IDS.runs.requiresAction, ['completed'])).usage).not.toBeNull();
      const fresh = await call(demo, 'POST', `/threads/${DEMO_IDS.idleThread}/runs`, { body: { assistant_id: DEMO_IDS.assistants.plain } });
      expect(fresh.status).toBe(200);
      await waitForRun(demo, DEMO_IDS.idleThread, fresh.body.id, ['completed']);
    } finally {
      await demo.close();
    }
  });
});
