import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunsApi } from '../../src/runs-api/index.js';
import { createWsClient, subscribeWs, type Collected } from '../helpers/live-clients.js';
import { redisAvailable, redisSkipReason, startRedis, type TestRedis } from '../helpers/redis.js';
import { startTestRunsApi } from '../helpers/runs-api.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { waitUntil } from '../helpers/wait.js';
import { API_KEY_ENV, KEYS, bearer } from '../security/helpers.js';

const THREADS = 'query { viewer { subject threads(first: 50) { edges { node { threadId } } } } }';
const UPDATED = 'subscription { viewerThreadsUpdated { kind threadId } }';
const CREATE_THREAD = 'mutation { createThread(input: {}) { thread { threadId } } }';
const CREATE_MESSAGE = 'mutation ($t: ID!) { createMessage(input: { threadId: $t, role: USER, content: { text: "hello" } }) { message { messageId } } }';
const DELETE_THREAD = 'mutation ($t: ID!) { deleteThread(input: { threadId: $t }) { threadId } }';

type Event = { viewerThreadsUpdated: { kind: string; threadId: string } };
const eventsOf = (collected: Collected<Event>) => collected.results.map((result) => `${result.data?.viewerThreadsUpdated.kind}:${result.data?.viewerThreadsUpdated.threadId}`);

/**
 * The sidebar across instances: two gateways on one Redis keep one thread list per caller, and a caller subscribed
 * on one instance hears of every change made through the other.
 */
describe.skipIf(!redisAvailable)(`viewer.threads and viewerThreadsUpdated across instances on one Redis${redisSkipReason}`, () => {
  let redis: TestRedis;
  let api: RunsApi;
  let one: Stack;
  let two: Stack;

  beforeAll(async () => {
    redis = await startRedis();
    api = await startTestRunsApi();
    const env = { ...API_KEY_ENV, REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'viewer-threads-live:' };
    [one, two] = await Promise.all([startStack({ api, env }), startStack({ api, env })]);
    await Promise.all([one, two].map((stack) => stack.gateway.services.cluster!.health.waitUntilReady(5_000)));
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await api?.close();
    await redis?.stop();
  });

  const activeSubscriptions = async (stack: Stack): Promise<number> => {
    const metric = await stack.gateway.services.metrics.registry.getSingleMetric('gateway_active_subscriptions')?.get();
    return (metric?.values ?? []).reduce((sum, value) => sum + value.value, 0);
  };
  const listed = async (stack: Stack, key: string): Promise<string[]> => {
    const response = await stack.query(THREADS, {}, bearer(key));
    expect(response.errors).toBeUndefined();
    return (response.data as any).viewer.threads.edges.map((edge: any) => edge.node.threadId);
  };
  const mutate = async (stack: Stack, key: string, document: string, variables: Record<string, unknown> = {}) => {
    const response = await stack.query(document, variables, bearer(key));
    expect(response.errors).toBeUndefined();
    return response.data as any;
  };

  it('both instances show the same list, and a subscriber on one hears create, activity and delete made through the other', async () => {
    const aliceClient = createWsClient(two.gateway.wsUrl, { authorization: `Bearer ${KEYS.alice}` });
    const bobClient = createWsClient(two.gateway.wsUrl, { authorization: `Bearer ${KEYS.bob}` });
    try {
      const alice = subscribeWs<Event>(aliceClient, UPDATED);
      const bob = subscribeWs<Event>(bobClient, UPDATED);
      // The subscriptions are live once both sockets acknowledged them; a thread made before would not be announced.
      await waitUntil(async () => (await activeSubscriptions(two)) === 2, 5_000);
      const early = (await mutate(one, KEYS.alice, CREATE_THREAD)).createThread.thread.threadId as string;
      await waitUntil(() => alice.results.length >= 1, 5_000);
      const threadId = (await mutate(one, KEYS.alice, CREATE_THREAD)).createThread.thread.threadId as string;
      await mutate(one, KEYS.alice, CREATE_MESSAGE, { t: threadId });

      expect(await listed(one, KEYS.alice)).toEqual([threadId, early]);
      expect(await listed(two, KEYS.alice)).toEqual([threadId, early]);
      expect(await listed(two, KEYS.bob)).toEqual([]);

      await mutate(one, KEYS.alice, DELETE_THREAD, { t: early });
      expect(await listed(two, KEYS.alice)).toEqual([threadId]);

      const expected = [`CREATED:${early}`, `CREATED:${threadId}`, `ACTIVITY:${threadId}`, `DELETED:${early}`];
      await waitUntil(() => alice.results.length >= expected.length, 5_000);
      expect(alice.results.every((result) => result.errors === undefined)).toBe(true);
      expect(eventsOf(alice)).toEqual(expected);
      // Bob's list is his own: nothing of Alice's reaches him.
      expect(bob.results).toEqual([]);
    } finally {
      await aliceClient.dispose();
      await bobClient.dispose();
    }
  });
});
