import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOUNDRY_TOKEN_SCOPE, startRunsApi, type RunsApi } from '../../src/runs-api/index.js';
import { startStack, type GraphQLResponse, type Stack } from '../helpers/stack.js';
import { rawCall } from '../helpers/wire-http.js';
import { createWsClient, subscribeWs } from '../helpers/live-clients.js';
import { waitUntil } from '../helpers/wait.js';

const CLIENT_ID = 'gateway-e2e';
const CLIENT_SECRET = 'e2e-client-secret-never-shown';
const TOKEN_LIFETIME_MS = 1_000;
/** Token lifetimes each long phase of the test must outlast. */
const LIFETIMES = 3;

const ASSISTANT = /* GraphQL */ `query ($id: ID!) { assistant(id: $id) { assistantId name } }`;
const ASSISTANTS = /* GraphQL */ `query ($first: Int, $after: String) {
  assistants(first: $first, after: $after, order: ASC) { edges { cursor node { assistantId name } } pageInfo { startCursor endCursor hasNextPage hasPreviousPage } }
}`;
const THREAD = /* GraphQL */ `query ($id: ID!, $first: Int, $after: String) {
  thread(id: $id) { id messages(first: $first, after: $after, order: ASC) { edges { cursor node { id role } } pageInfo { endCursor hasNextPage } } }
}`;
const CREATE_RUN = /* GraphQL */ `mutation ($input: CreateRunInput!) { createRun(input: $input) { run { runId threadId status } } }`;
const RUN = /* GraphQL */ `query ($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { status } }`;
const RUN_UPDATED = /* GraphQL */ `subscription ($t: ID!, $r: ID!) {
  runUpdated(threadId: $t, runId: $r) { status requiredAction { type submitToolApproval { toolCalls { id type name arguments serverLabel } } } }
}`;
const SUBMIT_APPROVALS = /* GraphQL */ `mutation ($input: SubmitToolApprovalsInput!) { submitToolApprovals(input: $input) { run { status requiredAction { type } } } }`;
const RUN_STEPS = /* GraphQL */ `query ($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { status steps(first: 10) { edges { node { stepId } } } } }`;
const MCP_TOOL = { type: 'mcp', server_label: 'docs', server_url: 'https://mcp.example.com/sse', allowed_tools: ['search_docs'] };
const CREATE_RUN_WITH_TOOLS = /* GraphQL */ `mutation ($input: CreateRunInput!) {
  createRun(input: $input) { run { runId status tools { __typename ... on McpTool { serverLabel serverUrl allowedTools } } toolResources { mcp { serverLabel requireApproval } } } }
}`;
const STEP_CALLS = /* GraphQL */ `query ($t: ID!, $r: ID!) {
  run(threadId: $t, runId: $r) { status steps(first: 10, order: ASC) { edges { node { type status stepDetails {
    __typename
    ... on RunStepToolCallsDetails { toolCalls { __typename ... on McpToolCall { id type name arguments serverLabel output } } }
  } } } } }
}`;
const MCP_HEADER_SECRET = 'mcp-e2e-header-secret-value';

/**
 * The gateway against the embedded runs API presenting Foundry classic (UPSTREAM_PROFILE=foundry-classic): its base
 * URL the project endpoint (no `/v1`), bearer tokens bought from the API's own token endpoint with client credentials,
 * lasting one second, so every phase below outlives several of them and each request must still succeed.
 */
describe('the gateway on Foundry classic', () => {
  let api: RunsApi;
  let stack: Stack;
  const logLines: Array<Record<string, unknown>> = [];
  /** Every GraphQL answer of the file, to search for tokens. */
  const answers: string[] = [];

  const query = async <T = any>(document: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> => {
    const result = await stack.query<T>(document, variables);
    answers.push(JSON.stringify(result));
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    return result;
  };
  /** What the test sets up goes straight to the API, with a token of its own. */
  const direct = async (method: string, path: string, body?: unknown): Promise<any> => {
    const grant = await rawCall(api.tokenEndpoint!.url, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, {
      rawBody: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope: FOUNDRY_TOKEN_SCOPE }).toString(),
    });
    const answer = await rawCall(`${api.url}${path}?api-version=2025-05-01`, method, { authorization: `Bearer ${grant.body.access_token as string}` }, body === undefined ? {} : { body });
    expect(answer.status, answer.text).toBe(200);
    return answer.body;
  };
  /** Upstream requests that failed (the token endpoint's answers included). */
  const failedUpstreamCalls = () => api.requestLog.filter((entry) => entry.status >= 400);

  beforeAll(async () => {
    api = await startRunsApi({ port: 0, stepMs: 100, profile: 'foundry-classic', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, tokenLifetimeMs: TOKEN_LIFETIME_MS });
    stack = await startStack({
      api,
      logLines,
      env: {
        // The reads below go as fast as they answer for seconds on end; the per-client bucket is tested elsewhere.
        RATE_LIMIT_PER_SECOND: '0',
        LOG_LEVEL: 'debug',
        UPSTREAM_PROFILE: 'foundry-classic',
        UPSTREAM_BASE_URL: api.url,
        UPSTREAM_TOKEN_URL: api.tokenEndpoint!.url,
        UPSTREAM_CLIENT_ID: CLIENT_ID,
        UPSTREAM_CLIENT_SECRET: CLIENT_SECRET,
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await api?.close();
  });

  it('queries go on over several token lifetimes with no failed request: each token is replaced before it expires', async () => {
    const assistant = await direct('POST', '/assistants', { model: 'gpt-4o', name: 'foundry-reader' });
    const thread = await direct('POST', '/threads', { messages: [{ role: 'user', content: 'hello from Azure' }] });
    const before = api.tokenEndpoint!.issued();
    const failedBefore = failedUpstreamCalls().length;
    let queries = 0;
    // Reads until the gateway has bought LIFETIMES more tokens: the clock moves the test on, not a sleep.
    while (api.tokenEndpoint!.issued() - before < LIFETIMES) {
      const read = await query<any>(ASSISTANT, { id: assistant.id });
      expect(read.data.assistant).toEqual({ assistantId: assistant.id, name: 'foundry-reader' });
      const messages = await query<any>(THREAD, { id: thread.id, first: 5 });
      expect(messages.data.thread.messages.edges.map((edge: any) => edge.node.role)).toEqual(['USER']);
      queries += 2;
    }
    expect(queries).toBeGreaterThan(LIFETIMES * 2);
    expect(failedUpstreamCalls().slice(failedBefore)).toEqual([]);
  });

  it('createRun and polling until it completes, across token lifetimes, with no failed request', async () => {
    const assistant = await direct('POST', '/assistants', { model: 'gpt-4o' });
    const thread = await direct('POST', '/threads', { messages: [{ role: 'user', content: 'run me on Foundry' }] });
    const before = api.tokenEndpoint!.issued();
    const failedBefore = failedUpstreamCalls().length;
    const created = await query<any>(CREATE_RUN, { input: { threadId: thread.id, assistantId: assistant.id } });
    const { runId } = created.data.createRun.run;
    const statuses: string[] = [];
    // A run takes about four 100 ms steps; polling goes on until it is done and the tokens have turned over.
    while (statuses.at(-1) !== 'COMPLETED' || api.tokenEndpoint!.issued() - before < LIFETIMES) {
      const status = (await query<any>(RUN, { t: thread.id, r: runId })).data.run.status as string;
      if (status !== statuses.at(-1)) statuses.push(status);
      expect(['QUEUED', 'IN_PROGRESS', 'COMPLETED']).toContain(status);
    }
    expect(statuses.at(-1)).toBe('COMPLETED');
    expect(failedUpstreamCalls().slice(failedBefore)).toEqual([]);
    const thread2 = await query<any>(THREAD, { id: thread.id, first: 5 });
    expect(thread2.data.thread.messages.edges.map((edge: any) => edge.node.role)).toEqual(['USER', 'ASSISTANT']);
  });

  it('pages Azure’s list envelope (no first_id, no object) through GraphQL with cursors from the data', async () => {
    const names = ['page-1', 'page-2', 'page-3', 'page-4', 'page-5'];
    const created: string[] = [];
    for (const name of names) created.push((await direct('POST', '/assistants', { model: 'gpt-4o', name })).id);
    // What the upstream really sends: no first_id to make a start cursor from.
    const envelope = await direct('GET', '/assistants');
    expect(Object.keys(envelope).sort()).toEqual(['data', 'has_more', 'last_id']);

    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: GraphQLResponse<any> = await query<any>(ASSISTANTS, { first: 2, after });
      const { edges, pageInfo } = page.data.assistants;
      expect(pageInfo.startCursor).toBe(edges[0]?.cursor ?? null);
      expect(pageInfo.endCursor).toBe(edges.at(-1)?.cursor ?? null);
      expect(edges.every((edge: any) => edge.cursor === edge.node.assistantId)).toBe(true);
      seen.push(...edges.map((edge: any) => edge.node.assistantId));
      after = pageInfo.hasNextPage ? pageInfo.endCursor : null;
      pages += 1;
    } while (after !== null && pages < 20);
    // Ascending: the assistants of this test are the last five, each seen once.
    expect(seen.slice(-created.length)).toEqual(created);
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBeGreaterThanOrEqual(3);

    const messages = await query<any>(THREAD, { id: (await direct('POST', '/threads', { messages: [1, 2, 3].map((n) => ({ role: 'user', content: `m${n}` })) })).id, first: 2 });
    const firstPage = messages.data.thread.messages;
    expect(firstPage.edges).toHaveLength(2);
    expect(firstPage.pageInfo.hasNextPage).toBe(true);
    const rest = await query<any>(THREAD, { id: (messages.data.thread as { id: string }).id, first: 2, after: firstPage.pageInfo.endCursor });
    expect(rest.data.thread.messages.edges).toHaveLength(1);
    expect(rest.data.thread.messages.pageInfo.hasNextPage).toBe(false);
  });

  it('the tool-approval loop from GraphQL: runUpdated shows SUBMIT_TOOL_APPROVAL, submitToolApprovals answers it, the run completes with the MCP output', async () => {
    const assistant = await direct('POST', '/assistants', { model: 'gpt-4o', tools: [MCP_TOOL] });
    const client = createWsClient(stack.gateway.wsUrl);
    try {
      for (const approve of [true, false]) {
        const thread = await direct('POST', '/threads', { messages: [{ role: 'user', content: 'find the retry policy' }] });
        const created = await query<any>(CREATE_RUN, { input: { threadId: thread.id, assistantId: assistant.id } });
        const { runId } = created.data.createRun.run;
        const live = subscribeWs<any>(client, RUN_UPDATED, { t: thread.id, r: runId });
        await waitUntil(() => live.results.some((result) => result.data?.runUpdated?.status === 'REQUIRES_ACTION'), 15_000);
        const waiting = live.results.find((result) => result.data?.runUpdated?.status === 'REQUIRES_ACTION')!.data.runUpdated;
        expect(waiting.requiredAction.type).toBe('SUBMIT_TOOL_APPROVAL');
        const [call] = waiting.requiredAction.submitToolApproval.toolCalls;
        expect(call).toEqual({ id: expect.stringMatching(/^call_/), type: 'mcp', name: 'search_docs', arguments: JSON.stringify({ query: 'find the retry policy' }), serverLabel: 'docs' });

        const sentBefore = api.requestLog.filter((entry) => entry.method === 'POST' && entry.path.endsWith('/submit_tool_outputs')).length;
        const answered = await query<any>(SUBMIT_APPROVALS, { input: { threadId: thread.id, runId, approvals: [{ toolCallId: call.id, approve }] } });
        expect(answered.data.submitToolApprovals.run.requiredAction).toBeNull();
        expect(api.requestLog.filter((entry) => entry.method === 'POST' && entry.path.endsWith('/submit_tool_outputs')).length - sentBefore).toBe(1);

        await live.done;
        expect(live.results.at(-1)!.data.runUpdated.status).toBe('COMPLETED');
        const messages = await direct('GET', `/threads/${thread.id}/messages`);
        const reply = messages.data[0].content[0].text.value as string;
        expect(reply).toContain(approve ? 'The docs/search_docs tool returned: docs/search_docs found 1 result' : 'was not approved');
        const steps = await query<any>(RUN_STEPS, { t: thread.id, r: runId });
        expect(steps.data.run.steps.edges.length).toBeGreaterThanOrEqual(2);
      }
    } finally {
      await client.dispose();
    }
  });

  it('an mcp tool given to createRun THROUGH GraphQL: its call waits for approval, and after it the step reads as a typed McpToolCall with the output', async () => {
    // An assistant with no tools: the MCP server reaches the run only through the GraphQL input.
    const assistant = await direct('POST', '/assistants', { model: 'gpt-4o', name: 'no-tools' });
    const thread = await direct('POST', '/threads', { messages: [{ role: 'user', content: 'find the retry policy' }] });
    const created = await query<any>(CREATE_RUN_WITH_TOOLS, {
      input: {
        threadId: thread.id,
        assistantId: assistant.id,
        tools: [{ mcp: { serverLabel: 'docs', serverUrl: 'https://mcp.example.com/sse', allowedTools: ['search_docs'] } }],
        toolResources: { mcp: [{ serverLabel: 'docs', requireApproval: { tools: { always: ['search_docs'] } }, headers: { authorization: `Bearer ${MCP_HEADER_SECRET}` } }] },
      },
    });
    const { run } = created.data.createRun;
    expect(run.tools).toEqual([{ __typename: 'McpTool', serverLabel: 'docs', serverUrl: 'https://mcp.example.com/sse', allowedTools: ['search_docs'] }]);
    // Foundry keeps the run's tool_resources and shows them back without the headers.
    expect(run.toolResources).toEqual({ mcp: [{ serverLabel: 'docs', requireApproval: { always: { tool_names: ['search_docs'] } } }] });
    const createdOnTheWire = api.requestLog.filter((entry) => entry.method === 'POST' && entry.path.endsWith(`/threads/${thread.id}/runs`));
    expect(createdOnTheWire).toHaveLength(1);

    const client = createWsClient(stack.gateway.wsUrl);
    try {
      const live = subscribeWs<any>(client, RUN_UPDATED, { t: thread.id, r: run.runId });
      await waitUntil(() => live.results.some((result) => result.data?.runUpdated?.status === 'REQUIRES_ACTION'), 15_000);
      const waiting = live.results.find((result) => result.data?.runUpdated?.status === 'REQUIRES_ACTION')!.data.runUpdated;
      const [call] = waiting.requiredAction.submitToolApproval.toolCalls;
      expect(call).toMatchObject({ type: 'mcp', name: 'search_docs', serverLabel: 'docs' });

      // Before the approval the step holds the call, without an output yet.
      const before = await query<any>(STEP_CALLS, { t: thread.id, r: run.runId });
      const pending = before.data.run.steps.edges.map((edge: any) => edge.node).find((node: any) => node.type === 'TOOL_CALLS');
      expect(pending.stepDetails.toolCalls).toEqual([
        { __typename: 'McpToolCall', id: call.id, type: 'mcp', name: 'search_docs', arguments: JSON.stringify({ query: 'find the retry policy' }), serverLabel: 'docs', output: null },
      ]);

      const answered = await query<any>(SUBMIT_APPROVALS, { input: { threadId: thread.id, runId: run.runId, approvals: [{ toolCallId: call.id, approve: true }] } });
      expect(answered.data.submitToolApprovals.run.requiredAction).toBeNull();
      await live.done;
      expect(live.results.at(-1)!.data.runUpdated.status).toBe('COMPLETED');
    } finally {
      await client.dispose();
    }

    const after = await query<any>(STEP_CALLS, { t: thread.id, r: run.runId });
    expect(after.data.run.status).toBe('COMPLETED');
    const steps = after.data.run.steps.edges.map((edge: any) => edge.node);
    expect(steps.map((step: any) => [step.type, step.status])).toEqual([
      ['TOOL_CALLS', 'COMPLETED'],
      ['MESSAGE_CREATION', 'COMPLETED'],
    ]);
    const [mcpCall] = steps[0].stepDetails.toolCalls;
    expect(mcpCall).toMatchObject({ __typename: 'McpToolCall', name: 'search_docs', serverLabel: 'docs' });
    expect(mcpCall.output).toMatch(/^docs\/search_docs found 1 result/);
    // The MCP server's credentials went upstream, and nowhere else: not to an answer, not to the log.
    expect(answers.join('\n')).not.toContain(MCP_HEADER_SECRET);
    expect(JSON.stringify(logLines)).not.toContain(MCP_HEADER_SECRET);
  });

  it('no token or client secret reaches a GraphQL answer or the log', () => {
    const tokens = api.tokenEndpoint!.recent();
    expect(tokens.length).toBeGreaterThan(LIFETIMES);
    const log = logLines.map((line) => JSON.stringify(line)).join('\n');
    expect(logLines.length).toBeGreaterThan(0);
    for (const text of [answers.join('\n'), log]) {
      for (const token of tokens) expect(text.includes(token), 'a token was shown').toBe(false);
      expect(text).not.toContain(CLIENT_SECRET);
      expect(text).not.toMatch(/Bearer [A-Za-z0-9_-]{20,}/);
    }
  });
});
