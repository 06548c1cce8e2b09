import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOUNDRY_TOKEN_SCOPE, startRunsApi, type RunsApi } from '../../src/runs-api/index.js';
import { waitUntil } from '../helpers/wait.js';
import { rawCall, type RawResponse } from '../helpers/wire-http.js';

const CLIENT_ID = 'responses-engine-tests';
const CLIENT_SECRET = 'responses-engine-secret';

/**
 * Foundry classic's presentation over the responses engine (RUNS_ENGINE=responses): the wire is the same, and what
 * that engine cannot do (MCP tools and their approvals, a thread index for GET /threads) is a clear 400, not a 500.
 */
describe('runs API as Foundry classic on the responses engine', () => {
  let api: RunsApi;

  beforeAll(async () => {
    api = await startRunsApi({ port: 0, stepMs: 25, engine: 'responses', profile: 'foundry-classic', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, tokenLifetimeMs: 60_000 });
  });
  afterAll(async () => {
    await api?.close();
  });

  let bearer: string | undefined;
  const azure = async <T = any>(method: string, path: string, body?: unknown): Promise<RawResponse<T>> => {
    bearer ??= (
      await rawCall(api.tokenEndpoint!.url, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, {
        rawBody: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope: FOUNDRY_TOKEN_SCOPE }).toString(),
      })
    ).body.access_token as string;
    const separator = path.includes('?') ? '&' : '?';
    return rawCall<T>(`${api.url}${path}${separator}api-version=v1`, method, { authorization: `Bearer ${bearer}` }, body === undefined ? {} : { body });
  };

  it('runs a plain run with Azure’s envelope and tool_resources on the run', async () => {
    const assistant = (await azure('POST', '/assistants', { model: 'gpt-4o' })).body;
    const thread = (await azure('POST', '/threads', { messages: [{ role: 'user', content: 'hello' }] })).body;
    const run = await azure('POST', `/threads/${thread.id}/runs`, { assistant_id: assistant.id, tool_resources: { code_interpreter: { file_ids: ['f1'] } } });
    expect(run.status, run.text).toBe(200);
    await waitUntil(async () => (await azure('GET', `/threads/${thread.id}/runs/${run.body.id}`)).body.status === 'completed', 5_000);
    const list = await azure('GET', `/threads/${thread.id}/runs`);
    expect(Object.keys(list.body).sort()).toEqual(['data', 'has_more', 'last_id']);
    expect(list.body.data[0].tool_resources).toEqual({ code_interpreter: { file_ids: ['f1'] } });
  });

  it('refuses MCP tools and tool approvals with 400 unsupported_tool', async () => {
    const assistant = await azure('POST', '/assistants', { model: 'gpt-4o', tools: [{ type: 'mcp', server_label: 'docs', server_url: 'https://mcp.example.com' }] });
    expect(assistant.status).toBe(400);
    expect(assistant.body.error).toMatchObject({ code: 'unsupported_tool', message: expect.stringContaining('RUNS_ENGINE=responses') });
    const plain = (await azure('POST', '/assistants', { model: 'gpt-4o' })).body;
    const thread = (await azure('POST', '/threads', {})).body;
    const run = (await azure('POST', `/threads/${thread.id}/runs`, { assistant_id: plain.id })).body;
    const approval = await azure('POST', `/threads/${thread.id}/runs/${run.id}/submit_tool_outputs`, { tool_approvals: [{ tool_call_id: 'call_x', approve: true }] });
    expect(approval.status).toBe(400);
    expect(approval.body.error.code).toBe('unsupported_tool');
  });

  it('answers GET /threads with 400: this engine keeps no thread index', async () => {
    const answer = await azure('GET', '/threads');
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('unsupported_operation');
  });
});
