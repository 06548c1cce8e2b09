import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { call } from '../helpers/runs-api.js';
import { ROUTES, callsSince, createAssistant, createThread, settledRun } from '../helpers/fixtures.js';
import { adjustableClock } from '../helpers/wait.js';

/**
 * The shared read cache of queries (UPSTREAM_READ_CACHE_MS): answers younger than the setting serve every
 * client, writes through the gateway drop them, failures are never kept.
 */
const MAX_AGE_MS = 400;

const PAGE = /* GraphQL */ `
  query Page($t: ID!) {
    thread(id: $t) {
      runs(first: 10) { edges { node { runId status metadata assistant { name } steps(first: 5) { edges { node { stepId } } } } } }
    }
  }
`;
const RUN = 'query Run($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { runId metadata } }';
const MODIFY = 'mutation Modify($input: ModifyRunInput!) { modifyRun(input: $input) { run { metadata } } }';

describe('shared read cache of queries', () => {
  let stack: Stack;
  let threadId: string;
  let runIds: string[];
  const clock = adjustableClock();

  beforeAll(async () => {
    stack = await startStack({ runsApi: { stepMs: 5 }, env: { UPSTREAM_READ_CACHE_MS: String(MAX_AGE_MS) }, now: clock.now });
    const assistant = await createAssistant(stack.api, { name: 'Cached' });
    threadId = (await createThread(stack.api)).id;
    runIds = [];
    for (let i = 0; i < 3; i++) runIds.push((await settledRun(stack.api, threadId, { assistant_id: assistant.id })).id);
  });
  afterAll(() => stack?.close());

  /** Makes every cached answer older than the maximum age. */
  const expire = () => clock.advance(MAX_AGE_MS + 50);

  it('clients loading the same page one after another cost the upstream what one client costs', async () => {
    expire();
    const mark = stack.api.requestLog.length;
    const first = await stack.query(PAGE, { t: threadId });
    expect(first.errors).toBeUndefined();
    const one = callsSince(stack.api, mark);
    expect(one).toEqual({ [ROUTES.thread]: 1, [ROUTES.runs]: 1, [ROUTES.assistant]: 1, [ROUTES.steps]: 3 });
    for (let client = 0; client < 10; client++) {
      const again = await stack.query(PAGE, { t: threadId }, { 'user-agent': `client ${client}`, cookie: `session=${client}` });
      expect(again).toEqual(first);
    }
    expect(callsSince(stack.api, mark)).toEqual(one);
  });

  it('an answer older than the maximum age is read again', async () => {
    const runId = runIds[0]!;
    await stack.query(RUN, { t: threadId, r: runId });
    // Changed on the upstream by someone else: the gateway may show the old state for at most the maximum age.
    await call(stack.api, 'POST', `/threads/${threadId}/runs/${runId}`, { body: { metadata: { changed: 'elsewhere' } } });
    expire();
    const mark = stack.api.requestLog.length;
    const fresh = await stack.query(RUN, { t: threadId, r: runId });
    expect(fresh.data!.run.metadata).toEqual({ changed: 'elsewhere' });
    expect(callsSince(stack.api, mark)).toEqual({ [ROUTES.run]: 1 });
  });

  it('a write through the gateway drops the cached answers of its thread at once', async () => {
    const runId = runIds[1]!;
    const before = await stack.query(PAGE, { t: threadId });
    expect(before.errors).toBeUndefined();
    expect((await stack.query(RUN, { t: threadId, r: runId })).data!.run.metadata).toEqual({});
    const modified = await stack.query(MODIFY, { input: { threadId, runId, metadata: { step: 'one' } } });
    expect(modified.errors).toBeUndefined();
    const read = await stack.query(RUN, { t: threadId, r: runId });
    expect(read.data!.run.metadata).toEqual({ step: 'one' });
    const page = await stack.query(PAGE, { t: threadId });
    const node = page.data!.thread.runs.edges.find((edge: { node: { runId: string } }) => edge.node.runId === runId).node;
    expect(node.metadata).toEqual({ step: 'one' });
  });

  it('a failed read is not kept: the next query asks the upstream again', async () => {
    const runId = runIds[2]!;
    expire();
    stack.api.faults.set([{ method: 'GET', route: '/threads/{thread_id}/runs/{run_id}', kind: 'status', status: 400, count: 1 }]);
    try {
      const failed = await stack.query(RUN, { t: threadId, r: runId });
      expect(failed.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    } finally {
      stack.api.faults.clear();
    }
    const mark = stack.api.requestLog.length;
    const ok = await stack.query(RUN, { t: threadId, r: runId });
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.run.runId).toBe(runId);
    expect(callsSince(stack.api, mark)).toEqual({ [ROUTES.run]: 1 });
  });
});
