import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOUNDRY_TOKEN_SCOPE, startRunsApi, type RunsApi } from '../../src/runs-api/index.js';
import { waitUntil } from '../helpers/wait.js';
import { parseEvents, rawCall, type RawResponse } from '../helpers/wire-http.js';

const CLIENT_ID = 'gateway-tests';
const CLIENT_SECRET = 'client-secret-that-must-not-leak';
const TOKEN_LIFETIME_MS = 1_000;
const MCP_TOOL = { type: 'mcp', server_label: 'docs', server_url: 'https://mcp.example.com/sse', allowed_tools: ['search_docs'] };

/**
 * The embedded runs API presenting Azure AI Foundry classic agents (RUNS_API_PROFILE=foundry-classic), checked over
 * plain HTTP against what Azure documents: the token endpoint, bearer auth, `api-version`, the project endpoint without
 * `/v1`, Azure's list envelope, `GET /threads`, `tool_resources` on runs and the MCP tool approval loop.
 */
describe('runs API as Foundry classic', () => {
  let api: RunsApi;

  beforeAll(async () => {
    api = await startRunsApi({ port: 0, stepMs: 25, profile: 'foundry-classic', project: 'demo', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, tokenLifetimeMs: TOKEN_LIFETIME_MS });
  });
  afterAll(async () => {
    await api?.close();
  });

  const tokenRequest = (form: Record<string, string>, contentType = 'application/x-www-form-urlencoded') =>
    rawCall(api.tokenEndpoint!.url, 'POST', { 'content-type': contentType }, { rawBody: new URLSearchParams(form).toString() });
  const goodForm = { grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope: FOUNDRY_TOKEN_SCOPE };
  /** A fresh token per call: they last a second here. */
  const token = async (): Promise<string> => (await tokenRequest(goodForm)).body.access_token as string;
  const azure = async <T = any>(method: string, path: string, body?: unknown, options: { apiVersion?: string | null; bearer?: string | null } = {}): Promise<RawResponse<T>> => {
    const version = options.apiVersion === undefined ? '2025-05-01' : options.apiVersion;
    const separator = path.includes('?') ? '&' : '?';
    const url = `${api.url}${path}${version === null ? '' : `${separator}api-version=${encodeURIComponent(version)}`}`;
    const bearer = options.bearer === undefined ? await token() : options.bearer;
    return rawCall<T>(url, method, bearer === null ? {} : { authorization: `Bearer ${bearer}` }, body === undefined ? {} : { body });
  };
  const waitForStatus = async (threadId: string, runId: string, statuses: string[]): Promise<any> => {
    let run: any;
    await waitUntil(async () => {
      run = (await azure('GET', `/threads/${threadId}/runs/${runId}`)).body;
      return statuses.includes(run.status);
    }, 5_000);
    return run;
  };

  describe('token endpoint (client credentials, form-encoded)', () => {
    it('issues a bearer token for the right client, secret and scope, in Entra’s answer shape', async () => {
      const issued = api.tokenEndpoint!.issued();
      const answer = await tokenRequest(goodForm);
      expect(answer.status).toBe(200);
      expect(Object.keys(answer.body).sort()).toEqual(['access_token', 'expires_in', 'ext_expires_in', 'token_type']);
      expect(answer.body).toMatchObject({ token_type: 'Bearer', expires_in: 1 });
      expect(answer.body.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(api.tokenEndpoint!.issued()).toBe(issued + 1);
      expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/projects\/demo$/);
    });

    it.each([
      ['a wrong secret', { client_secret: 'not-it' }, 401, 'invalid_client'],
      ['an unknown client', { client_id: 'someone-else' }, 400, 'unauthorized_client'],
      ['another scope', { scope: 'https://cognitiveservices.azure.com/.default' }, 400, 'invalid_scope'],
      ['another grant', { grant_type: 'password' }, 400, 'unsupported_grant_type'],
      ['no secret', { client_secret: '' }, 400, 'invalid_request'],
    ])('refuses %s with Entra’s error and issues nothing', async (_what, change, status, error) => {
      const issued = api.tokenEndpoint!.issued();
      const answer = await tokenRequest({ ...goodForm, ...change });
      expect(answer.status).toBe(status);
      expect(answer.body.error).toBe(error);
      expect(answer.body.error_description).toMatch(/^AADSTS\d+: /);
      expect(answer.text).not.toContain(CLIENT_SECRET);
      expect(api.tokenEndpoint!.issued()).toBe(issued);
    });

    it('takes only a form-encoded body', async () => {
      const answer = await rawCall(api.tokenEndpoint!.url, 'POST', {}, { body: goodForm });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_request');
    });
  });

  describe('bearer tokens only', () => {
    it.each([
      ['no Authorization header', null],
      ['a token it never issued', 'made-up-token'],
      ['the client secret as an API key', CLIENT_SECRET],
    ])('answers 401 in Azure’s error shape to %s', async (_what, bearer) => {
      const answer = await azure('GET', '/assistants', undefined, { bearer });
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
      expect(answer.body.error).toMatchObject({ code: '401', message: expect.stringContaining('Access token is missing, invalid') });
      expect(answer.text).not.toContain(CLIENT_SECRET);
    });

    it('a token stops working once its lifetime is over', async () => {
      const bearer = await token();
      expect((await azure('GET', '/assistants', undefined, { bearer })).status).toBe(200);
      await waitUntil(async () => (await azure('GET', '/assistants', undefined, { bearer })).status === 401, 5 * TOKEN_LIFETIME_MS);
      expect((await azure('GET', '/assistants')).status).toBe(200);
    });
  });

  describe('api-version and the project endpoint', () => {
    it('is required on every call', async () => {
      const missing = await azure('GET', '/assistants', undefined, { apiVersion: null });
      expect(missing.status).toBe(400);
      expect(missing.body.error).toMatchObject({ code: 'MissingApiVersionParameter', param: 'api-version' });
      const unknown = await azure('POST', '/threads', {}, { apiVersion: '2024-07-01-preview' });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toMatchObject({ code: 'UnsupportedApiVersionValue', message: expect.stringContaining("'v1, 2025-05-01, 2025-05-15-preview'") });
    });

    it.each(['v1', '2025-05-01', '2025-05-15-preview'])('takes api-version=%s, with no OpenAI-Beta header', async (apiVersion) => {
      const thread = await azure('POST', '/threads', {}, { apiVersion });
      expect(thread.status).toBe(200);
      expect(thread.body.object).toBe('thread');
    });

    it('has no /v1: the OpenAI path is not found, even with a good token', async () => {
      const origin = api.url.replace(/\/api\/projects\/demo$/, '');
      const answer = await rawCall(`${origin}/v1/threads?api-version=v1`, 'POST', { authorization: `Bearer ${await token()}`, 'openai-beta': 'assistants=v2' }, { body: {} });
      expect(answer.status).toBe(404);
      const otherProject = await rawCall(`${origin}/api/projects/other/threads?api-version=v1`, 'POST', { authorization: `Bearer ${await token()}` }, { body: {} });
      expect(otherProject.status).toBe(404);
    });
  });

  describe('lists', () => {
    it('answer in Azure’s envelope: data, last_id, has_more (no object, no first_id), paged with after', async () => {
      const ids: string[] = [];
      for (const name of ['a', 'b', 'c']) ids.push((await azure('POST', '/assistants', { model: 'gpt-4o', name: `list-${name}` })).body.id);
      const first = await azure('GET', `/assistants?limit=2&order=desc`);
      expect(first.status).toBe(200);
      expect(Object.keys(first.body).sort()).toEqual(['data', 'has_more', 'last_id']);
      expect(first.body.data.map((a: any) => a.id)).toEqual([ids[2], ids[1]]);
      expect(first.body).toMatchObject({ last_id: ids[1], has_more: true });
      const second = await azure('GET', `/assistants?limit=2&order=desc&after=${first.body.last_id}`);
      expect(second.body.data[0].id).toBe(ids[0]);
    });

    it('an empty page has no last_id', async () => {
      const thread = (await azure('POST', '/threads', {})).body;
      const page = await azure('GET', `/threads/${thread.id}/messages`);
      expect(page.body).toEqual({ data: [], has_more: false });
    });

    it('GET /threads lists every thread, newest first, paged by cursor', async () => {
      const created: string[] = [];
      for (let i = 0; i < 3; i += 1) created.push((await azure('POST', '/threads', { metadata: { batch: 'threads-list' } })).body.id);
      const page = await azure('GET', '/threads?limit=2');
      expect(page.status).toBe(200);
      expect(Object.keys(page.body).sort()).toEqual(['data', 'has_more', 'last_id']);
      expect(page.body.data.map((t: any) => t.id)).toEqual([created[2], created[1]]);
      expect(page.body.has_more).toBe(true);
      const next = await azure('GET', `/threads?limit=1&after=${page.body.last_id}`);
      expect(next.body.data.map((t: any) => t.id)).toEqual([created[0]]);
      const bad = await azure('GET', '/threads?limit=500');
      expect(bad.status).toBe(400);
    });
  });

  describe('tool_resources on runs', () => {
    it('a run keeps the tool_resources it was created with; MCP headers are used, never shown', async () => {
      const assistant = (await azure('POST', '/assistants', { model: 'gpt-4o' })).body;
      const thread = (await azure('POST', '/threads', {})).body;
      const resources = {
        code_interpreter: { file_ids: ['assistant-file-1'] },
        file_search: { vector_store_ids: ['vs_1'] },
        mcp: [{ server_label: 'docs', require_approval: 'never', headers: { authorization: 'Bearer mcp-secret-value' } }],
      };
      const shown = { code_interpreter: resources.code_interpreter, file_search: resources.file_search, mcp: [{ server_label: 'docs', require_approval: 'never' }] };
      const created = await azure('POST', `/threads/${thread.id}/runs`, { assistant_id: assistant.id, tool_resources: resources });
      expect(created.status, created.text).toBe(200);
      expect(created.body.tool_resources).toEqual(shown);
      const read = await azure('GET', `/threads/${thread.id}/runs/${created.body.id}`);
      expect(read.body.tool_resources).toEqual(shown);
      const listed = await azure('GET', `/threads/${thread.id}/runs`);
      expect(listed.body.data[0].tool_resources).toEqual(shown);
      for (const answer of [created, read, listed]) expect(answer.text).not.toContain('mcp-secret-value');
      await waitForStatus(thread.id, created.body.id, ['completed']);
    });

    it('a run without them shows tool_resources: null; thread-and-run keeps the request’s', async () => {
      const assistant = (await azure('POST', '/assistants', { model: 'gpt-4o' })).body;
      const thread = (await azure('POST', '/threads', {})).body;
      const plain = await azure('POST', `/threads/${thread.id}/runs`, { assistant_id: assistant.id });
      expect(plain.body.tool_resources).toBeNull();
      const both = await azure('POST', '/threads/runs', { assistant_id: assistant.id, tool_resources: { code_interpreter: { file_ids: ['f1'] }, mcp: [{ server_label: 'docs', require_approval: 'always' }] } });
      expect(both.status, both.text).toBe(200);
      expect(both.body.tool_resources).toEqual({ code_interpreter: { file_ids: ['f1'] }, mcp: [{ server_label: 'docs', require_approval: 'always' }] });
      const thread2 = (await azure('GET', `/threads/${both.body.thread_id}`)).body;
      expect(thread2.tool_resources).toEqual({ code_interpreter: { file_ids: ['f1'] } });
    });

    it('refuses what Azure’s ToolResources does not have', async () => {
      const assistant = (await azure('POST', '/assistants', { model: 'gpt-4o' })).body;
      const thread = (await azure('POST', '/threads', {})).body;
      const answer = await azure('POST', `/threads/${thread.id}/runs`, { assistant_id: assistant.id, tool_resources: { mcp: [{ server_label: 'docs', require_approval: 'sometimes' }] } });
      expect(answer.status).toBe(400);
      expect(answer.body.error.param).toBe('tool_resources.mcp[0].require_approval');
    });
  });

  describe('MCP tool approvals', () => {
    const mcpRun = async (runBody: Record<string, unknown> = {}) => {
      const assistant = await azure('POST', '/assistants', { model: 'gpt-4o', tools: [MCP_TOOL] });
      expect(assistant.status, assistant.text).toBe(200);
      expect(assistant.body.tools).toEqual([MCP_TOOL]);
      const thread = (await azure('POST', '/threads', { messages: [{ role: 'user', content: 'find the retry policy' }] })).body;
      const run = await azure('POST', `/threads/${thread.id}/runs`, { assistant_id: assistant.body.id, ...runBody });
      expect(run.status, run.text).toBe(200);
      return { thread, run: run.body };
    };
    const mcpStep = async (threadId: string, runId: string) => {
      const steps = (await azure('GET', `/threads/${threadId}/runs/${runId}/steps?order=asc`)).body.data;
      return steps.find((step: any) => step.step_details.type === 'tool_calls').step_details.tool_calls[0];
    };
    const reply = async (threadId: string) => (await azure('GET', `/threads/${threadId}/messages?limit=1`)).body.data[0].content[0].text.value as string;

    it('a call waits as submit_tool_approval; approved, the MCP call runs and the run completes with its output', async () => {
      const { thread, run } = await mcpRun();
      const waiting = await waitForStatus(thread.id, run.id, ['requires_action']);
      expect(waiting.required_action).toEqual({
        type: 'submit_tool_approval',
        submit_tool_approval: { tool_calls: [{ id: expect.stringMatching(/^call_/), type: 'mcp', name: 'search_docs', arguments: JSON.stringify({ query: 'find the retry policy' }), server_label: 'docs' }] },
      });
      const callId = waiting.required_action.submit_tool_approval.tool_calls[0].id;

      const asOutputs = await azure('POST', `/threads/${thread.id}/runs/${run.id}/submit_tool_outputs`, { tool_outputs: [{ tool_call_id: callId, output: 'x' }] });
      expect(asOutputs.status).toBe(400);
      expect(asOutputs.body.error.message).toContain('tool_approvals');
      const wrongId = await azure('POST', `/threads/${thread.id}/runs/${run.id}/submit_tool_outputs`, { tool_approvals: [{ tool_call_id: 'call_other', approve: true }] });
      expect(wrongId.status).toBe(400);
      expect(wrongId.body.error.param).toBe('tool_approvals');

      const approved = await azure('POST', `/threads/${thread.id}/runs/${run.id}/submit_tool_outputs`, { tool_approvals: [{ tool_call_id: callId, approve: true, headers: { authorization: 'Bearer per-call-secret' } }] });
      expect(approved.status, approved.text).toBe(200);
      expect(approved.body).toMatchObject({ status: 'in_progress', required_action: null });
      await waitForStatus(thread.id, run.id, ['completed']);
      const call = await mcpStep(thread.id, run.id);
      expect(call).toMatchObject({ id: callId, type: 'mcp', name: 'search_docs', server_label: 'docs', output: expect.stringContaining('docs/search_docs found 1 result') });
      expect(await reply(thread.id)).toContain('The docs/search_docs tool returned: docs/search_docs found 1 result');
      expect(JSON.stringify(await mcpStep(thread.id, run.id))).not.toContain('per-call-secret');
    });

    it('denied, the call is never made and the run goes on without it', async () => {
      const { thread, run } = await mcpRun({ tool_resources: { mcp: [{ server_label: 'docs', require_approval: { always: { tool_names: ['search_docs'] } } }] } });
      const waiting = await waitForStatus(thread.id, run.id, ['requires_action']);
      const callId = waiting.required_action.submit_tool_approval.tool_calls[0].id;
      const denied = await azure('POST', `/threads/${thread.id}/runs/${run.id}/submit_tool_outputs`, { tool_approvals: [{ tool_call_id: callId, approve: false }] });
      expect(denied.status, denied.text).toBe(200);
      const done = await waitForStatus(thread.id, run.id, ['completed']);
      expect(done.required_action).toBeNull();
      expect((await mcpStep(thread.id, run.id)).output).toBeNull();
      expect(await reply(thread.id)).toContain('The call to docs/search_docs was not approved, so I answered without it.');
    });

    it('with require_approval "never" the call runs without asking', async () => {
      const { thread, run } = await mcpRun({ tool_resources: { mcp: [{ server_label: 'docs', require_approval: 'never' }] } });
      const done = await waitForStatus(thread.id, run.id, ['completed', 'requires_action']);
      expect(done.status).toBe('completed');
      expect((await mcpStep(thread.id, run.id)).output).toContain('found 1 result');
    });

    it('streamed: the run’s stream ends at requires_action, the approval’s stream carries the call’s output to completion', async () => {
      const assistant = (await azure('POST', '/assistants', { model: 'gpt-4o', tools: [MCP_TOOL] })).body;
      const thread = (await azure('POST', '/threads', { messages: [{ role: 'user', content: 'stream the approval' }] })).body;
      const first = await azure('POST', `/threads/${thread.id}/runs`, { assistant_id: assistant.id, stream: true });
      expect(first.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const events = parseEvents(first.text);
      expect(events.at(-1)).toEqual({ event: 'done', data: '[DONE]' });
      const waiting = events.at(-2)!;
      expect(waiting.event).toBe('thread.run.requires_action');
      expect(waiting.data).toMatchObject({ tool_resources: null, required_action: { type: 'submit_tool_approval' } });
      const callId = waiting.data.required_action.submit_tool_approval.tool_calls[0].id;

      const second = await azure('POST', `/threads/${thread.id}/runs/${waiting.data.id}/submit_tool_outputs`, { tool_approvals: [{ tool_call_id: callId, approve: true }], stream: true });
      const rest = parseEvents(second.text);
      expect(rest.map((event) => event.event)).toEqual(expect.arrayContaining(['thread.run.step.delta', 'thread.run.step.completed', 'thread.message.completed', 'thread.run.completed']));
      const outputDelta = rest.find((event) => event.event === 'thread.run.step.delta')!;
      expect(outputDelta.data.delta.step_details.tool_calls[0]).toMatchObject({ type: 'mcp', output: expect.stringContaining('found 1 result') });
      expect(rest.find((event) => event.event === 'thread.run.completed')!.data.tool_resources).toBeNull();
      expect(rest.at(-1)).toEqual({ event: 'done', data: '[DONE]' });
    });

    it('refuses a malformed MCP tool or approval, naming the field', async () => {
      const noUrl = await azure('POST', '/assistants', { model: 'gpt-4o', tools: [{ type: 'function', function: { name: 'f' } }, { type: 'mcp', server_label: 'docs' }] });
      expect(noUrl.status).toBe(400);
      expect(noUrl.body.error).toMatchObject({ param: 'tools[1].server_url', code: 'missing_required_parameter' });
      const specError = await azure('POST', '/assistants', { model: 'gpt-4o', tools: [MCP_TOOL, { type: 'function' }] });
      expect(specError.status).toBe(400);
      expect(specError.body.error.param).toBe('tools[1].function');

      const { thread, run } = await mcpRun();
      const waiting = await waitForStatus(thread.id, run.id, ['requires_action']);
      const callId = waiting.required_action.submit_tool_approval.tool_calls[0].id;
      const notBoolean = await azure('POST', `/threads/${thread.id}/runs/${run.id}/submit_tool_outputs`, { tool_approvals: [{ tool_call_id: callId, approve: 'yes' }] });
      expect(notBoolean.status).toBe(400);
      expect(notBoolean.body.error.param).toBe('tool_approvals[0].approve');
      const unknown = await azure('POST', `/threads/${thread.id}/runs/${run.id}/submit_tool_outputs`, { tool_approvals: [{ tool_call_id: callId, approve: true, reason: 'ok' }] });
      expect(unknown.body.error).toMatchObject({ param: 'tool_approvals[0].reason', code: 'unknown_parameter' });
      const cancelled = await azure('POST', `/threads/${thread.id}/runs/${run.id}/cancel`);
      expect(cancelled.status).toBe(200);
      await waitForStatus(thread.id, run.id, ['cancelled']);
    });
  });
});
