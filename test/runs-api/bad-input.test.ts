import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSchema } from '../../src/spec/index.js';
import { call, ENGINES, waitForRun, type RunsApi } from '../helpers/runs-api.js';

interface Case {
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: () => string;
  /** A function when it needs ids made in beforeAll. */
  body?: unknown;
  rawBody?: string;
  beta?: boolean;
  status: number;
  message: string | RegExp | (() => string);
  param?: string | null;
  code?: string | null;
}

const many = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`key${i}`, 'v']));

describe.each(ENGINES)('bad input never crashes the server and never changes state ($label)', (engine) => {
  let api: RunsApi;
  // Thread A has a finished run; thread B waits in requires_action (stable: it only moves when answered).
  const ids = { assistant: '', weather: '', threadA: '', threadB: '', messageA: '', runA: '', stepA: '', runB: '', callB: '' };

  beforeAll(async () => {
    api = await engine.start();
    ids.assistant = (await call(api, 'POST', '/assistants', { body: { model: 'gpt-4o' } })).body.id;
    ids.weather = (await call(api, 'POST', '/assistants', { body: { model: 'gpt-4o', tools: [{ type: 'function', function: { name: 'get_weather' } }] } })).body.id;
    const a = (await call(api, 'POST', '/threads', { body: { messages: [{ role: 'user', content: 'hi' }] } })).body;
    ids.threadA = a.id;
    ids.messageA = (await call(api, 'GET', `/threads/${a.id}/messages`)).body.data[0].id;
    ids.runA = (await call(api, 'POST', `/threads/${a.id}/runs`, { body: { assistant_id: ids.assistant } })).body.id;
    await waitForRun(api, a.id, ids.runA, ['completed']);
    ids.stepA = (await call(api, 'GET', `/threads/${a.id}/runs/${ids.runA}/steps`)).body.data[0].id;
    ids.threadB = (await call(api, 'POST', '/threads', { body: {} })).body.id;
    ids.runB = (await call(api, 'POST', `/threads/${ids.threadB}/runs`, { body: { assistant_id: ids.weather } })).body.id;
    const waiting = await waitForRun(api, ids.threadB, ids.runB, ['requires_action']);
    ids.callB = waiting.required_action.submit_tool_outputs.tool_calls[0].id;
  });
  afterAll(() => api.close());

  /** Everything a client could read, as JSON. */
  async function snapshot(): Promise<string> {
    const parts: unknown[] = [(await call(api, 'GET', '/assistants?limit=100')).body];
    for (const thread of [ids.threadA, ids.threadB]) {
      parts.push((await call(api, 'GET', `/threads/${thread}`)).body);
      parts.push((await call(api, 'GET', `/threads/${thread}/messages?limit=100`)).body);
      const runs = (await call(api, 'GET', `/threads/${thread}/runs?limit=100`)).body;
      parts.push(runs);
      for (const run of runs.data) parts.push((await call(api, 'GET', `/threads/${thread}/runs/${run.id}/steps?limit=100`)).body);
    }
    return JSON.stringify(parts);
  }

  const cases: Case[] = [
    { name: 'malformed JSON', method: 'POST', path: () => `/threads/${ids.threadA}/messages`, rawBody: '{"role": "user",', status: 400, message: /^We could not parse the JSON body of your request\./, param: null },
    { name: 'a JSON array body', method: 'POST', path: () => `/threads/${ids.threadA}/messages`, body: [], status: 400, message: /expected a JSON object, but got an array/, code: 'invalid_type' },
    { name: 'a JSON null body', method: 'POST', path: () => '/threads', rawBody: 'null', status: 400, message: /expected a JSON object, but got null/ },
    { name: 'missing assistant_id', method: 'POST', path: () => `/threads/${ids.threadA}/runs`, body: {}, status: 400, message: "Missing required parameter: 'assistant_id'.", param: 'assistant_id', code: 'missing_required_parameter' },
    { name: 'wrong type', method: 'POST', path: () => `/threads/${ids.threadA}/runs`, body: { assistant_id: 'x', temperature: 'hot' }, status: 400, message: "Invalid type for 'temperature': expected a number, but got a string instead.", param: 'temperature', code: 'invalid_type' },
    { name: 'number above maximum', method: 'POST', path: () => `/threads/${ids.threadA}/runs`, body: () => ({ assistant_id: ids.assistant, top_p: 1.5 }), status: 400, message: "Invalid 'top_p': decimal above maximum value. Expected a value <= 1, but got 1.5 instead.", param: 'top_p', code: 'decimal_above_max_value' },
    { name: 'integer below minimum', method: 'POST', path: () => `/threads/${ids.threadA}/runs`, body: () => ({ assistant_id: ids.assistant, max_completion_tokens: 10 }), status: 400, message: "Invalid 'max_completion_tokens': integer below minimum value. Expected a value >= 256, but got 10 instead.", param: 'max_completion_tokens', code: 'integer_below_min_value' },
    { name: 'unknown field', method: 'POST', path: () => `/threads/${ids.threadA}/messages`, body: { role: 'user', content: 'x', foo: 1 }, status: 400, message: 'Unrecognized request argument supplied: foo', param: 'foo', code: 'unknown_parameter' },
    { name: 'unknown field on modify run', method: 'POST', path: () => `/threads/${ids.threadA}/runs/${ids.runA}`, body: { status: 'completed' }, status: 400, message: 'Unrecognized request argument supplied: status', code: 'unknown_parameter' },
    { name: 'bad enum', method: 'POST', path: () => `/threads/${ids.threadA}/messages`, body: { role: 'system', content: 'x' }, status: 400, message: "Invalid value: 'system'. Supported values are: 'user' and 'assistant'.", param: 'role', code: 'invalid_value' },
    { name: 'unknown tool type', method: 'POST', path: () => '/assistants', body: { model: 'gpt-4o', tools: [{ type: 'browser' }] }, status: 400, message: "Invalid value: 'browser'. Supported values are: 'code_interpreter', 'file_search', and 'function'.", param: 'tools[0].type', code: 'invalid_value' },
    { name: 'function tool without function', method: 'POST', path: () => '/assistants', body: { model: 'gpt-4o', tools: [{ type: 'function' }] }, status: 400, message: "Missing required parameter: 'tools[0].function'.", param: 'tools[0].function', code: 'missing_required_parameter' },
    { name: 'empty content array', method: 'POST', path: () => `/threads/${ids.threadA}/messages`, body: { role: 'user', content: [] }, status: 400, message: /^Invalid 'content': empty array\./, param: 'content', code: 'empty_array' },
    { name: 'image_url that is not a URL', method: 'POST', path: () => `/threads/${ids.threadA}/messages`, body: { role: 'user', content: [{ type: 'image_url', image_url: { url: 'not a url' } }] }, status: 400, message: /content\[0\]\.image_url\.url/, param: 'content[0].image_url.url' },
    { name: '17 metadata keys', method: 'POST', path: () => `/threads/${ids.threadA}`, body: { metadata: many(17) }, status: 400, message: /Expected an object with at most 16 properties, but got an object with 17 properties/, param: 'metadata', code: 'object_above_max_properties' },
    { name: '65-character metadata key', method: 'POST', path: () => `/threads/${ids.threadA}/messages/${ids.messageA}`, body: { metadata: { ['k'.repeat(65)]: 'v' } }, status: 400, message: /maximum length 64, but got a key with length 65/, param: 'metadata', code: 'string_above_max_length' },
    { name: '513-character metadata value', method: 'POST', path: () => `/threads/${ids.threadA}/runs/${ids.runA}`, body: { metadata: { note: 'v'.repeat(513) } }, status: 400, message: "Invalid 'metadata.note': string too long. Expected a string with maximum length 512, but got a string with length 513 instead.", param: 'metadata.note', code: 'string_above_max_length' },
    { name: 'limit 0', method: 'GET', path: () => `/threads/${ids.threadA}/messages?limit=0`, status: 400, message: "Invalid 'limit': integer below minimum value. Expected a value >= 1, but got 0 instead.", param: 'limit', code: 'integer_below_min_value' },
    { name: 'limit 101', method: 'GET', path: () => `/threads/${ids.threadA}/runs?limit=101`, status: 400, message: "Invalid 'limit': integer above maximum value. Expected a value <= 100, but got 101 instead.", param: 'limit', code: 'integer_above_max_value' },
    { name: 'limit not a number', method: 'GET', path: () => '/assistants?limit=ten', status: 400, message: "Invalid type for 'limit': expected an integer, but got a string instead.", param: 'limit', code: 'invalid_type' },
    { name: 'bad order', method: 'GET', path: () => '/assistants?order=sideways', status: 400, message: "Invalid value: 'sideways'. Supported values are: 'asc' and 'desc'.", param: 'order', code: 'invalid_value' },
    { name: 'bad include[]', method: 'GET', path: () => `/threads/${ids.threadA}/runs/${ids.runA}/steps?include[]=everything`, status: 400, message: /^Invalid value: 'everything'/, param: 'include[]' },
    { name: 'unknown after cursor', method: 'GET', path: () => `/threads/${ids.threadA}/messages?after=msg_nope`, status: 400, message: /^Invalid 'after'/, param: 'after' },
    { name: 'unknown assistant', method: 'GET', path: () => '/assistants/asst_x', status: 404, message: "No assistant found with id 'asst_x'.", param: null, code: null },
    { name: 'unknown thread', method: 'GET', path: () => '/threads/thread_x', status: 404, message: "No thread found with id 'thread_x'.", param: null, code: null },
    { name: 'run of an unknown assistant', method: 'POST', path: () => `/threads/${ids.threadA}/runs`, body: { assistant_id: 'asst_gone' }, status: 404, message: "No assistant found with id 'asst_gone'." },
    { name: 'a run of another thread', method: 'GET', path: () => `/threads/${ids.threadB}/runs/${ids.runA}`, status: 404, message: () => `No run found with id '${ids.runA}'.`, param: null, code: null },
    { name: 'a message of another thread', method: 'GET', path: () => `/threads/${ids.threadB}/messages/${ids.messageA}`, status: 404, message: /^No message found with id 'msg_/ },
    { name: 'modifying a message of another thread', method: 'POST', path: () => `/threads/${ids.threadB}/messages/${ids.messageA}`, body: { metadata: { x: 'y' } }, status: 404, message: /^No message found with id/ },
    { name: 'deleting a message of another thread', method: 'DELETE', path: () => `/threads/${ids.threadB}/messages/${ids.messageA}`, status: 404, message: /^No message found with id/ },
    { name: 'cancelling a run of another thread', method: 'POST', path: () => `/threads/${ids.threadA}/runs/${ids.runB}/cancel`, status: 404, message: /^No run found with id 'run_/ },
    { name: 'steps of a run of another thread', method: 'GET', path: () => `/threads/${ids.threadB}/runs/${ids.runA}/steps`, status: 404, message: /^No run found with id/ },
    { name: 'a step of another run', method: 'GET', path: () => `/threads/${ids.threadB}/runs/${ids.runB}/steps/${ids.stepA}`, status: 404, message: /^No run step found with id 'step_/ },
    { name: 'unknown route', method: 'GET', path: () => '/foo', status: 404, message: 'Invalid URL (GET /v1/foo)', param: null },
    { name: 'unknown method on a route', method: 'DELETE', path: () => `/threads/${ids.threadA}/runs/${ids.runA}`, status: 404, message: /^Invalid URL \(DELETE \/v1\/threads\// },
    { name: 'a path that is not URL-encoded properly', method: 'GET', path: () => '/threads/%E0%A4%A', status: 404, message: /^No thread found/ },
    { name: 'missing beta header', method: 'GET', path: () => '/assistants', beta: false, status: 400, message: "You must provide the 'OpenAI-Beta' header to access the Assistants API. Please try again by setting the header 'OpenAI-Beta: assistants=v2'.", code: 'invalid_beta' },
    { name: 'a new run while one is active', method: 'POST', path: () => `/threads/${ids.threadB}/runs`, body: () => ({ assistant_id: ids.assistant }), status: 400, message: () => `Thread ${ids.threadB} already has an active run ${ids.runB}.` },
    { name: 'a message while a run is active', method: 'POST', path: () => `/threads/${ids.threadB}/messages`, body: { role: 'user', content: 'x' }, status: 400, message: () => `Can't add messages to ${ids.threadB} while a run ${ids.runB} is active.` },
    { name: 'tool outputs to a completed run', method: 'POST', path: () => `/threads/${ids.threadA}/runs/${ids.runA}/submit_tool_outputs`, body: { tool_outputs: [] }, status: 400, message: 'Runs in status "completed" do not accept tool outputs.' },
    { name: 'tool outputs missing a pending call', method: 'POST', path: () => `/threads/${ids.threadB}/runs/${ids.runB}/submit_tool_outputs`, body: { tool_outputs: [] }, status: 400, message: /missing outputs for 'call_/, param: 'tool_outputs' },
    { name: 'tool outputs for an unknown call', method: 'POST', path: () => `/threads/${ids.threadB}/runs/${ids.runB}/submit_tool_outputs`, body: { tool_outputs: [{ tool_call_id: 'call_nope', output: 'x' }] }, status: 400, message: /no pending tool call 'call_nope'/, param: 'tool_outputs' },
    { name: 'tool outputs without tool_call_id', method: 'POST', path: () => `/threads/${ids.threadB}/runs/${ids.runB}/submit_tool_outputs`, body: { tool_outputs: [{ output: 'x' }] }, status: 400, message: "Missing required parameter: 'tool_outputs[0].tool_call_id'.", param: 'tool_outputs[0].tool_call_id' },
    { name: 'cancelling a completed run', method: 'POST', path: () => `/threads/${ids.threadA}/runs/${ids.runA}/cancel`, status: 400, message: "Cannot cancel run with status 'completed'." },
    { name: 'tool_choice naming a missing function', method: 'POST', path: () => `/threads/${ids.threadA}/runs`, body: () => ({ assistant_id: ids.assistant, tool_choice: { type: 'function', function: { name: 'nope' } } }), status: 400, message: /the function 'nope' is not one of the run's tools/, param: 'tool_choice' },
    { name: 'a body over 4 MB', method: 'POST', path: () => `/threads/${ids.threadA}/messages`, body: { role: 'user', content: 'x'.repeat(5 * 1024 * 1024) }, status: 413, message: /too large/ },
  ];

  it('answers each bad request with the real API error, and the state stays as it was', async () => {
    const before = await snapshot();
    for (const c of cases) {
      const body = typeof c.body === 'function' ? (c.body as () => unknown)() : c.body;
      const response = await call(api, c.method, c.path(), { ...(c.rawBody !== undefined ? { rawBody: c.rawBody } : body !== undefined ? { body } : {}), ...(c.beta === false ? { beta: false } : {}) });
      expect(response.status, `${c.name}: ${response.text.slice(0, 300)}`).toBe(c.status);
      expect(checkSchema('ErrorResponse', response.body), c.name).toEqual([]);
      const { error } = response.body;
      const message = typeof c.message === 'function' ? c.message() : c.message;
      if (typeof message === 'string') expect(error.message, c.name).toBe(message);
      else expect(error.message, c.name).toMatch(message);
      expect(error.type, c.name).toBe('invalid_request_error');
      if (c.param !== undefined) expect(error.param, c.name).toBe(c.param);
      if (c.code !== undefined) expect(error.code, c.name).toBe(c.code);
    }
    expect(await snapshot()).toBe(before);
    // Still serving: the waiting run can be answered after all that.
    const ok = await call(api, 'POST', `/threads/${ids.threadB}/runs/${ids.runB}/submit_tool_outputs`, { body: { tool_outputs: [{ tool_call_id: ids.callB, output: 'fine' }] } });
    expect(ok.status).toBe(200);
    expect((await waitForRun(api, ids.threadB, ids.runB, ['completed'])).status).toBe('completed');
  });

  it('a wrong API key gets 401 with a masked fragment, never the key itself; a missing key gets its own 401', async () => {
    const key = 'sk-abcdefghijklmnopqrstuvwxyz';
    const locked = await engine.start({ apiKey: 'sk-the-right-key-123456' });
    try {
      const wrong = await call(locked, 'GET', '/assistants', { headers: { authorization: `Bearer ${key}` } });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error).toEqual({
        message: 'Incorrect API key provided: sk-ab********************wxyz. You can find your API key at https://platform.openai.com/account/api-keys.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      });
      expect(wrong.text).not.toContain(key);
      expect(wrong.text).not.toContain('sk-the-right-key');
      const short = await call(locked, 'GET', '/assistants', { headers: { authorization: 'Bearer abcd1234' } });
      expect(short.text).not.toContain('abcd1234');
      expect(short.text).not.toMatch(/abcd|1234/);
      const missing = await call(locked, 'GET', '/assistants');
      expect(missing.status).toBe(401);
      expect(missing.body.error.message).toMatch(/^You didn't provide an API key\./);
      expect(missing.body.error.code).toBeNull();
      const right = await call(locked, 'POST', '/assistants', { body: { model: 'gpt-4o' }, headers: { authorization: 'Bearer sk-the-right-key-123456' } });
      expect(right.status).toBe(200);
      // Rejected requests created nothing.
      const list = await call(locked, 'GET', '/assistants', { headers: { authorization: 'Bearer sk-the-right-key-123456' } });
      expect(list.body.data).toHaveLength(1);
    } finally {
      await locked.close();
    }
  });

  it('requireBetaHeader: false accepts requests without the header', async () => {
    const relaxed = await engine.start({ requireBetaHeader: false });
    try {
      expect((await call(relaxed, 'GET', '/assistants', { beta: false })).status).toBe(200);
    } finally {
      await relaxed.close();
    }
  });
});
