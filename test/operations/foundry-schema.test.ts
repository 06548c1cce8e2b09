import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import type { GraphQLResponse } from '../helpers/stack.js';
import { wireRun } from '../helpers/wire-fixtures.js';

/**
 * What the schema learns from Azure AI Foundry (classic agents), against a real HTTP server on port 0 that answers
 * as Foundry's wire does (`Azure.AI.Agents` 2025-05-01): a run awaiting MCP tool approvals, Azure tool types,
 * `tool_resources` on runs, `GET /threads` with its envelope (no `object`, no `first_id`). It records every request,
 * so each test can say exactly what reached the upstream — and that nothing did when the profile refuses.
 */

const THREAD = 'thread_foundry000000000000001';
const RUN = 'run_foundry0000000000000000001';
const CALL_A = 'call_mcp_a';
const CALL_B = 'call_mcp_b';

const foundryRun = (overrides: Record<string, unknown> = {}) => ({
  ...wireRun({ id: RUN, thread_id: THREAD, status: 'requires_action' }),
  required_action: {
    type: 'submit_tool_approval',
    submit_tool_approval: {
      tool_calls: [
        { id: CALL_A, type: 'mcp', name: 'search_docs', arguments: '{"q":"runs"}', server_label: 'learn' },
        { id: CALL_B, type: 'mcp', name: 'fetch_page', arguments: '{"url":"https://x"}', server_label: 'learn' },
      ],
    },
  },
  tools: [
    { type: 'mcp', server_label: 'learn', server_url: 'https://learn.example/api/mcp', allowed_tools: ['search_docs', 'fetch_page'] },
    { type: 'azure_ai_search' },
    { type: 'bing_grounding', bing_grounding: { search_configurations: [{ connection_id: 'conn-bing', market: 'en-US', count: 5 }] } },
    { type: 'connected_agent', connected_agent: { id: 'asst_helper', name: 'helper', description: 'Looks things up' } },
    { type: 'openapi', openapi: { name: 'weather', spec: { openapi: '3.0.0' }, auth: { type: 'anonymous' }, default_params: ['units'] } },
    { type: 'sharepoint_grounding', sharepoint_grounding: { connections: [{ connection_id: 'conn-sp' }] } },
    { type: 'function', function: { name: 'get_time', parameters: { type: 'object' } } },
  ],
  tool_resources: {
    azure_ai_search: { indexes: [{ index_connection_id: 'conn-search', index_name: 'docs', query_type: 'semantic', top_k: 3 }] },
    mcp: [{ server_label: 'learn', require_approval: 'always', headers: { authorization: 'Bearer mcp-secret-token' } }],
    code_interpreter: { file_ids: ['assistant-file-1'] },
  },
  ...overrides,
});

const NEW_RUN = 'run_created00000000000000001';
const NEW_THREAD = 'thread_created0000000000001';
const STEP = 'step_foundry000000000000001';

/** A tool-calls step with one call of each kind Azure defines in a step, and one the gateway does not type. */
const foundryStep = () => ({
  id: STEP,
  object: 'thread.run.step',
  created_at: 1_764_000_050,
  assistant_id: 'asst_fixture0000000000000001',
  thread_id: THREAD,
  run_id: RUN,
  type: 'tool_calls',
  status: 'completed',
  step_details: {
    type: 'tool_calls',
    tool_calls: [
      { id: CALL_A, type: 'mcp', name: 'search_docs', arguments: '{"q":"runs"}', server_label: 'learn', output: 'learn/search_docs: 3 pages' },
      { id: CALL_B, type: 'mcp', name: 'fetch_page', arguments: '{"url":"https://x"}', server_label: 'learn', output: null },
      { id: 'call_search', type: 'azure_ai_search', azure_ai_search: { input: 'retry policy', output: '{"docs":2}' } },
      { id: 'call_bing', type: 'bing_grounding', bing_grounding: { requesturl: 'https://api.bing.microsoft.com/v7.0/search?q=retry' } },
      { id: 'call_api', type: 'openapi', openapi: {} },
      {
        id: 'call_agent',
        type: 'connected_agent',
        connected_agent: { name: 'helper', arguments: '{"query":"x"}', output: 'done', agent_id: 'asst_helper', thread_id: 'thread_sub', run_id: 'run_sub' },
      },
      { id: 'call_sp', type: 'sharepoint_grounding', sharepoint_grounding: {} },
      { id: 'call_fn', type: 'function', function: { name: 'get_time', arguments: '{}', output: '12:00' } },
    ],
  },
  last_error: null,
  expired_at: null,
  cancelled_at: null,
  failed_at: null,
  completed_at: 1_764_000_060,
  metadata: {},
  usage: null,
});

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

/** Foundry's wire for the routes these tests use; anything else is a 404 in Foundry's error shape. */
class FoundryWire {
  readonly requests: Recorded[] = [];
  run: Record<string, unknown> = foundryRun();
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/projects/p1`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://upstream');
    const path = url.pathname.replace('/api/projects/p1', '');
    this.requests.push({ method: req.method ?? 'GET', path, query: url.searchParams, body: text ? (JSON.parse(text) as unknown) : undefined });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && path === `/threads/${THREAD}/runs/${RUN}`) return json(200, this.run);
    if (req.method === 'POST' && path === `/threads/${THREAD}/runs/${RUN}/submit_tool_outputs`) {
      const resumed = { ...this.run, status: 'in_progress', required_action: null };
      this.run = { ...resumed, status: 'completed', completed_at: 1_764_000_100 };
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: thread.run.in_progress\ndata: ${JSON.stringify(resumed)}\n\n`);
      res.write(`event: thread.run.completed\ndata: ${JSON.stringify(this.run)}\n\n`);
      res.end('event: done\ndata: [DONE]\n\n');
      return;
    }
    if (req.method === 'POST' && (path === `/threads/${THREAD}/runs` || path === '/threads/runs')) {
      // A create: the run's first state, then a terminal one, so the gateway has nothing left to poll for.
      const given = (this.requests.at(-1)!.body ?? {}) as Record<string, unknown>;
      const created = { ...wireRun({ id: NEW_RUN, thread_id: path === '/threads/runs' ? NEW_THREAD : THREAD, status: 'queued' }), tools: given['tools'] ?? [] };
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: thread.run.created\ndata: ${JSON.stringify(created)}\n\n`);
      res.write(`event: thread.run.completed\ndata: ${JSON.stringify({ ...created, status: 'completed', completed_at: 1_764_000_200 })}\n\n`);
      res.end('event: done\ndata: [DONE]\n\n');
      return;
    }
    if (req.method === 'POST' && path === `/threads/${THREAD}`) return json(200, { id: THREAD, object: 'thread', created_at: 1_764_000_000, metadata: {}, tool_resources: null });
    if (req.method === 'GET' && path === `/threads/${THREAD}/runs/${RUN}/steps`) return json(200, { data: [foundryStep()], last_id: STEP, has_more: false });
    if (req.method === 'GET' && path === '/threads') {
      const all = ['thread_c', 'thread_b', 'thread_a'].map((id, index) => ({ id, object: 'thread', created_at: 1_764_000_300 - index, metadata: {}, tool_resources: null }));
      const after = url.searchParams.get('after');
      const limit = Number(url.searchParams.get('limit') ?? 20);
      const start = after ? all.findIndex((thread) => thread.id === after) + 1 : 0;
      const data = all.slice(start, start + limit);
      // Foundry's envelope: no `object`, no `first_id`.
      return json(200, { data, last_id: data.at(-1)?.id ?? null, has_more: start + limit < all.length });
    }
    json(404, { error: { code: 'NotFound', message: `no route ${req.method} ${path}`, param: null, type: 'invalid_request_error' } });
  }
}

function gatewayFor(baseUrl: string, env: Record<string, string>): Gateway {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', UPSTREAM_READ_CACHE_MS: '0', UPSTREAM_BASE_URL: baseUrl, UPSTREAM_API_KEY: 'sk-test-key-123456', ...env });
  return createGateway({ config });
}

async function query<T = Record<string, any>>(gateway: Gateway, document: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> {
  const response = await gateway.yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query: document, variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

const SUBMIT_APPROVALS = /* GraphQL */ `
  mutation($input: SubmitToolApprovalsInput!) { submitToolApprovals(input: $input) { replayed run { runId status requiredAction { type } } } }
`;

const RUN_QUERY = /* GraphQL */ `
  query($t: ID!, $r: ID!) {
    run(threadId: $t, runId: $r) {
      status
      requiredAction {
        type
        submitToolOutputs { toolCalls { id } }
        submitToolApproval { toolCalls { id type name arguments serverLabel } }
      }
      tools {
        __typename
        ... on McpTool { type serverLabel serverUrl allowedTools }
        ... on AzureAiSearchTool { type }
        ... on BingGroundingTool { searchConfigurations { connectionId market count setLang } }
        ... on ConnectedAgentTool { connectedAgent { id name description } }
        ... on OpenApiTool { openapi { name spec authType defaultParams } }
        ... on FunctionTool { function { name } }
        ... on UnknownTool { rawType }
      }
      toolResources {
        codeInterpreter { fileIds }
        azureAiSearch { indexes { indexConnectionId indexName queryType topK } }
        mcp { serverLabel requireApproval }
      }
    }
  }
`;

const approvals = [
  { toolCallId: CALL_A, approve: true, headers: { authorization: 'Bearer mcp-secret-token' } },
  { toolCallId: CALL_B, approve: false },
];

describe('Foundry classic in the schema (profile foundry-classic, over HTTP)', () => {
  const wire = new FoundryWire();
  let gateway: Gateway;

  beforeAll(async () => {
    const baseUrl = await wire.start();
    // A static key in place of Entra's tokens: the profile's other settings stay (api-version, no beta header, capabilities).
    gateway = gatewayFor(baseUrl, { UPSTREAM_PROFILE: 'foundry-classic', UPSTREAM_AUTH: 'key' });
  });
  afterAll(async () => {
    await gateway.close();
    await wire.close();
  });
  afterEach(() => {
    wire.requests.length = 0;
    wire.run = foundryRun();
  });

  it('reads a run awaiting MCP approvals: SUBMIT_TOOL_APPROVAL with its calls, no outputs awaited', async () => {
    const result = await query(gateway, RUN_QUERY, { t: THREAD, r: RUN });
    expect(result.errors).toBeUndefined();
    expect(result.data!['run'].requiredAction).toEqual({
      type: 'SUBMIT_TOOL_APPROVAL',
      submitToolOutputs: { toolCalls: [] },
      submitToolApproval: {
        toolCalls: [
          { id: CALL_A, type: 'mcp', name: 'search_docs', arguments: '{"q":"runs"}', serverLabel: 'learn' },
          { id: CALL_B, type: 'mcp', name: 'fetch_page', arguments: '{"url":"https://x"}', serverLabel: 'learn' },
        ],
      },
    });
    expect(wire.requests.map((request) => request.query.get('api-version'))).toEqual(['2025-05-01']);
  });

  it('types the Azure tools where the wire defines them, and keeps the rest as UnknownTool', async () => {
    const { data } = await query(gateway, RUN_QUERY, { t: THREAD, r: RUN });
    expect(data!['run'].tools).toEqual([
      { __typename: 'McpTool', type: 'mcp', serverLabel: 'learn', serverUrl: 'https://learn.example/api/mcp', allowedTools: ['search_docs', 'fetch_page'] },
      { __typename: 'AzureAiSearchTool', type: 'azure_ai_search' },
      { __typename: 'BingGroundingTool', searchConfigurations: [{ connectionId: 'conn-bing', market: 'en-US', count: 5, setLang: null }] },
      { __typename: 'ConnectedAgentTool', connectedAgent: { id: 'asst_helper', name: 'helper', description: 'Looks things up' } },
      { __typename: 'OpenApiTool', openapi: { name: 'weather', spec: { openapi: '3.0.0' }, authType: 'anonymous', defaultParams: ['units'] } },
      { __typename: 'UnknownTool', rawType: 'sharepoint_grounding' },
      { __typename: 'FunctionTool', function: { name: 'get_time' } },
    ]);
  });

  it("reads the run's tool_resources, without the MCP servers' headers", async () => {
    const response = await gateway.yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: RUN_QUERY, variables: { t: THREAD, r: RUN } }),
    });
    const text = await response.text();
    expect(JSON.parse(text).data.run.toolResources).toEqual({
      codeInterpreter: { fileIds: ['assistant-file-1'] },
      azureAiSearch: { indexes: [{ indexConnectionId: 'conn-search', indexName: 'docs', queryType: 'semantic', topK: 3 }] },
      mcp: [{ serverLabel: 'learn', requireApproval: 'always' }],
    });
    expect(text).not.toContain('mcp-secret-token');
  });

  it('submitToolApprovals reads the run fresh, then sends exactly the tool_approvals body once, and returns the resumed run', async () => {
    const result = await query(gateway, SUBMIT_APPROVALS, { input: { threadId: THREAD, runId: RUN, approvals } });
    expect(result.errors).toBeUndefined();
    expect(result.data!['submitToolApprovals']).toEqual({ replayed: false, run: { runId: RUN, status: 'IN_PROGRESS', requiredAction: null } });
    expect(wire.requests.map((request) => `${request.method} ${request.path}`)).toEqual([`GET /threads/${THREAD}/runs/${RUN}`, `POST /threads/${THREAD}/runs/${RUN}/submit_tool_outputs`]);
    expect(wire.requests[1]!.body).toEqual({
      tool_approvals: [
        { tool_call_id: CALL_A, approve: true, headers: { authorization: 'Bearer mcp-secret-token' } },
        { tool_call_id: CALL_B, approve: false },
      ],
      stream: true,
    });
    expect(wire.requests[1]!.query.get('api-version')).toBe('2025-05-01');
  });

  it('an idempotent repeat replays the first answer without a second write', async () => {
    const input = { threadId: THREAD, runId: RUN, approvals, idempotencyKey: 'approve-once-1' };
    const first = await query(gateway, SUBMIT_APPROVALS, { input });
    expect(first.errors).toBeUndefined();
    const again = await query(gateway, SUBMIT_APPROVALS, { input });
    expect(again.errors).toBeUndefined();
    expect(again.data!['submitToolApprovals'].replayed).toBe(true);
    expect(wire.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
  });

  it('approvals that miss or repeat a pending call are BAD_USER_INPUT, naming each, and nothing is written', async () => {
    const result = await query(gateway, SUBMIT_APPROVALS, { input: { threadId: THREAD, runId: RUN, approvals: [approvals[0], approvals[0]] } });
    expect(result.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    const fields = (result.errors![0]!.extensions!['violations'] as Array<{ field: string }>).map((violation) => violation.field);
    expect(fields).toEqual(['input.approvals[1].toolCallId', 'input.approvals']);
    expect(wire.requests.filter((request) => request.method === 'POST')).toHaveLength(0);
  });

  it('a header that is not one (a name with a space, a value with a newline) is refused before any call', async () => {
    const bad = [{ toolCallId: CALL_A, approve: true, headers: { 'x bad': 'v', ok: 'line\nbreak' } }, approvals[1]];
    const result = await query(gateway, SUBMIT_APPROVALS, { input: { threadId: THREAD, runId: RUN, approvals: bad } });
    expect(result.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(wire.requests).toHaveLength(0);
  });

  it('a run that waits for tool outputs, not approvals, is a CONFLICT and nothing is written', async () => {
    wire.run = { ...foundryRun(), required_action: { type: 'submit_tool_outputs', submit_tool_outputs: { tool_calls: [{ id: 'call_fn', type: 'function', function: { name: 'f', arguments: '{}' } }] } } };
    const result = await query(gateway, SUBMIT_APPROVALS, { input: { threadId: THREAD, runId: RUN, approvals } });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'run_not_awaiting_tool_approvals' });
    expect(wire.requests.map((request) => request.method)).toEqual(['GET']);
  });

  it('and submitToolOutputs on a run awaiting approvals is a CONFLICT too (it awaits no outputs)', async () => {
    const result = await query(gateway, /* GraphQL */ `mutation($input: SubmitToolOutputsInput!) { submitToolOutputs(input: $input) { run { runId } } }`, {
      input: { threadId: THREAD, runId: RUN, toolOutputs: [{ toolCallId: CALL_A, output: 'x' }] },
    });
    expect(result.errors?.[0]?.extensions?.['code']).toBe('CONFLICT');
    expect(wire.requests.map((request) => request.method)).toEqual(['GET']);
  });

  it("threads pages the upstream's list from its envelope without object or first_id (cursors from the data)", async () => {
    const THREADS = /* GraphQL */ `query($after: String) { threads(first: 2, after: $after) { edges { cursor node { threadId } } pageInfo { hasNextPage endCursor startCursor } } }`;
    const first = await query(gateway, THREADS);
    expect(first.errors).toBeUndefined();
    expect(first.data!['threads']).toEqual({
      edges: [{ cursor: 'thread_c', node: { threadId: 'thread_c' } }, { cursor: 'thread_b', node: { threadId: 'thread_b' } }],
      pageInfo: { hasNextPage: true, endCursor: 'thread_b', startCursor: 'thread_c' },
    });
    const second = await query(gateway, THREADS, { after: 'thread_b' });
    expect(second.data!['threads'].edges).toEqual([{ cursor: 'thread_a', node: { threadId: 'thread_a' } }]);
    expect(second.data!['threads'].pageInfo.hasNextPage).toBe(false);
    expect(wire.requests.map((request) => `${request.method} ${request.path}?${request.query}`)).toEqual([
      'GET /threads?api-version=2025-05-01&limit=2&order=desc',
      'GET /threads?api-version=2025-05-01&limit=2&order=desc&after=thread_b',
    ]);
  });
});

describe('the same operations where the profile lacks them (profile openai)', () => {
  const wire = new FoundryWire();
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = gatewayFor(await wire.start(), {});
  });
  afterAll(async () => {
    await gateway.close();
    await wire.close();
  });

  it('submitToolApprovals is UPSTREAM_UNSUPPORTED, decided from the profile: nothing is sent, not even the read', async () => {
    const result = await query(gateway, SUBMIT_APPROVALS, { input: { threadId: THREAD, runId: RUN, approvals } });
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.extensions).toEqual({ code: 'UPSTREAM_UNSUPPORTED', capability: 'tool_approvals', profile: 'openai' });
    expect(result.errors![0]!.message).toBe('The upstream (profile openai) does not support answering tool approvals.');
    expect(wire.requests).toEqual([]);
  });

  it('threads is UPSTREAM_UNSUPPORTED, unsent', async () => {
    const result = await query(gateway, '{ threads(first: 1) { edges { cursor } } }');
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNSUPPORTED', capability: 'list_threads' });
    expect(result.data).toEqual({ threads: null });
    expect(wire.requests).toEqual([]);
  });

  it('a Foundry run read through it still reads (the wire value is known to the schema, whatever the profile)', async () => {
    const result = await query(gateway, `query($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { requiredAction { type submitToolApproval { toolCalls { id } } } } }`, { t: THREAD, r: RUN });
    expect(result.data!['run'].requiredAction).toEqual({ type: 'SUBMIT_TOOL_APPROVAL', submitToolApproval: { toolCalls: [{ id: CALL_A }, { id: CALL_B }] } });
  });
});

describe("threads under tenancy: the upstream's list holds every owner's threads", () => {
  const wire = new FoundryWire();
  let gateway: Gateway;
  const KEYS = { alice: 'alice-key-0123456789abcdef', root: 'root-key-0123456789abcdef' };

  beforeAll(async () => {
    gateway = gatewayFor(await wire.start(), {
      UPSTREAM_PROFILE: 'foundry-classic',
      UPSTREAM_AUTH: 'key',
      GATEWAY_AUTH: 'api-key',
      GATEWAY_API_KEYS: `alice:${KEYS.alice},root:${KEYS.root}`,
      GATEWAY_ADMIN_SUBJECTS: 'root',
    });
  });
  afterAll(async () => {
    await gateway.close();
    await wire.close();
  });

  it('is FORBIDDEN to a caller who is not an admin, unsent; an admin pages it', async () => {
    const THREADS = '{ threads(first: 3) { edges { cursor } } }';
    const alice = await query(gateway, THREADS, undefined, { authorization: `Bearer ${KEYS.alice}` });
    expect(alice.errors?.map((error) => error.extensions?.['code'])).toEqual(['FORBIDDEN']);
    expect(wire.requests).toEqual([]);
    const root = await query(gateway, THREADS, undefined, { authorization: `Bearer ${KEYS.root}` });
    expect(root.errors).toBeUndefined();
    expect(root.data!['threads'].edges).toEqual([{ cursor: 'thread_c' }, { cursor: 'thread_b' }, { cursor: 'thread_a' }]);
  });
});

const CREATE_RUN = /* GraphQL */ `mutation($input: CreateRunInput!) { createRun(input: $input) { run { runId status tools { __typename ... on McpTool { serverLabel serverUrl allowedTools } } } } }`;
const CREATE_THREAD_AND_RUN = /* GraphQL */ `mutation($input: CreateThreadAndRunInput!) { createThreadAndRun(input: $input) { run { runId threadId } } }`;
const MODIFY_THREAD = /* GraphQL */ `mutation($input: ModifyThreadInput!) { modifyThread(input: $input) { thread { threadId } } }`;

/** One of each Foundry tool, as GraphQL input. */
const foundryToolInputs = [
  { codeInterpreter: true },
  { mcp: { serverLabel: 'learn', serverUrl: 'https://learn.example/api/mcp', allowedTools: ['search_docs'] } },
  { azureAiSearch: true },
  { bingGrounding: { searchConfigurations: [{ connectionId: 'conn-bing', market: 'en-US', count: 5 }] } },
  { connectedAgent: { id: 'asst_helper', name: 'helper', description: 'Looks things up' } },
  { openapi: { name: 'weather', spec: { openapi: '3.0.0', paths: {} }, auth: { connection: { connectionId: 'conn-weather' } }, defaultParams: ['units'] } },
];
/** …and what the upstream must receive for them (Azure's ToolDefinition members). */
const foundryToolsOnTheWire = [
  { type: 'code_interpreter' },
  { type: 'mcp', server_label: 'learn', server_url: 'https://learn.example/api/mcp', allowed_tools: ['search_docs'] },
  { type: 'azure_ai_search' },
  { type: 'bing_grounding', bing_grounding: { search_configurations: [{ connection_id: 'conn-bing', market: 'en-US', count: 5 }] } },
  { type: 'connected_agent', connected_agent: { id: 'asst_helper', name: 'helper', description: 'Looks things up' } },
  {
    type: 'openapi',
    openapi: { name: 'weather', spec: { openapi: '3.0.0', paths: {} }, auth: { type: 'connection', security_scheme: { connection_id: 'conn-weather' } }, default_params: ['units'] },
  },
];
const mcpResources = [
  { serverLabel: 'learn', requireApproval: { tools: { never: ['search_docs'], always: ['fetch_page'] } }, headers: { authorization: 'Bearer mcp-secret-token' } },
  { serverLabel: 'other', requireApproval: { mode: 'NEVER' } },
];
const mcpResourcesOnTheWire = [
  { server_label: 'learn', require_approval: { always: { tool_names: ['fetch_page'] }, never: { tool_names: ['search_docs'] } }, headers: { authorization: 'Bearer mcp-secret-token' } },
  { server_label: 'other', require_approval: 'never' },
];

describe('Foundry tools as inputs, and their calls in run steps (profile foundry-classic)', () => {
  const wire = new FoundryWire();
  let gateway: Gateway;
  const posts = () => wire.requests.filter((request) => request.method === 'POST');

  beforeAll(async () => {
    gateway = gatewayFor(await wire.start(), { UPSTREAM_PROFILE: 'foundry-classic', UPSTREAM_AUTH: 'key' });
  });
  afterAll(async () => {
    await gateway.close();
    await wire.close();
  });
  afterEach(() => {
    wire.requests.length = 0;
  });

  it("createRun sends every Foundry tool and the run's tool_resources exactly as Azure defines them, once", async () => {
    const result = await query(gateway, CREATE_RUN, {
      input: { threadId: THREAD, assistantId: 'asst_fixture0000000000000001', tools: foundryToolInputs, toolResources: { mcp: mcpResources, codeInterpreter: { fileIds: ['file-1'] } } },
    });
    expect(result.errors).toBeUndefined();
    expect(result.data!['createRun'].run).toMatchObject({ runId: NEW_RUN, status: 'QUEUED' });
    expect(result.data!['createRun'].run.tools[1]).toEqual({ __typename: 'McpTool', serverLabel: 'learn', serverUrl: 'https://learn.example/api/mcp', allowedTools: ['search_docs'] });
    expect(posts().map((request) => `${request.path}?${request.query}`)).toEqual([`/threads/${THREAD}/runs?api-version=2025-05-01`]);
    expect(posts()[0]!.body).toEqual({
      assistant_id: 'asst_fixture0000000000000001',
      tool_resources: { code_interpreter: { file_ids: ['file-1'] }, mcp: mcpResourcesOnTheWire },
      tools: foundryToolsOnTheWire,
      stream: true,
    });
  });

  it('createThreadAndRun sends an mcp tool and tool_resources.mcp beside the spec’s resources', async () => {
    const result = await query(gateway, CREATE_THREAD_AND_RUN, {
      input: {
        assistantId: 'asst_fixture0000000000000001',
        thread: { messages: [{ role: 'USER', content: [{ text: 'hi' }] }] },
        tools: [foundryToolInputs[1]],
        toolResources: {
          fileSearch: { vectorStoreIds: ['vs_1'] },
          mcp: [mcpResources[1]],
          azureAiSearch: { indexes: [{ indexConnectionId: 'conn-search', indexName: 'docs', queryType: 'VECTOR_SEMANTIC_HYBRID', topK: 3, filter: "lang eq 'en'" }] },
        },
      },
    });
    expect(result.errors).toBeUndefined();
    expect(result.data!['createThreadAndRun'].run).toEqual({ runId: NEW_RUN, threadId: NEW_THREAD });
    expect(posts()).toHaveLength(1);
    expect(posts()[0]!.body).toEqual({
      assistant_id: 'asst_fixture0000000000000001',
      thread: { messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] },
      tool_resources: {
        file_search: { vector_store_ids: ['vs_1'] },
        mcp: [mcpResourcesOnTheWire[1]],
        azure_ai_search: { indexes: [{ index_connection_id: 'conn-search', index_name: 'docs', query_type: 'vector_semantic_hybrid', top_k: 3, filter: "lang eq 'en'" }] },
      },
      tools: [foundryToolsOnTheWire[1]],
      stream: true,
    });
  });

  it("modifyThread sends a thread's MCP resources with the spec's", async () => {
    const result = await query(gateway, MODIFY_THREAD, { input: { threadId: THREAD, toolResources: { codeInterpreter: { fileIds: ['file-1'] }, mcp: [mcpResources[0]] } } });
    expect(result.errors).toBeUndefined();
    expect(posts().map((request) => [request.path, request.body])).toEqual([[`/threads/${THREAD}`, { tool_resources: { code_interpreter: { file_ids: ['file-1'] }, mcp: [mcpResourcesOnTheWire[0]] } }]]);
  });

  it('Foundry inputs that Azure would refuse are BAD_USER_INPUT naming each field, and nothing is sent', async () => {
    const result = await query(gateway, CREATE_RUN, {
      input: {
        threadId: THREAD,
        assistantId: 'asst_fixture0000000000000001',
        tools: [
          { mcp: { serverLabel: 'has space', serverUrl: 'ftp://files.example' } },
          { bingGrounding: { searchConfigurations: [] } },
          { openapi: { name: 'weather api', spec: {}, auth: { anonymous: true } } },
          { azureAiSearch: false },
        ],
        toolResources: {
          mcp: [{ serverLabel: 'learn', headers: { 'x bad': 'v', ok: 'line\nbreak' } }],
          azureAiSearch: { indexes: [{ indexConnectionId: 'conn-search', indexName: 'docs', indexAssetId: 'asset-1', topK: 0 }] },
        },
      },
    });
    expect(result.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    const fields = (result.errors![0]!.extensions!['violations'] as Array<{ field: string }>).map((violation) => violation.field).sort();
    expect(fields).toEqual(
      [
        'input.tools[0].mcp.serverLabel',
        'input.tools[0].mcp.serverUrl',
        'input.tools[1].bingGrounding.searchConfigurations',
        'input.tools[2].openapi.name',
        'input.tools[2].openapi.spec',
        'input.tools[3].azureAiSearch',
        'input.toolResources.mcp[0].headers.x bad',
        'input.toolResources.mcp[0].headers.ok',
        'input.toolResources.azureAiSearch.indexes[0]',
        'input.toolResources.azureAiSearch.indexes[0].topK',
      ].sort(),
    );
    expect(wire.requests).toEqual([]);
  });

  it('a ToolInput with two members is refused by GraphQL itself (oneOf), unsent', async () => {
    const result = await query(gateway, CREATE_RUN, {
      input: { threadId: THREAD, assistantId: 'asst_fixture0000000000000001', tools: [{ mcp: foundryToolInputs[1]!.mcp, azureAiSearch: true }] },
    });
    expect(result.errors?.[0]?.message).toMatch(/Exactly one key must be specified for OneOf type "ToolInput"/);
    expect(wire.requests).toEqual([]);
  });

  it("types the step's Foundry tool calls: the MCP call with its output, the searches, the OpenAPI call, the connected agent; UnknownRunStepToolCall for the rest", async () => {
    const STEPS = /* GraphQL */ `query($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { steps(first: 5) { edges { node { stepId stepDetails { ... on RunStepToolCallsDetails { toolCalls {
      __typename
      ... on McpToolCall { id type name arguments serverLabel output }
      ... on AzureAiSearchToolCall { id azureAiSearch }
      ... on BingGroundingToolCall { id bingGrounding }
      ... on OpenApiToolCall { id openapi }
      ... on ConnectedAgentToolCall { id connectedAgent { name arguments output agentId threadId runId } }
      ... on UnknownRunStepToolCall { rawType }
      ... on FunctionToolCall { function { name output } }
    } } } } } } } }`;
    const result = await query(gateway, STEPS, { t: THREAD, r: RUN });
    expect(result.errors).toBeUndefined();
    const [edge] = result.data!['run'].steps.edges;
    expect(edge.node.stepDetails.toolCalls).toEqual([
      { __typename: 'McpToolCall', id: CALL_A, type: 'mcp', name: 'search_docs', arguments: '{"q":"runs"}', serverLabel: 'learn', output: 'learn/search_docs: 3 pages' },
      { __typename: 'McpToolCall', id: CALL_B, type: 'mcp', name: 'fetch_page', arguments: '{"url":"https://x"}', serverLabel: 'learn', output: null },
      { __typename: 'AzureAiSearchToolCall', id: 'call_search', azureAiSearch: { input: 'retry policy', output: '{"docs":2}' } },
      { __typename: 'BingGroundingToolCall', id: 'call_bing', bingGrounding: { requesturl: 'https://api.bing.microsoft.com/v7.0/search?q=retry' } },
      { __typename: 'OpenApiToolCall', id: 'call_api', openapi: {} },
      {
        __typename: 'ConnectedAgentToolCall',
        id: 'call_agent',
        connectedAgent: { name: 'helper', arguments: '{"query":"x"}', output: 'done', agentId: 'asst_helper', threadId: 'thread_sub', runId: 'run_sub' },
      },
      { __typename: 'UnknownRunStepToolCall', rawType: 'sharepoint_grounding' },
      { __typename: 'FunctionToolCall', function: { name: 'get_time', output: '12:00' } },
    ]);
  });
});

describe('Foundry tools as inputs where the profile lacks them (profile openai)', () => {
  const wire = new FoundryWire();
  let gateway: Gateway;
  let overridden: Gateway;

  beforeAll(async () => {
    const baseUrl = await wire.start();
    gateway = gatewayFor(baseUrl, {});
    // The capability is a setting like the others: an OpenAI-shaped proxy in front of Foundry can turn it on.
    overridden = gatewayFor(baseUrl, { UPSTREAM_CAPABILITIES: '+foundry_tools' });
  });
  afterAll(async () => {
    await gateway.close();
    await overridden.close();
    await wire.close();
  });
  afterEach(() => {
    wire.requests.length = 0;
  });

  const refusal = (field: string) => ({ code: 'UPSTREAM_UNSUPPORTED', capability: 'foundry_tools', profile: 'openai', field });

  it('an mcp tool in createRun is UPSTREAM_UNSUPPORTED, decided from the profile, naming the field: nothing is sent', async () => {
    const result = await query(gateway, CREATE_RUN, { input: { threadId: THREAD, assistantId: 'asst_x', tools: [{ codeInterpreter: true }, foundryToolInputs[1]] } });
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.extensions).toEqual(refusal('input.tools[1].mcp'));
    expect(result.errors![0]!.message).toMatch(/^The upstream \(profile openai\) does not support Azure AI Foundry's tools .*\(input\.tools\[1\]\.mcp\)$/);
    expect(wire.requests).toEqual([]);
  });

  it("createRun's toolResources (a run has none on the OpenAI wire), toolResources.mcp elsewhere: refused, unsent", async () => {
    const createRun = await query(gateway, CREATE_RUN, { input: { threadId: THREAD, assistantId: 'asst_x', toolResources: { codeInterpreter: { fileIds: ['f'] } } } });
    expect(createRun.errors![0]!.extensions).toEqual(refusal('input.toolResources'));
    const andRun = await query(gateway, CREATE_THREAD_AND_RUN, { input: { assistantId: 'asst_x', toolResources: { mcp: [mcpResources[1]] } } });
    expect(andRun.errors![0]!.extensions).toEqual(refusal('input.toolResources.mcp'));
    const modify = await query(gateway, MODIFY_THREAD, { input: { threadId: THREAD, toolResources: { azureAiSearch: { indexes: [{ indexAssetId: 'asset-1' }] } } } });
    expect(modify.errors![0]!.extensions).toEqual(refusal('input.toolResources.azureAiSearch'));
    const everyTool = await query(gateway, CREATE_THREAD_AND_RUN, { input: { assistantId: 'asst_x', tools: foundryToolInputs.slice(2) } });
    expect(everyTool.errors![0]!.extensions).toEqual(refusal('input.tools[0].azureAiSearch'));
    expect(everyTool.errors![0]!.message).toContain('input.tools[0].azureAiSearch, input.tools[1].bingGrounding, input.tools[2].connectedAgent, input.tools[3].openapi');
    expect(wire.requests).toEqual([]);
  });

  it('the OpenAI tools still go, and with UPSTREAM_CAPABILITIES=+foundry_tools so do Foundry’s', async () => {
    const plain = await query(gateway, CREATE_RUN, { input: { threadId: THREAD, assistantId: 'asst_x', tools: [{ codeInterpreter: true }] } });
    expect(plain.errors).toBeUndefined();
    const foundry = await query(overridden, CREATE_RUN, { input: { threadId: THREAD, assistantId: 'asst_x', tools: [foundryToolInputs[1]] } });
    expect(foundry.errors).toBeUndefined();
    expect(wire.requests.map((request) => (request.body as { tools: unknown }).tools)).toEqual([[{ type: 'code_interpreter' }], [foundryToolsOnTheWire[1]]]);
  });
});
