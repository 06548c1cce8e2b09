import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWsClient, subscribeSse, subscribeWs, type Collected } from '../helpers/live-clients.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { waitUntil } from '../helpers/wait.js';

/** Live subscriptions through an upstream outage (probe 3: W9): told at once, not ended, resumed when it answers. */

interface RunEvent {
  runId: string;
  status: string;
  upstreamStatus: 'AVAILABLE' | 'UNAVAILABLE';
}

const RUN_UPDATED = 'subscription ($t: ID!, $r: ID!) { runUpdated(threadId: $t, runId: $r) { runId status upstreamStatus } }';
const THREAD_RUNS_UPDATED = 'subscription ($t: ID!) { threadRunsUpdated(threadId: $t) { runId status upstreamStatus } }';
const DEMO = { t: 'thread_demo', r: 'run_demo_requires_action' };

const events = (subscription: Collected<{ runUpdated?: RunEvent; threadRunsUpdated?: RunEvent }>) =>
  subscription.results.map((result) => {
    const run = result.data?.runUpdated ?? result.data?.threadRunsUpdated;
    return run ? `${run.runId} ${run.status} ${run.upstreamStatus}` : `error ${JSON.stringify(result.errors)}`;
  });

/** Polls fast and retries fast: an outage is seen and left within a few polls. */
const FAST_LIVE = {
  LIVE_POLL_INTERVAL_MS: '50',
  LIVE_MIN_POLL_INTERVAL_MS: '20',
  LIVE_THREAD_POLL_INTERVAL_MS: '50',
  LIVE_OUTAGE_RETRY_MS: '100',
  UPSTREAM_MAX_RETRIES: '0',
};

describe('live subscriptions during an upstream outage', () => {
  let stack: Stack;
  const cleanup: Array<() => unknown> = [];
  beforeAll(async () => {
    stack = await startStack({ runsApi: { demoData: true }, env: FAST_LIVE });
  });
  afterEach(async () => {
    stack.api.faults.clear();
    while (cleanup.length > 0) await cleanup.pop()!();
  });
  afterAll(() => stack.close());

  it('runUpdated re-sends the last state as UNAVAILABLE once, stays open, and sends it AVAILABLE when the upstream answers', async () => {
    const client = createWsClient(stack.gateway.wsUrl);
    cleanup.push(() => client.dispose());
    const subscription = subscribeWs<{ runUpdated: RunEvent }>(client, RUN_UPDATED, DEMO);
    await waitUntil(() => subscription.results.length === 1);
    expect(events(subscription)).toEqual(['run_demo_requires_action REQUIRES_ACTION AVAILABLE']);

    stack.api.faults.set('GET /threads/{thread_id}/runs/{run_id} status=503');
    await waitUntil(() => subscription.results.length === 2);
    const failedPolls = () => stack.api.requestLog.filter((entry) => entry.route === '/threads/{thread_id}/runs/{run_id}' && entry.status === 503).length;
    // Several more failed polls: still one signal, and the subscription is not over.
    const seen = failedPolls();
    await waitUntil(() => failedPolls() >= seen + 3);
    expect(events(subscription)).toEqual(['run_demo_requires_action REQUIRES_ACTION AVAILABLE', 'run_demo_requires_action REQUIRES_ACTION UNAVAILABLE']);

    stack.api.faults.clear();
    await waitUntil(() => subscription.results.length === 3);
    expect(events(subscription).at(-1)).toBe('run_demo_requires_action REQUIRES_ACTION AVAILABLE');
    expect(subscription.results.every((result) => result.errors === undefined)).toBe(true);
  });

  it('threadRunsUpdated (over SSE) re-sends the moving runs as UNAVAILABLE, then AVAILABLE when the list answers again', async () => {
    const subscription = subscribeSse<{ threadRunsUpdated: RunEvent }>(stack.gateway.url, THREAD_RUNS_UPDATED, { t: DEMO.t });
    cleanup.push(() => subscription.stop());
    // (The first subscriber of a thread also hears of its recent finished runs as the poller first records them.)
    const moving = () => events(subscription).filter((event) => event.startsWith('run_demo_requires_action'));
    await waitUntil(() => moving().length === 1);
    expect(moving()).toEqual(['run_demo_requires_action REQUIRES_ACTION AVAILABLE']);

    stack.api.faults.set('GET /threads/{thread_id}/runs status=503');
    await waitUntil(() => moving().length === 2);
    expect(moving().at(-1)).toBe('run_demo_requires_action REQUIRES_ACTION UNAVAILABLE');
    stack.api.faults.clear();
    await waitUntil(() => moving().length === 3);
    expect(moving().at(-1)).toBe('run_demo_requires_action REQUIRES_ACTION AVAILABLE');
    // Only the moving run is re-sent: the finished ones are not stale, they are over.
    expect(events(subscription).filter((event) => event.endsWith('UNAVAILABLE'))).toEqual(['run_demo_requires_action REQUIRES_ACTION UNAVAILABLE']);
  });
});

describe('resuming after an outage', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ runsApi: { demoData: true }, env: { ...FAST_LIVE, LIVE_MAX_BACKOFF_MS: '60000' } });
  });
  afterAll(() => stack.close());

  it('polls at once when told the upstream answers again (live.upstreamRecovered), not after the back-off', async () => {
    const client = createWsClient(stack.gateway.wsUrl);
    try {
      const subscription = subscribeWs<{ runUpdated: RunEvent }>(client, RUN_UPDATED, DEMO);
      await waitUntil(() => subscription.results.length === 1);
      // The upstream asks for a minute before the next try: only news of its recovery can bring the next poll sooner.
      stack.api.faults.set('GET /threads/{thread_id}/runs/{run_id} status=429 retry_after_ms=60000');
      await waitUntil(() => subscription.results.length === 2);
      stack.api.faults.clear();
      stack.gateway.services.live.upstreamRecovered();
      await waitUntil(() => subscription.results.length === 3, 5_000);
      expect(events(subscription)).toEqual([
        'run_demo_requires_action REQUIRES_ACTION AVAILABLE',
        'run_demo_requires_action REQUIRES_ACTION UNAVAILABLE',
        'run_demo_requires_action REQUIRES_ACTION AVAILABLE',
      ]);
    } finally {
      await client.dispose();
    }
  });
});
