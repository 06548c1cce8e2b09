import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunsApi } from '../../src/runs-api/index.js';
import { createAssistant, createThread as createThreadUpstream, ROUTES } from '../helpers/fixtures.js';
import { call, startTestRunsApi, waitForRun } from '../helpers/runs-api.js';
import { startStack, type GraphQLResponse, type Stack } from '../helpers/stack.js';
import { bearer, codes, upstreamCalls } from '../security/helpers.js';

const KEYS = {
  alice: 'alice-key-0123456789abcdef',
  bob: 'bob-key-0123456789abcdef',
  carol: 'carol-key-0123456789abcdef',
  root: 'root-key-0123456789abcdef',
} as const;
const TENANTS = {
  GATEWAY_AUTH: 'api-key',
  GATEWAY_API_KEYS: Object.entries(KEYS).map(([subject, key]) => `${subject}:${key}`).join(','),
  GATEWAY_ADMIN_SUBJECTS: 'root',
};
type Subject = keyof typeof KEYS;

const THREADS = /* GraphQL */ `
  query ($first: Int, $after: String, $last: Int, $before: String, $orderBy: ViewerThreadOrder, $scope: ViewerThreadScope) {
    viewer {
      subject
      admin
      threads(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy, scope: $scope) {
        edges { cursor node { threadId } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }
  }
`;
const CREATE_THREAD = 'mutation { createThread(input: {}) { thread { threadId } } }';
const CREATE_RUN = 'mutation ($t: ID!, $a: ID!) { createRun(input: { threadId: $t, assistantId: $a }) { run { runId status } } }';
const CREATE_MESSAGE = 'mutation ($t: ID!, $c: String!) { createMessage(input: { threadId: $t, role: USER, content: { text: $c } }) { message { messageId } } }';
const DELETE_THREAD = 'mutation ($t: ID!) { deleteThread(input: { threadId: $t }) { threadId } }';

interface Page {
  ids: string[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  response: GraphQLResponse<any>;
}

function pager(stack: () => Stack) {
  return async (subject: Subject | undefined, variables: Record<string, unknown> = {}): Promise<Page> => {
    const response = await stack().query(THREADS, { first: 50, ...variables }, subject ? bearer(KEYS[subject]) : {});
    const threads = response.data?.viewer?.threads;
    return { ids: threads?.edges.map((edge: any) => edge.node.threadId) ?? [], pageInfo: threads?.pageInfo, response };
  };
}

async function mutate(stack: Stack, subject: Subject | undefined, document: string, variables: Record<string, unknown> = {}): Promise<any> {
  const response = await stack.query(document, variables, subject ? bearer(KEYS[subject]) : {});
  expect(response.errors).toBeUndefined();
  return response.data;
}

describe('viewer.threads with tenants', () => {
  let api: RunsApi;
  let stack: Stack;
  let assistantId: string;
  const page = pager(() => stack);
  const newThread = async (subject: Subject): Promise<string> => (await mutate(stack, subject, CREATE_THREAD)).createThread.thread.threadId;

  beforeAll(async () => {
    api = await startTestRunsApi({ stepMs: 25 });
    stack = await startStack({ api, env: TENANTS });
    assistantId = (await createAssistant(api)).id;
  });
  afterAll(async () => {
    await stack?.close();
    await api?.close();
  });

  it('two subjects each see exactly their threads; an admin sees all with scope ALL; others may not ask for ALL', async () => {
    const alice = [await newThread('alice'), await newThread('alice')];
    const bob = [await newThread('bob')];
    // A thread created upstream, not through the gateway, is in nobody's list.
    await createThreadUpstream(api);

    const aliceView = await page('alice');
    expect(aliceView.response.data.viewer).toMatchObject({ subject: 'alice', admin: false });
    expect(aliceView.ids).toEqual([alice[1], alice[0]]);
    expect((await page('bob')).ids).toEqual(bob);
    expect((await page('root')).ids).toEqual([]);
    const all = await page('root', { scope: 'ALL' });
    expect(all.ids.slice(0, 3)).toEqual([bob[0], alice[1], alice[0]]);
    expect(all.response.data.viewer.admin).toBe(true);

    const refused = await page('bob', { scope: 'ALL' });
    expect(codes(refused.response)).toEqual(['FORBIDDEN']);
  });

  it('a run started on an old thread moves it to the top of the activity order, not of the creation order', async () => {
    const old = await newThread('carol');
    const middle = await newThread('carol');
    const recent = await newThread('carol');
    expect((await page('carol')).ids).toEqual([recent, middle, old]);

    const runId = (await mutate(stack, 'carol', CREATE_RUN, { t: old, a: assistantId })).createRun.run.runId;
    expect((await page('carol')).ids).toEqual([old, recent, middle]);
    // Its completion is activity too (at the run's own, whole-second, time): let it end before the next step.
    await waitForRun(api, old, runId, ['completed']);
    expect((await page('carol', { orderBy: 'CREATED' })).ids).toEqual([recent, middle, old]);

    await mutate(stack, 'carol', CREATE_MESSAGE, { t: middle, c: 'And one more thing' });
    expect((await page('carol')).ids).toEqual([middle, old, recent]);

    // The summary: the last run's status, a line of the last message, the last activity; in one page read.
    const summary = await stack.query(
      `{ viewer { threads(first: 3) { edges { node { threadId lastActivityAt lastRun { runId status } lastMessage { role preview(maxLength: 8) } } } } } }`,
      {},
      bearer(KEYS.carol),
    );
    const nodes = summary.data!.viewer.threads.edges.map((edge: any) => edge.node);
    expect(nodes.map((node: any) => node.threadId)).toEqual([middle, old, recent]);
    expect(nodes[0]).toMatchObject({ lastRun: null, lastMessage: { role: 'USER', preview: 'And one…' } });
    expect(nodes[1].lastRun.runId).toMatch(/^run_/);
    expect(nodes[2]).toMatchObject({ lastRun: null, lastMessage: null });
    const times = nodes.map((node: any) => Date.parse(node.lastActivityAt));
    expect(times[0]).toBeGreaterThan(times[1]);
    expect(times[1]).toBeGreaterThan(times[2]);
  });

  it('pages both ways across page boundaries, with the Relay page info', async () => {
    const made: string[] = [];
    for (let index = 0; index < 5; index += 1) made.unshift(await newThread('bob'));
    const bobs = (await page('bob')).ids;
    expect(bobs.slice(0, 5)).toEqual(made);
    const list = bobs; // newest first: made[0..4], then the thread of the first test

    const one = await page('bob', { first: 2 });
    expect(one.ids).toEqual(list.slice(0, 2));
    expect(one.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const two = await page('bob', { first: 2, after: one.pageInfo.endCursor });
    expect(two.ids).toEqual(list.slice(2, 4));
    expect(two.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const three = await page('bob', { first: 2, after: two.pageInfo.endCursor });
    expect(three.ids).toEqual(list.slice(4, 6));
    expect(three.pageInfo.hasNextPage).toBe(false);

    // Backward from the end, then from a cursor.
    const tail = await page('bob', { first: undefined, last: 2 });
    expect(tail.ids).toEqual(list.slice(-2));
    expect(tail.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    const back = await page('bob', { first: undefined, last: 2, before: three.pageInfo.startCursor });
    expect(back.ids).toEqual(list.slice(2, 4));
    expect(back.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    const start = await page('bob', { first: undefined, last: 3, before: back.pageInfo.startCursor });
    expect(start.ids).toEqual(list.slice(0, 2));
    expect(start.pageInfo.hasPreviousPage).toBe(false);
  });

  it('deleteThread removes the thread from the list; one deleted elsewhere is dropped when a page meets it', async () => {
    const kept = await newThread('alice');
    const deleted = await newThread('alice');
    const elsewhere = await newThread('alice');
    await mutate(stack, 'alice', DELETE_THREAD, { t: deleted });
    expect((await page('alice')).ids.slice(0, 2)).toEqual([elsewhere, kept]);

    await call(api, 'DELETE', `/threads/${elsewhere}`);
    expect((await page('alice')).ids[0]).toBe(kept);
    expect(await stack.gateway.services.threads.directory.get([elsewhere, deleted])).toEqual([undefined, undefined]);
  });

  it('a page of 20 threads costs one upstream GET per thread, plus one per thread for lastRun and one for lastMessage', async () => {
    for (let index = 0; index < 20; index += 1) await newThread('root');
    const ids = `{ viewer { threads(first: 20) { edges { node { threadId lastActivityAt } } } } }`;
    const plain = await upstreamCalls(stack, () => stack.query(ids, {}, bearer(KEYS.root)));
    expect(plain.result.data!.viewer.threads.edges).toHaveLength(20);
    expect(plain.byRoute).toEqual({ [ROUTES.thread]: 20 });

    const sidebar = `{ viewer { threads(first: 20) { edges { node { threadId lastActivityAt lastRun { status } lastMessage { role preview } } } } } }`;
    const full = await upstreamCalls(stack, () => stack.query(sidebar, {}, bearer(KEYS.root)));
    expect(full.result.errors).toBeUndefined();
    expect(full.byRoute).toEqual({ [ROUTES.thread]: 20, [ROUTES.runs]: 20, [ROUTES.messages]: 20 });
  });

  it('bad arguments are BAD_USER_INPUT before any read', async () => {
    const aliceCursor = (await page('alice', { first: 1 })).pageInfo.endCursor;
    for (const variables of [{ first: 51 }, { first: 0 }, { first: 2, last: 2 }, { after: 'thread_abc' }, { after: aliceCursor, orderBy: 'CREATED' }]) {
      const { result, calls } = await upstreamCalls(stack, () => page('alice', variables));
      expect(codes(result.response)).toEqual(['BAD_USER_INPUT']);
      expect(calls).toBe(0);
    }
  });
});

describe('viewer.threads without authentication, and across a restart', () => {
  let api: RunsApi;
  let dataDir: string;
  const stacks: Stack[] = [];
  let current: Stack;
  const page = pager(() => current);

  beforeAll(async () => {
    api = await startTestRunsApi({ stepMs: 25 });
    dataDir = mkdtempSync(join(tmpdir(), 'viewer-threads-'));
  });
  afterAll(async () => {
    for (const stack of stacks) await stack.close();
    await api?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('GATEWAY_AUTH=none: one caller sees the threads created through this gateway, and they survive a restart', async () => {
    current = await startStack({ api, env: { GATEWAY_DATA_DIR: dataDir } });
    stacks.push(current);
    const first = (await mutate(current, undefined, CREATE_THREAD)).createThread.thread.threadId;
    const run = await mutate(current, undefined, 'mutation ($a: ID!) { createThreadAndRun(input: { assistantId: $a }) { run { threadId } } }', { a: (await createAssistant(api)).id });
    const second = run.createThreadAndRun.run.threadId;
    await createThreadUpstream(api);
    const before = await page(undefined);
    expect(before.response.data.viewer).toEqual({ subject: null, admin: true, threads: expect.anything() });
    expect(before.ids).toEqual([second, first]);

    await current.close();
    stacks.pop();
    current = await startStack({ api, env: { GATEWAY_DATA_DIR: dataDir } });
    stacks.push(current);
    expect((await page(undefined)).ids).toEqual([second, first]);
    expect((await page(undefined, { orderBy: 'CREATED' })).ids).toEqual([second, first]);
  });
});
