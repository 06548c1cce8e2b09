import { afterEach, describe, expect, it } from 'vitest';
import { connectedWsClients, createWsClient, subscribeSse, subscribeWs } from '../helpers/live-clients.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { nextTurn, sleep, waitUntil } from '../helpers/wait.js';
import { callsSince, createAssistant, createRun, createThread, ROUTES } from '../helpers/fixtures.js';
import { ManualClock } from '../helpers/clock.js';
import { call } from '../helpers/runs-api.js';

const RUN_UPDATED = /* GraphQL */ `
  subscription ($threadId: ID!, $runId: ID!) {
    runUpdated(threadId: $threadId, runId: $runId) { runId status assistant { name } thread { threadId } requiredAction { submitToolOutputs { toolCalls { id function { name } } } } }
  }
`;

type RunEvent = { runUpdated: { runId: string; status: string; assistant: { name: string | null } | null; thread: { threadId: string } | null; requiredAction: { submitToolOutputs: { toolCalls: Array<{ id: string; function: { name: string } }> } } | null } };

const ORDER = ['QUEUED', 'IN_PROGRESS', 'REQUIRES_ACTION', 'CANCELLING', 'CANCELLED', 'FAILED', 'COMPLETED', 'INCOMPLETE', 'EXPIRED'];

/** Statuses with consecutive repeats folded (a run changes in other fields too). */
const statusesOf = (results: Array<{ data?: RunEvent | null }>) =>
  results.map((result) => result.data?.runUpdated.status).filter((status, index, all) => status !== all[index - 1]);

/** Live tests: the embedded runs API takes 150 ms a phase and hints 75 ms polls, so each state is seen by polling. */
async function liveStack(env: Record<string, string> = {}, stepMs = 150): Promise<Stack> {
  return startStack({ runsApi: { stepMs }, env: { LIVE_POLL_INTERVAL_MS: '75', LIVE_SHARED_CACHE_MS: '1000', WS_MAX_CONNECTIONS_PER_CLIENT: '500', ...env } });
}

describe('subscriptions over graphql-ws', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    while (cleanup.length > 0) await cleanup.pop()!();
  });

  /** A live stack, a run created straight on the upstream (so the gateway must poll), and one graphql-ws subscriber of it. */
  async function watchNewRun(options: { env?: Record<string, string>; stepMs?: number; assistant?: Record<string, unknown>; run?: Record<string, unknown> } = {}) {
    const stack = await liveStack(options.env, options.stepMs);
    cleanup.push(() => stack.close());
    const assistant = await createAssistant(stack.api, options.assistant);
    const thread = await createThread(stack.api);
    const run = await createRun(stack.api, thread.id, { assistant_id: assistant.id, ...options.run });
    const client = createWsClient(stack.gateway.wsUrl);
    cleanup.push(() => client.dispose());
    const subscription = subscribeWs<RunEvent>(client, RUN_UPDATED, { threadId: thread.id, runId: run.id });
    return { stack, thread, run, subscription };
  }

  it('100 subscribers on one run get every status in order, then complete, for the upstream calls of one', async () => {
    // The run moves only when the test advances the runs API's clock, and only once every subscriber has seen the
    // state it is in: however busy the machine, each of them joins while it is queued and sees every state.
    const clock = new ManualClock();
    const stepMs = 100;
    const stack = await startStack({ runsApi: { stepMs, clock }, env: { LIVE_POLL_INTERVAL_MS: '75', LIVE_SHARED_CACHE_MS: '1000', WS_MAX_CONNECTIONS_PER_CLIENT: '500' } });
    cleanup.push(() => stack.close());
    const assistant = await createAssistant(stack.api, { name: 'Helper' });

    async function watch(subscribers: number) {
      const clients = await connectedWsClients(stack.gateway.wsUrl, subscribers);
      cleanup.push(() => Promise.all(clients.map((client) => client.dispose())).then(() => undefined));
      const thread = await createThread(stack.api);
      const run = await createRun(stack.api, thread.id, { assistant_id: assistant.id });
      const mark = stack.api.requestLog.length;
      const subscriptions = clients.map((client) => subscribeWs<RunEvent>(client, RUN_UPDATED, { threadId: thread.id, runId: run.id }));
      const lastStatus = (subscription: (typeof subscriptions)[number]) => subscription.results.at(-1)?.data?.runUpdated.status;
      let ownReads = 0;
      let status = 'queued';
      for (let step = 0; ; step++) {
        const expected = status.toUpperCase();
        await waitUntil(() => subscriptions.every((subscription) => lastStatus(subscription) === expected), 20_000);
        if (status === 'completed' || step > 20) break;
        clock.advance(stepMs);
        ownReads += 1;
        status = (await call<{ status: string }>(stack.api, 'GET', `/threads/${thread.id}/runs/${run.id}`)).body.status;
      }
      await Promise.all(subscriptions.map((subscription) => subscription.done));
      const calls = callsSince(stack.api, mark);
      calls[ROUTES.run] = (calls[ROUTES.run] ?? 0) - ownReads;
      return { subscriptions, calls, run };
    }

    const executions = async () => (await stack.gateway.metrics.subscriptionEventExecutions.get()).values[0]?.value ?? 0;
    const before = await executions();
    const one = await watch(1);
    const afterOne = await executions();
    const many = await watch(100);
    // Subscribers of one run with the same document share each state's execution: 100 cost about what one does.
    const executionsOfOne = afterOne - before;
    expect(executionsOfOne).toBeGreaterThan(0);
    expect((await executions()) - afterOne).toBeLessThanOrEqual(2 * executionsOfOne + 2);
    for (const { subscriptions } of [one, many]) {
      for (const subscription of subscriptions) {
        const statuses = statusesOf(subscription.results);
        expect(statuses.at(-1)).toBe('COMPLETED');
        expect(statuses).toEqual(['QUEUED', 'IN_PROGRESS', 'COMPLETED'].slice(-statuses.length));
        expect(subscription.results.every((result) => result.errors === undefined)).toBe(true);
        expect(subscription.results.at(-1)?.data?.runUpdated).toMatchObject({ assistant: { name: 'Helper' }, thread: { threadId: expect.stringMatching(/^thread_/) } });
      }
    }
    // All of them joined while the run was queued, and saw all three states.
    expect(many.subscriptions.every((subscription) => statusesOf(subscription.results).length === 3)).toBe(true);
    const total = (calls: Record<string, number>) => (calls[ROUTES.run] ?? 0) + (calls[ROUTES.assistant] ?? 0) + (calls[ROUTES.thread] ?? 0);
    expect(many.calls[ROUTES.run]).toBeLessThanOrEqual(Math.ceil(1.5 * (one.calls[ROUTES.run] ?? 0)));
    expect(total(many.calls)).toBeLessThanOrEqual(Math.ceil(1.5 * total(one.calls)));
  });

  it('stops calling the upstream for a run once its last subscriber leaves', async () => {
    // A function-tool run waits in requires_action: it stays live, and is polled, for as long as it is watched.
    const stack = await liveStack({}, 100);
    cleanup.push(() => stack.close());
    const assistant = await createAssistant(stack.api, { tools: [{ type: 'function', function: { name: 'wait' } }] });
    const thread = await createThread(stack.api);
    const run = await createRun(stack.api, thread.id, { assistant_id: assistant.id });
    const clients = [createWsClient(stack.gateway.wsUrl), createWsClient(stack.gateway.wsUrl)];
    const subscriptions = clients.map((client) => subscribeWs<RunEvent>(client, RUN_UPDATED, { threadId: thread.id, runId: run.id }));
    await waitUntil(() => subscriptions.every((subscription) => subscription.results.length > 0));
    const path = `/v1/threads/${thread.id}/runs/${run.id}`;
    const polls = () => stack.api.requestLog.filter((entry) => entry.path === path).length;
    await waitUntil(() => polls() > 1);
    expect(polls()).toBeGreaterThan(1);
    const active = async () => (await stack.gateway.metrics.activeSubscriptions.get()).values[0]?.value ?? 0;
    subscriptions[0]!.stop();
    await waitUntil(async () => (await active()) === 1);
    await nextTurn();
    const whileOneLeft = polls();
    await waitUntil(() => polls() > whileOneLeft);
    expect(polls()).toBeGreaterThan(whileOneLeft);
    subscriptions[1]!.stop();
    // The poller has stopped once no timer and no poll of it is left.
    await waitUntil(() => stack.gateway.services.live.runs.polling === 0);
    const afterLast = polls();
    // Nothing to await for "no more calls": a few poll intervals (75 ms) pass without one.
    await sleep(300);
    expect(polls()).toBe(afterLast);
    expect(stack.gateway.services.live.runs.size).toBe(0);
    await Promise.all(clients.map((client) => client.dispose()));
  });

  it('delivers REQUIRES_ACTION with its tool call, then the rest after submitToolOutputs', async () => {
    const { stack, thread, run, subscription } = await watchNewRun({ assistant: { tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }] } });
    await waitUntil(() => subscription.results.some((result) => result.data?.runUpdated.status === 'REQUIRES_ACTION'));
    const waiting = subscription.results.find((result) => result.data?.runUpdated.status === 'REQUIRES_ACTION')!.data!.runUpdated;
    const call = waiting.requiredAction!.submitToolOutputs.toolCalls[0]!;
    expect(call.function.name).toBe('get_weather');
    const submitted = await stack.query(
      /* GraphQL */ `mutation ($input: SubmitToolOutputsInput!) { submitToolOutputs(input: $input) { run { status } } }`,
      { input: { threadId: thread.id, runId: run.id, toolOutputs: [{ toolCallId: call.id, output: '{"celsius": 21}' }] } },
    );
    expect(submitted.errors).toBeUndefined();
    await subscription.done;
    expect(statusesOf(subscription.results)).toEqual(['QUEUED', 'IN_PROGRESS', 'REQUIRES_ACTION', 'IN_PROGRESS', 'COMPLETED'].slice(-statusesOf(subscription.results).length));
    expect(statusesOf(subscription.results)).toContain('REQUIRES_ACTION');
    expect(statusesOf(subscription.results).at(-1)).toBe('COMPLETED');
  });

  it('delivers CANCELLING then CANCELLED when the run is cancelled through the gateway', async () => {
    const { stack, thread, run, subscription } = await watchNewRun({ stepMs: 300 });
    await waitUntil(() => subscription.results.length > 0);
    const cancelled = await stack.query(/* GraphQL */ `mutation ($input: CancelRunInput!) { cancelRun(input: $input) { run { status } } }`, { input: { threadId: thread.id, runId: run.id } });
    expect(cancelled.errors).toBeUndefined();
    await subscription.done;
    expect(statusesOf(subscription.results).slice(-2)).toEqual(['CANCELLING', 'CANCELLED']);
  });

  it.each([
    ['fail', 'FAILED'],
    ['incomplete', 'INCOMPLETE'],
    ['expire', 'EXPIRED'],
  ])('delivers the %s ending and completes', async (simulate, status) => {
    const { subscription } = await watchNewRun({ run: { metadata: { simulate } } });
    await subscription.done;
    expect(statusesOf(subscription.results).at(-1)).toBe(status);
    const statuses = statusesOf(subscription.results);
    expect([...statuses].sort((a, b) => ORDER.indexOf(a!) - ORDER.indexOf(b!))).toEqual(statuses);
  });

  it('keeps subscribers through upstream 500s and 429s while polling, to the terminal state', async () => {
    const { stack, run, subscription } = await watchNewRun({ env: { UPSTREAM_MAX_RETRIES: '0', LIVE_MAX_BACKOFF_MS: '300' } });
    await waitUntil(() => subscription.results.length > 0);
    stack.api.faults.set('GET /threads/{thread_id}/runs/{run_id} status=500 count=3; GET /threads/{thread_id}/runs/{run_id} status=429 count=2 retry_after_ms=100');
    await subscription.done;
    expect(statusesOf(subscription.results).at(-1)).toBe('COMPLETED');
    expect(subscription.results.every((result) => result.errors === undefined)).toBe(true);
    const faulted = stack.api.requestLog.filter((entry) => entry.path.endsWith(run.id) && (entry.status === 500 || entry.status === 429));
    expect(faulted.length).toBe(5);
  });

  it('answers an unknown run with NOT_FOUND', async () => {
    const stack = await liveStack();
    cleanup.push(() => stack.close());
    const thread = await createThread(stack.api);
    const client = createWsClient(stack.gateway.wsUrl);
    cleanup.push(() => client.dispose());
    const subscription = subscribeWs<RunEvent>(client, RUN_UPDATED, { threadId: thread.id, runId: 'run_doesnotexist00000000000' });
    await subscription.done;
    expect(subscription.results).toHaveLength(1);
    expect(subscription.results[0]?.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
  });

  it('delivers the same sequence over Server-Sent Events', async () => {
    const stack = await liveStack();
    cleanup.push(() => stack.close());
    const assistant = await createAssistant(stack.api);
    const thread = await createThread(stack.api);
    const run = await createRun(stack.api, thread.id, { assistant_id: assistant.id });
    const sse = subscribeSse<RunEvent>(stack.gateway.url, RUN_UPDATED, { threadId: thread.id, runId: run.id });
    cleanup.push(() => sse.stop());
    await sse.done;
    expect(statusesOf(sse.results)).toEqual(['QUEUED', 'IN_PROGRESS', 'COMPLETED'].slice(-statusesOf(sse.results).length));
    expect(statusesOf(sse.results).at(-1)).toBe('COMPLETED');
  });
});

