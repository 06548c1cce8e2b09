import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRunsApi, type RunsApi } from '../../src/runs-api/index.js';
import { createWsClient, subscribeWs } from '../helpers/live-clients.js';
import { startLookAlike, type LookAlike, type MissingOperation, type StreamEnding } from '../helpers/look-alike.js';
import { startStack, type GraphQLResponse, type Stack } from '../helpers/stack.js';

/**
 * The gateway against a look-alike of the runs wire (test/helpers/look-alike.ts: a real proxy on port 0 in front of
 * the embedded runs API that answers creates with 201, drops `object`/`first_id` from lists, ends event streams
 * without `done` or with a quoted `"[DONE]"`, and lacks some operations), in the profile of the server it imitates.
 */

const CREATE_THREAD = /* GraphQL */ `mutation($input: CreateThreadInput!) { createThread(input: $input) { thread { threadId } } }`;
const CREATE_MESSAGE = /* GraphQL */ `mutation($input: CreateMessageInput!) { createMessage(input: $input) { message { messageId } } }`;
const CREATE_RUN = /* GraphQL */ `mutation($input: CreateRunInput!) { createRun(input: $input) { run { runId threadId status } } }`;
const RUN_UPDATED = /* GraphQL */ `subscription($t: ID!, $r: ID!) { runUpdated(threadId: $t, runId: $r) { status } }`;
const MESSAGES = /* GraphQL */ `
  query($t: ID!, $after: String) { thread(id: $t) { messages(first: 2, after: $after, order: ASC) { edges { cursor node { messageId } } pageInfo { hasNextPage endCursor } } } }
`;

interface Profile {
  profile: 'cogitator' | 'astra';
  streamEnding: StreamEnding;
  missing: MissingOperation[];
  /** Whether the profile sends `OpenAI-Beta: assistants=v2`. */
  beta: boolean;
}

const PROFILES: Profile[] = [
  { profile: 'cogitator', streamEnding: 'quoted-done', missing: ['list_runs', 'run_steps'], beta: false },
  { profile: 'astra', streamEnding: 'none', missing: ['cancel_run', 'run_steps'], beta: true },
];

function ok<T>(result: GraphQLResponse<T>): T {
  if (result.errors) throw new Error(`unexpected errors: ${JSON.stringify(result.errors)}`);
  return result.data as T;
}

describe.each(PROFILES)('the gateway against a $profile look-alike', ({ profile, streamEnding, missing, beta }) => {
  let api: RunsApi;
  let lookAlike: LookAlike;
  let stack: Stack;
  let assistantId: string;

  beforeAll(async () => {
    api = await startRunsApi({ port: 0, stepMs: 40, demoData: false, requireBetaHeader: false });
    lookAlike = await startLookAlike({ target: api.url, streamEnding, missing });
    stack = await startStack({ api, env: { UPSTREAM_BASE_URL: lookAlike.url, UPSTREAM_PROFILE: profile } });
    const created = await fetch(`${api.url}/assistants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', name: 'Look-alike' }) });
    assistantId = ((await created.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await stack.close();
    await lookAlike.close();
    await api.close();
  });

  async function newThread(messages: string[]): Promise<string> {
    const threadId = ok(await stack.query<{ createThread: { thread: { threadId: string } } }>(CREATE_THREAD, { input: {} })).createThread.thread.threadId;
    for (const content of messages) ok(await stack.query(CREATE_MESSAGE, { input: { threadId, role: 'USER', content: [{ text: content }] } }));
    return threadId;
  }

  it('creates answered with 201 read as created, and a run streamed without `done` completes over a GraphQL subscription', async () => {
    const threadId = await newThread(['Hello from a look-alike']);
    const mark = lookAlike.streams.length;
    const created = ok(await stack.query<{ createRun: { run: { runId: string; status: string } } }>(CREATE_RUN, { input: { threadId, assistantId } }));
    const { runId } = created.createRun.run;
    expect(runId).toMatch(/^run_/);

    const client = createWsClient(stack.gateway.wsUrl);
    try {
      const updates = subscribeWs<{ runUpdated: { status: string } }>(client, RUN_UPDATED, { t: threadId, r: runId });
      await updates.done;
      expect(updates.results.every((result) => result.errors === undefined)).toBe(true);
      expect(updates.results.at(-1)?.data?.runUpdated.status).toBe('COMPLETED');
    } finally {
      await client.dispose();
    }

    const creates = lookAlike.requests.filter((request) => request.method === 'POST' && /^\/threads(\/[^/]+\/(messages|runs))?$/.test(request.path));
    expect(creates.length).toBeGreaterThanOrEqual(3);
    expect(creates.every((request) => request.status === 201)).toBe(true);
    // The stream really was bent: no `done` event; cogitator's quoted terminator where it would have been.
    const stream = lookAlike.streams[mark]!;
    expect(stream).toContain('event: thread.run.completed');
    expect(stream).not.toMatch(/^event: done$/m);
    expect(stream.includes('data: "[DONE]"')).toBe(streamEnding === 'quoted-done');
    expect(lookAlike.requests.every((request) => (request.headers['openai-beta'] === 'assistants=v2') === beta)).toBe(true);
  });

  it('lists page from envelopes without object or first_id: cursors from the data', async () => {
    const threadId = await newThread(['one', 'two', 'three']);
    const first = ok(await stack.query<{ thread: { messages: { edges: Array<{ cursor: string }>; pageInfo: { hasNextPage: boolean; endCursor: string } } } }>(MESSAGES, { t: threadId }));
    expect(first.thread.messages.edges).toHaveLength(2);
    expect(first.thread.messages.pageInfo).toEqual({ hasNextPage: true, endCursor: first.thread.messages.edges[1]!.cursor });
    const second = ok(await stack.query<{ thread: { messages: { edges: Array<{ cursor: string }>; pageInfo: { hasNextPage: boolean } } } }>(MESSAGES, { t: threadId, after: first.thread.messages.pageInfo.endCursor }));
    expect(second.thread.messages.edges).toHaveLength(1);
    expect(second.thread.messages.pageInfo.hasNextPage).toBe(false);
    const all = [...first.thread.messages.edges, ...second.thread.messages.edges].map((edge) => edge.cursor);
    expect(new Set(all).size).toBe(3);
  });

  it('an operation the look-alike lacks answers UPSTREAM_UNSUPPORTED without any request sent', async () => {
    const threadId = await newThread(['for the missing ones']);
    const run = ok(await stack.query<{ createRun: { run: { runId: string } } }>(CREATE_RUN, { input: { threadId, assistantId } })).createRun.run;
    const mark = lookAlike.requests.length;

    const steps = await stack.query(`query($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { runId steps(first: 5) { edges { cursor } } } }`, { t: threadId, r: run.runId });
    expect(steps.data).toEqual({ run: { runId: run.runId, steps: null } });
    expect(steps.errors?.map((error) => error.extensions)).toEqual([{ code: 'UPSTREAM_UNSUPPORTED', capability: 'run_steps', profile }]);

    const second = missing.includes('list_runs')
      ? await stack.query(`query($t: ID!) { thread(id: $t) { runs(first: 1) { edges { cursor } } } }`, { t: threadId })
      : await stack.query(`mutation($input: CancelRunInput!) { cancelRun(input: $input) { run { runId } } }`, { input: { threadId, runId: run.runId } });
    const capability = missing.includes('list_runs') ? 'list_runs' : 'cancel_run';
    expect(second.errors?.map((error) => error.extensions)).toEqual([{ code: 'UPSTREAM_UNSUPPORTED', capability, profile }]);

    // The run read (`run(...)`) went out; nothing for the refused operations.
    const sent = lookAlike.requests.slice(mark).map((request) => `${request.method} ${request.path}`);
    expect(sent.filter((line) => /\/steps|\/cancel$|\/runs$/.test(line))).toEqual([]);
    expect(lookAlike.requests.slice(mark).every((request) => request.status !== 404)).toBe(true);
  });
});

describe('the gateway against an open-assistant-api look-alike whose stream closes mid-run', () => {
  let api: RunsApi;
  let lookAlike: LookAlike;
  let stack: Stack;

  beforeAll(async () => {
    api = await startRunsApi({ port: 0, stepMs: 40, demoData: false, requireBetaHeader: false });
    lookAlike = await startLookAlike({ target: api.url, streamEnding: 'cut-mid-run', missing: [] });
    stack = await startStack({ api, env: { UPSTREAM_BASE_URL: lookAlike.url, UPSTREAM_PROFILE: 'open-assistant-api', LIVE_POLL_INTERVAL_MS: '50' } });
  });
  afterAll(async () => {
    await stack.close();
    await lookAlike.close();
    await api.close();
  });

  it('a stream that ends with neither a terminal state nor done: the subscription still sees the run complete, by polling', async () => {
    const created = await fetch(`${api.url}/assistants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o' }) });
    const assistantId = ((await created.json()) as { id: string }).id;
    const threadId = ok(await stack.query<{ createThread: { thread: { threadId: string } } }>(CREATE_THREAD, { input: {} })).createThread.thread.threadId;
    ok(await stack.query(CREATE_MESSAGE, { input: { threadId, role: 'USER', content: [{ text: 'cut me off' }] } }));
    const { runId } = ok(await stack.query<{ createRun: { run: { runId: string } } }>(CREATE_RUN, { input: { threadId, assistantId } })).createRun.run;

    const client = createWsClient(stack.gateway.wsUrl);
    try {
      const updates = subscribeWs<{ runUpdated: { status: string } }>(client, RUN_UPDATED, { t: threadId, r: runId });
      await updates.done;
      expect(updates.results.at(-1)?.data?.runUpdated.status).toBe('COMPLETED');
    } finally {
      await client.dispose();
    }
    const stream = lookAlike.streams.at(-1)!;
    expect(stream).toContain('event: thread.run.in_progress');
    expect(stream).not.toContain('thread.run.completed');
    // The rest came from reads of the run.
    expect(lookAlike.requests.some((request) => request.method === 'GET' && request.path === `/threads/${threadId}/runs/${runId}`)).toBe(true);
  });
});
