import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI, { BadRequestError, NotFoundError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { CALLER_HEADER } from '../../src/runs-api/caller.js';
import { isolationKeyOf, resolveResponsesUpstream, type ResponsesUpstreamSettings } from '../../src/runs-api/engines/responses/profile.js';
import { startRunsApi, type RunsApi } from '../../src/runs-api/index.js';
import { ISOLATION_KEY_HEADER, startResponsesApi, type ResponsesApi } from '../../src/responses-api/index.js';
import { createWsClient, subscribeWs } from '../helpers/live-clients.js';
import { startStack, type Stack } from '../helpers/stack.js';

/**
 * RUNS_ENGINE=responses with RESPONSES_PROFILE=foundry, against the embedded Responses API in its foundry
 * presentation (which refuses a response without `agent_reference`, and keeps each `x-ms-user-isolation-key`'s
 * conversations apart): the runs wire by the official SDK, then the whole gateway with two authenticated users.
 */
const RUNS_KEY = 'sk-runs-foundry-0123456789';
const ISOLATION_SECRET = 'isolation-secret-for-tests';
const POLL = { pollIntervalMs: 10 };
const GATEWAY_KEYS = { alice: 'alice-key-0123456789abcdef', bob: 'bob-key-0123456789abcdef', root: 'root-key-0123456789abcdef' } as const;

const FOUNDRY: ResponsesUpstreamSettings = {
  profile: 'foundry',
  apiVersion: undefined,
  agentName: 'support-agent',
  agentVersion: '3',
  userIsolation: undefined,
  isolationSecret: ISOLATION_SECRET,
  token: { url: undefined, tenantId: undefined, clientId: undefined, clientSecret: undefined, scope: undefined },
};

interface ConversationList {
  data: Array<{ id: string }>;
}

function startFoundryRunsApi(): Promise<RunsApi> {
  return startRunsApi({
    port: 0,
    stepMs: 25,
    engine: 'responses',
    apiKey: RUNS_KEY,
    responses: { upstream: resolveResponsesUpstream(FOUNDRY, { apiKey: undefined, runsApiAuthenticates: true }) },
  });
}

/** The Responses API as one end user sees it: with the isolation key the engine derives for that caller. */
function upstreamAs(responses: ResponsesApi, caller: string | undefined): OpenAI {
  const headers = caller === undefined ? {} : { [ISOLATION_KEY_HEADER]: isolationKeyOf(caller, ISOLATION_SECRET) };
  return new OpenAI({ apiKey: 'unused', baseURL: responses.url, maxRetries: 0, defaultHeaders: headers });
}

const conversationsOf = async (client: OpenAI, query: Record<string, string> = {}) => (await client.get<ConversationList>('/conversations', { query })).data.map((conversation) => conversation.id);

describe('the Responses engine on Foundry new agents (runs wire by the openai SDK)', () => {
  let api: RunsApi;
  let responses: ResponsesApi;
  let alice: OpenAI;
  let bob: OpenAI;
  let gatewayWork: OpenAI;

  beforeAll(async () => {
    api = await startFoundryRunsApi();
    responses = api.responsesApi!;
    const runsClient = (caller?: string) =>
      new OpenAI({ apiKey: RUNS_KEY, baseURL: api.url, maxRetries: 0, ...(caller ? { defaultHeaders: { [CALLER_HEADER]: encodeURIComponent(caller) } } : {}) });
    alice = runsClient('alice@example.com');
    bob = runsClient('bob');
    gatewayWork = runsClient();
  });
  afterAll(async () => {
    await api?.close();
  });

  it("a run completes on the default agent: every response named it, and the conversation is in the caller's partition", async () => {
    const assistant = await alice.beta.assistants.create({ model: 'gpt-4o', instructions: 'Only the agent has instructions.' });
    const thread = await alice.beta.threads.create({ messages: [{ role: 'user', content: 'Hello Foundry' }] });
    const run = await alice.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id }, POLL);
    expect(run.status).toBe('completed');
    const messages = await alice.beta.threads.messages.list(thread.id, { order: 'asc' });
    const reply = messages.data[1]?.content[0];
    expect(reply?.type === 'text' && reply.text.value).toBe('You said: Hello Foundry');

    // The foundry presentation answers 400 to a response without agent_reference: the run would have failed.
    const upstreamAlice = upstreamAs(responses, 'alice@example.com');
    const [conversationId, ...others] = await conversationsOf(upstreamAlice, { agent_id: 'support-agent:3' });
    expect(others).toEqual([]);
    const items = await upstreamAlice.conversations.items.list(conversationId!, { order: 'asc' });
    expect(items.data.map((item) => item.type === 'message' && item.role)).toEqual(['user', 'assistant']);
    expect(await conversationsOf(upstreamAs(responses, 'bob'))).toEqual([]);
    expect(await conversationsOf(upstreamAs(responses, undefined))).toEqual([]);
  });

  it("an assistant's metadata.foundry_agent picks its agent; a malformed one is refused before anything is made", async () => {
    const billing = await alice.beta.assistants.create({ model: 'gpt-4o', metadata: { foundry_agent: 'billing-agent:7' } });
    const thread = await alice.beta.threads.create({ messages: [{ role: 'user', content: 'Invoice?' }] });
    const run = await alice.beta.threads.runs.createAndPoll(thread.id, { assistant_id: billing.id }, POLL);
    expect(run.status).toBe('completed');
    expect(await conversationsOf(upstreamAs(responses, 'alice@example.com'), { agent_id: 'billing-agent:7' })).toHaveLength(1);

    const broken = await alice.beta.assistants.create({ model: 'gpt-4o', metadata: { foundry_agent: 'not an agent' } });
    const before = await conversationsOf(upstreamAs(responses, 'alice@example.com'));
    const refused = await alice.beta.threads.createAndRun({ assistant_id: broken.id, thread: { messages: [{ role: 'user', content: 'x' }] } }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BadRequestError);
    expect((refused as BadRequestError).param).toBe('assistant_id');
    expect(await conversationsOf(upstreamAs(responses, 'alice@example.com'))).toEqual(before);
  });

  it("two callers cannot see each other's threads, on the runs wire or upstream", async () => {
    const assistant = await alice.beta.assistants.create({ model: 'gpt-4o' });
    const alices = await alice.beta.threads.create({ messages: [{ role: 'user', content: 'For alice only' }] });
    const run = await alice.beta.threads.runs.createAndPoll(alices.id, { assistant_id: assistant.id }, POLL);
    const bobs = await bob.beta.threads.create({ messages: [{ role: 'user', content: 'For bob only' }] });

    await expect(bob.beta.threads.retrieve(alices.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(bob.beta.threads.messages.list(alices.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(bob.beta.threads.messages.create(alices.id, { role: 'user', content: 'intrude' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(bob.beta.threads.runs.retrieve(run.id, { thread_id: alices.id })).rejects.toBeInstanceOf(NotFoundError);
    await expect(bob.beta.threads.runs.create(alices.id, { assistant_id: assistant.id })).rejects.toBeInstanceOf(NotFoundError);
    await expect(bob.beta.threads.delete(alices.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(alice.beta.threads.retrieve(bobs.id)).rejects.toBeInstanceOf(NotFoundError);
    // Every other operation on a thread is refused the same way (each is checked, not only the ones above).
    const [message] = (await alice.beta.threads.messages.list(alices.id)).data;
    const refused = [
      () => bob.beta.threads.update(alices.id, { metadata: { by: 'bob' } }),
      () => bob.beta.threads.messages.retrieve(message!.id, { thread_id: alices.id }),
      () => bob.beta.threads.messages.update(message!.id, { thread_id: alices.id, metadata: { by: 'bob' } }),
      () => bob.beta.threads.messages.delete(message!.id, { thread_id: alices.id }),
      () => bob.beta.threads.runs.list(alices.id),
      () => bob.beta.threads.runs.update(run.id, { thread_id: alices.id, metadata: { by: 'bob' } }),
      () => bob.beta.threads.runs.cancel(run.id, { thread_id: alices.id }),
      () => bob.beta.threads.runs.submitToolOutputs(run.id, { thread_id: alices.id, tool_outputs: [{ tool_call_id: 'call_1', output: 'x' }] }),
      () => bob.beta.threads.runs.steps.list(run.id, { thread_id: alices.id }),
    ];
    for (const attempt of refused) await expect(attempt()).rejects.toBeInstanceOf(NotFoundError);
    expect((await alice.beta.threads.messages.retrieve(message!.id, { thread_id: alices.id })).metadata).not.toMatchObject({ by: 'bob' });
    expect((await alice.beta.threads.retrieve(alices.id)).metadata).not.toMatchObject({ by: 'bob' });
    // The gateway's own work (shared pollers name nobody) continues any thread.
    expect((await gatewayWork.beta.threads.runs.retrieve(run.id, { thread_id: alices.id })).status).toBe('completed');

    // Upstream, each caller's key holds only their own conversations.
    const upstreamBob = upstreamAs(responses, 'bob');
    const bobsConversations = await conversationsOf(upstreamBob);
    expect(bobsConversations).toHaveLength(1);
    const bobsItems = await upstreamBob.conversations.items.list(bobsConversations[0]!);
    expect(JSON.stringify(bobsItems.data)).toContain('For bob only');
    const alicesConversations = await conversationsOf(upstreamAs(responses, 'alice@example.com'));
    expect(alicesConversations).not.toContain(bobsConversations[0]);
    for (const id of alicesConversations) await expect(upstreamBob.conversations.retrieve(id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a run with a function tool: requires_action, then the outputs go to the same agent in the same partition, streamed', async () => {
    const weather = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };
    const dave = new OpenAI({ apiKey: RUNS_KEY, baseURL: api.url, maxRetries: 0, defaultHeaders: { [CALLER_HEADER]: 'dave' } });
    const assistant = await dave.beta.assistants.create({ model: 'gpt-4o', tools: [weather] });
    const thread = await dave.beta.threads.create({ messages: [{ role: 'user', content: 'Weather in Oslo?' }] });
    const waiting = await dave.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id }, POLL);
    expect(waiting.status).toBe('requires_action');
    const call = waiting.required_action!.submit_tool_outputs.tool_calls[0]!;
    const stream = dave.beta.threads.runs.submitToolOutputsStream(waiting.id, { thread_id: thread.id, tool_outputs: [{ tool_call_id: call.id, output: '12 C' }] });
    const events: string[] = [];
    for await (const event of stream) events.push(event.event);
    expect(events.at(-1)).toBe('thread.run.completed');
    const messages = await dave.beta.threads.messages.list(thread.id, { order: 'asc' });
    expect(JSON.stringify(messages.data.at(-1)?.content)).toContain('12 C');
    expect(await conversationsOf(upstreamAs(responses, 'dave'), { agent_id: 'support-agent:3' })).toHaveLength(1);
  });

  it("cancelling a run and deleting its thread reach the caller's partition too (no call falls back to no key)", async () => {
    const erin = new OpenAI({ apiKey: RUNS_KEY, baseURL: api.url, maxRetries: 0, defaultHeaders: { [CALLER_HEADER]: 'erin' } });
    const upstreamErin = upstreamAs(responses, 'erin');
    const weather = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } };
    const assistant = await erin.beta.assistants.create({ model: 'gpt-4o', tools: [weather] });
    const thread = await erin.beta.threads.create({ messages: [{ role: 'user', content: 'Weather?' }] });
    const waiting = await erin.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id }, POLL);
    expect(waiting.status).toBe('requires_action');
    await erin.beta.threads.runs.cancel(waiting.id, { thread_id: thread.id });
    const cancelled = await erin.beta.threads.runs.poll(waiting.id, { thread_id: thread.id }, POLL);
    expect(cancelled.status).toBe('cancelled');
    // The open call got its closing output in erin's conversation, so the thread can run again.
    const [conversationId] = await conversationsOf(upstreamErin);
    const items = await upstreamErin.conversations.items.list(conversationId!, { order: 'asc' });
    expect(items.data.map((item) => item.type)).toEqual(['message', 'function_call', 'function_call_output']);

    await erin.beta.threads.delete(thread.id);
    expect(await conversationsOf(upstreamErin)).toEqual([]);
  });

  it('isolation keys are stable per caller, differ between callers and with the secret, and do not show the subject', () => {
    const key = isolationKeyOf('alice@example.com', ISOLATION_SECRET);
    expect(isolationKeyOf('alice@example.com', ISOLATION_SECRET)).toBe(key);
    expect(isolationKeyOf('bob', ISOLATION_SECRET)).not.toBe(key);
    expect(isolationKeyOf('alice@example.com', 'another-secret')).not.toBe(key);
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(key).not.toContain('alice');
  });

  it('a runs API without a key refuses the caller header (anybody could send it), and the settings say why up front', async () => {
    const open = await startRunsApi({ port: 0, stepMs: 25 });
    try {
      const client = new OpenAI({ apiKey: 'unused', baseURL: open.url, maxRetries: 0, defaultHeaders: { [CALLER_HEADER]: 'alice' } });
      await expect(client.beta.assistants.list()).rejects.toMatchObject({ status: 400, code: 'caller_header_not_accepted' });
    } finally {
      await open.close();
    }
    expect(() => loadConfig({ NODE_ENV: 'test', RUNS_ENGINE: 'responses', RESPONSES_PROFILE: 'foundry' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'test', RUNS_ENGINE: 'responses', RESPONSES_PROFILE: 'foundry' })).toThrow(/needs RUNS_API_KEY/);
    expect(() => loadConfig({ NODE_ENV: 'test', RUNS_ENGINE: 'responses', RESPONSES_AGENT_NAME: 'support-agent' })).toThrow(/only with RESPONSES_PROFILE=foundry/);
    expect(() => loadConfig({ NODE_ENV: 'test', RUNS_ENGINE: 'responses', RESPONSES_PROFILE: 'foundry', RUNS_API_KEY: RUNS_KEY, RESPONSES_CLIENT_ID: 'app' })).toThrow(/RESPONSES_TENANT_ID, RESPONSES_CLIENT_SECRET/);
    // The embedded runs API that isolates users gets the callers from its gateway without a setting.
    expect(loadConfig({ NODE_ENV: 'test', RUNS_ENGINE: 'responses', RESPONSES_PROFILE: 'foundry', RUNS_API_KEY: RUNS_KEY }).upstream.forwardCaller).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test', RUNS_ENGINE: 'responses', RUNS_API_KEY: RUNS_KEY }).upstream.forwardCaller).toBe(false);
  });
});

describe('the Responses engine buys Entra tokens for its upstream (RESPONSES_CLIENT_ID)', () => {
  it('every call carries a bearer token from the client-credentials grant (one serves the whole run) and the api-version', async () => {
    const grants: URLSearchParams[] = [];
    const tokens = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        grants.push(new URLSearchParams(body));
        res.writeHead(200, { 'content-type': 'application/json' });
        // The embedded Responses API checks a static bearer: the token it is given is that key.
        res.end(JSON.stringify({ token_type: 'Bearer', access_token: 'entra-token-0123456789', expires_in: 3600 }));
      });
    });
    await new Promise<void>((resolve) => tokens.listen(0, '127.0.0.1', resolve));
    const responses = await startResponsesApi({ port: 0, stepMs: 25, presentation: 'foundry', apiKey: 'entra-token-0123456789' });
    // In front of it, a proxy that records what each call asked for (JSON answers only: this run is polled).
    const seen: Array<{ url: string; authorization: string | undefined }> = [];
    const proxy = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
        const target = `${responses.url.replace(/\/v1$/, '')}${req.url ?? ''}`;
        const headers = Object.fromEntries(Object.entries(req.headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== 'host' && entry[0] !== 'content-length'));
        void fetch(target, { method: req.method ?? 'GET', headers, ...(body === '' ? {} : { body }) }).then(async (answer) => {
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
          res.end(await answer.text());
        });
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const upstream = resolveResponsesUpstream(
      { ...FOUNDRY, apiVersion: '2025-11-15-preview', token: { url: `http://127.0.0.1:${(tokens.address() as AddressInfo).port}/{tenant}/oauth2/v2.0/token`, tenantId: 'tenant-1', clientId: 'app-1', clientSecret: 'secret-1', scope: undefined } },
      { apiKey: undefined, runsApiAuthenticates: true },
    );
    const api = await startRunsApi({ port: 0, stepMs: 25, engine: 'responses', apiKey: RUNS_KEY, responses: { baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/v1`, upstream } });
    try {
      const client = new OpenAI({ apiKey: RUNS_KEY, baseURL: api.url, maxRetries: 0, defaultHeaders: { [CALLER_HEADER]: 'carol' } });
      const assistant = await client.beta.assistants.create({ model: 'gpt-4o' });
      const run = await client.beta.threads.createAndRunPoll({ assistant_id: assistant.id, thread: { messages: [{ role: 'user', content: 'With a token' }] } }, POLL);
      expect(run.status).toBe('completed');
      expect(grants).toHaveLength(1);
      expect(Object.fromEntries(grants[0]!)).toEqual({ grant_type: 'client_credentials', client_id: 'app-1', client_secret: 'secret-1', scope: 'https://ai.azure.com/.default' });
      expect(responses.requestLog.every((entry) => entry.status === 200)).toBe(true);
      expect(seen.length).toBeGreaterThan(2);
      for (const call of seen) {
        expect(new URL(call.url, 'http://proxy').searchParams.get('api-version')).toBe('2025-11-15-preview');
        expect(call.authorization).toBe('Bearer entra-token-0123456789');
      }
    } finally {
      await api.close();
      await responses.close();
      await new Promise((resolve) => tokens.close(resolve));
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

describe('the gateway names its authenticated users to the Foundry runs API (UPSTREAM_FORWARD_CALLER)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      api: await startFoundryRunsApi(),
      env: {
        GATEWAY_AUTH: 'api-key',
        GATEWAY_API_KEYS: `alice:${GATEWAY_KEYS.alice},bob:${GATEWAY_KEYS.bob},root:${GATEWAY_KEYS.root}`,
        GATEWAY_ADMIN_SUBJECTS: 'root',
        UPSTREAM_API_KEY: RUNS_KEY,
        UPSTREAM_FORWARD_CALLER: 'true',
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await stack?.api.close();
  });

  /** Over the gateway's socket, as a client does (the caller is named by the HTTP request's context). */
  async function graphql(key: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
    const response = await fetch(stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    return response.json();
  }

  it("each user's threads are made in their own partition upstream, and a thread is seen only by its user", async () => {
    const responses = stack.api.responsesApi!;
    const created = await graphql(GATEWAY_KEYS.alice, 'mutation { createThread(input: {}) { thread { id } } }');
    expect(created.errors).toBeUndefined();
    const threadId: string = created.data.createThread.thread.id;

    expect(await conversationsOf(upstreamAs(responses, 'alice'))).toHaveLength(1);
    expect(await conversationsOf(upstreamAs(responses, 'bob'))).toEqual([]);
    expect(await conversationsOf(upstreamAs(responses, undefined))).toEqual([]);

    const read = await graphql(GATEWAY_KEYS.bob, 'query ($id: ID!) { thread(id: $id) { id } }', { id: threadId });
    expect(read.data?.thread ?? null).toBeNull();
    const own = await graphql(GATEWAY_KEYS.alice, 'query ($id: ID!) { thread(id: $id) { id } }', { id: threadId });
    expect(own.errors).toBeUndefined();
    expect(own.data.thread.id).toBe(threadId);
    // An admin sees every thread: it is named to nobody, so the runs API hides none from it.
    const admin = await graphql(GATEWAY_KEYS.root, 'query ($id: ID!) { thread(id: $id) { id } }', { id: threadId });
    expect(admin.errors).toBeUndefined();
    expect(admin.data.thread.id).toBe(threadId);
  });

  it('a mutation over the WebSocket names its user too', async () => {
    const responses = stack.api.responsesApi!;
    const before = await conversationsOf(upstreamAs(responses, 'bob'));
    const client = createWsClient(stack.gateway.wsUrl, { authorization: `Bearer ${GATEWAY_KEYS.bob}` });
    try {
      const created = subscribeWs<any>(client, 'mutation { createThread(input: {}) { thread { id } } }');
      await created.done;
      expect(created.results[0]?.errors).toBeUndefined();
      const threadId: string = created.results[0]!.data.createThread.thread.id;
      expect(await conversationsOf(upstreamAs(responses, 'bob'))).toHaveLength(before.length + 1);
      const read = await graphql(GATEWAY_KEYS.bob, 'query ($id: ID!) { thread(id: $id) { id } }', { id: threadId });
      expect(read.data.thread.id).toBe(threadId);
    } finally {
      await client.dispose();
    }
  });
});
