import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunsApi } from '../../src/runs-api/index.js';
import { connectedWsClients, createWsClient, subscribeWs } from '../helpers/live-clients.js';
import { redisAvailable, redisSkipReason, startRedis, waitFor, type TestRedis } from '../helpers/redis.js';
import { startTestRunsApi } from '../helpers/runs-api.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { waitUntil } from '../helpers/wait.js';
import { createAssistant, createRun, createThread } from '../helpers/fixtures.js';

const RUN_UPDATED = /* GraphQL */ `subscription ($t: ID!, $r: ID!) { runUpdated(threadId: $t, runId: $r) { status } }`;
type RunEvent = { runUpdated: { status: string } };

const statusesOf = (results: Array<{ data?: RunEvent | null }>) =>
  results.map((result) => result.data?.runUpdated.status).filter((status, index, all) => status !== all[index - 1]);

describe.skipIf(!redisAvailable)(`several gateway instances on one Redis${redisSkipReason}`, () => {
  let redis: TestRedis;
  let api: RunsApi;
  let prefix = 0;
  const cleanup: Array<() => Promise<unknown> | unknown> = [];

  beforeAll(async () => {
    redis = await startRedis();
    // Long enough phases that 60 subscribers join while the run is still queued, even on a loaded machine.
    api = await startTestRunsApi({ stepMs: 500 });
  });
  afterEach(async () => {
    while (cleanup.length > 0) await cleanup.pop()!();
  });
  afterAll(async () => {
    await api?.close();
    await redis?.stop();
  });

  /** Instances sharing the embedded API and one Redis namespace (fresh per test). */
  async function instances(count: number, env: Record<string, string> = {}): Promise<Stack[]> {
    prefix += 1;
    const stacks = await Promise.all(
      Array.from({ length: count }, () =>
        startStack({ api, env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `cluster-test-${prefix}:`, LIVE_LEASE_MS: '600', LIVE_POLL_INTERVAL_MS: '100', ...env } }),
      ),
    );
    for (const stack of stacks) cleanup.push(() => stack.close());
    await Promise.all(stacks.map((stack) => stack.gateway.services.cluster!.health.waitUntilReady(5_000)));
    return stacks;
  }

  function runGets(threadId: string, runId: string): number {
    return api.requestLog.filter((entry) => entry.method === 'GET' && entry.path === `/v1/threads/${threadId}/runs/${runId}`).length;
  }

  async function newRun(body: Record<string, unknown> = {}) {
    const assistant = await createAssistant(api);
    const thread = await createThread(api);
    const run = await createRun(api, thread.id, { assistant_id: assistant.id, ...body });
    return { thread, run };
  }

  it('60 subscribers over three instances all get the full sequence, for the run GETs of one instance with one subscriber', async () => {
    const stacks = await instances(3);

    // Sockets open before each run is created: subscribers join while it is queued however slow connecting is.
    const [lone] = await connectedWsClients(stacks[0]!.gateway.wsUrl, 1);
    cleanup.push(() => lone!.dispose());
    const single = await newRun();
    const alone = subscribeWs<RunEvent>(lone!, RUN_UPDATED, { t: single.thread.id, r: single.run.id });
    await alone.done;
    expect(statusesOf(alone.results)).toEqual(['QUEUED', 'IN_PROGRESS', 'COMPLETED']);
    const baseline = runGets(single.thread.id, single.run.id);

    const clients = (await Promise.all(stacks.map((stack) => connectedWsClients(stack.gateway.wsUrl, 1)))).flat();
    cleanup.push(() => Promise.all(clients.map((client) => client.dispose())));
    const { thread, run } = await newRun();
    const subscriptions = Array.from({ length: 60 }, (_, index) => subscribeWs<RunEvent>(clients[index % 3]!, RUN_UPDATED, { t: thread.id, r: run.id }));
    await Promise.all(subscriptions.map((subscription) => subscription.done));
    for (const subscription of subscriptions) {
      expect(subscription.results.every((result) => result.errors === undefined)).toBe(true);
      expect(statusesOf(subscription.results)).toEqual(['QUEUED', 'IN_PROGRESS', 'COMPLETED']);
    }
    // One poller for the three instances: three would cost about 3× the lone subscriber's GETs. Up to 2× leaves room
    // for a poll or two more when a busy machine stretches the run's phases (9 for 5 was seen at load 10).
    expect(runGets(thread.id, run.id)).toBeLessThanOrEqual(2 * baseline);
  });

  it('when the polling instance dies mid-run, subscribers on the others still get the terminal state', async () => {
    const stacks = await instances(3);
    const { thread, run } = await newRun({ metadata: { note: 'handover' } });
    const clients = stacks.map((stack) => createWsClient(stack.gateway.wsUrl));
    cleanup.push(() => Promise.all(clients.map((client) => client.dispose())));
    const subscriptions = clients.map((client) => subscribeWs<RunEvent>(client, RUN_UPDATED, { t: thread.id, r: run.id }));
    await waitUntil(() => subscriptions.every((subscription) => subscription.results.length > 0));
    await waitUntil(() => stacks.some((stack) => stack.gateway.services.live.runs.polling > 0));
    const leader = stacks.findIndex((stack) => stack.gateway.services.live.runs.polling > 0);
    // A crash, not a shutdown: its Redis connections go first, so it cannot release its lease; the lease must expire.
    await stacks[leader]!.gateway.services.cluster!.connections.close();
    await stacks[leader]!.gateway.close();

    const survivors = subscriptions.filter((_, index) => index !== leader);
    await Promise.all(survivors.map((subscription) => subscription.done));
    for (const subscription of survivors) {
      // States that passed while nobody held the lease are skipped; what arrives is in order and ends completed.
      const statuses = statusesOf(subscription.results);
      expect(statuses.at(-1)).toBe('COMPLETED');
      expect(statuses).toEqual(['QUEUED', 'IN_PROGRESS', 'COMPLETED'].filter((status) => statuses.includes(status)));
      expect(subscription.results.every((result) => result.errors === undefined)).toBe(true);
    }
  });

  it('the same idempotencyKey sent to two instances makes one upstream POST', async () => {
    const stacks = await instances(2);
    const assistant = await createAssistant(api);
    const thread = await createThread(api);
    api.faults.set('POST /threads/{thread_id}/runs latency=150');
    cleanup.push(() => api.faults.clear());
    const mark = api.requestLog.length;
    const mutation = /* GraphQL */ `mutation ($input: CreateRunInput!) { createRun(input: $input) { replayed run { runId } } }`;
    const input = { threadId: thread.id, assistantId: assistant.id, idempotencyKey: `key-${prefix}` };
    const [first, second] = await Promise.all(stacks.map((stack) => stack.query<{ createRun: { replayed: boolean; run: { runId: string } } }>(mutation, { input })));
    expect(first?.errors).toBeUndefined();
    expect(second?.errors).toBeUndefined();
    expect(first?.data?.createRun.run.runId).toBe(second?.data?.createRun.run.runId);
    expect(api.requestLog.slice(mark).filter((entry) => entry.method === 'POST' && entry.route === '/threads/{thread_id}/runs')).toHaveLength(1);
  });

  it('a write through one instance drops the cached answers of the others (read cache on)', async () => {
    const [a, b] = await instances(2, { UPSTREAM_READ_CACHE_MS: '60000' });
    const { thread, run } = await newRun();
    const read = /* GraphQL */ `query ($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { metadata } }`;
    const modify = /* GraphQL */ `mutation ($input: ModifyRunInput!) { modifyRun(input: $input) { run { metadata } } }`;
    expect((await b!.query<{ run: { metadata: unknown } }>(read, { t: thread.id, r: run.id })).data?.run.metadata).toEqual({});
    // Cached on B for a minute: only the write's invalidation, through Redis, makes B read the run again.
    const modified = await a!.query(modify, { input: { threadId: thread.id, runId: run.id, metadata: { via: 'a' } } });
    expect(modified.errors).toBeUndefined();
    let seen: unknown;
    await waitFor(async () => {
      seen = (await b!.query<{ run: { metadata: unknown } }>(read, { t: thread.id, r: run.id })).data?.run.metadata;
      return JSON.stringify(seen) === JSON.stringify({ via: 'a' });
    }, 'instance B to see the write made through A', 5_000);
    expect(seen).toEqual({ via: 'a' });
  });

  it('survives Redis going away and coming back: queries work, subscriptions fail clearly, then recover', async () => {
    const [stack] = await instances(1);
    const { thread, run } = await newRun({ tools: [{ type: 'function', function: { name: 'wait' } }] });
    const client = createWsClient(stack!.gateway.wsUrl);
    cleanup.push(() => client.dispose());
    const before = subscribeWs<RunEvent>(client, RUN_UPDATED, { t: thread.id, r: run.id });
    await waitUntil(() => before.results.length > 0);

    await redis.halt();
    await before.done;
    expect(before.results.at(-1)?.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_UNAVAILABLE');
    const query = await stack!.query<{ run: { status: string } }>(`{ run(threadId: "${thread.id}", runId: "${run.id}") { status } }`);
    expect(query.errors).toBeUndefined();
    expect(query.data?.run.status).toMatch(/QUEUED|IN_PROGRESS|REQUIRES_ACTION/);
    const during = subscribeWs<RunEvent>(client, RUN_UPDATED, { t: thread.id, r: run.id });
    await during.done;
    expect(during.results[0]?.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_UNAVAILABLE');
    // A keyed mutation fails closed rather than risk a duplicate; one without a key still goes through.
    const keyed = await stack!.query(`mutation { createThread(input: { idempotencyKey: "k-outage" }) { thread { threadId } } }`);
    expect(keyed.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', reason: 'idempotency_unavailable' });
    const unkeyed = await stack!.query<{ createThread: { thread: { threadId: string } } }>(`mutation { createThread(input: {}) { thread { threadId } } }`);
    expect(unkeyed.data?.createThread.thread.threadId).toMatch(/^thread_/);

    await redis.restart();
    expect(await stack!.gateway.services.cluster!.health.waitUntilReady(10_000)).toBe(true);
    const after = subscribeWs<RunEvent>(client, RUN_UPDATED, { t: thread.id, r: run.id });
    await waitUntil(() => after.results.some((result) => result.data?.runUpdated.status === 'REQUIRES_ACTION'), 10_000);
    expect(after.results.every((result) => result.errors === undefined)).toBe(true);
    after.stop();
    // Its end has reached the instance (no run is observed for anyone) before the stack closes.
    await waitUntil(() => stack!.gateway.services.live.runs.size === 0);
  });
});
