import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, type Cluster } from '../../src/cluster/cluster.js';
import { LeaseKeeper } from '../../src/cluster/leases.js';
import { createLivePubSub, type LivePubSub, type RunSnapshot, type RunWire } from '../../src/live/pubsub.js';
import { isTerminalRunStatus, runKey } from '../../src/live/run-status.js';
import { wireRun } from '../helpers/wire-fixtures.js';
import { redisAvailable, redisSkipReason, startRedis, waitFor, type TestRedis } from '../helpers/redis.js';

/**
 * The cluster parts used together the way RunObservers is meant to use them (a sketch of the integration, not the
 * integration): the instance holding the run's lease polls, numbers each state in the run state store and publishes
 * it when it changed (and once after taking over, in case its predecessor died between storing and publishing);
 * a subscriber on any instance subscribes, then reads the stored state, and delivers only versions above the last
 * one it delivered.
 */

const KEY = runKey('thread_1', 'run_1');
const LEASE_MS = 500;
const STATE_TTL_MS = 60_000;

const STATES: RunWire[] = [
  wireRun({ status: 'queued' }),
  wireRun({ status: 'in_progress', started_at: 1 }),
  wireRun({ status: 'requires_action', started_at: 1 }),
  wireRun({ status: 'in_progress', started_at: 1, metadata: { tool: 'done' } }),
  wireRun({ status: 'completed', started_at: 1, completed_at: 2 }),
];

/** The upstream: each GET moves the run one state on once `allowed` says so; counts GETs. */
function scriptedUpstream() {
  let index = 0;
  const upstream = {
    gets: 0,
    /** How far the run may go (the test moves it). */
    allowed: 0,
    fetch(): RunWire {
      upstream.gets += 1;
      if (index < Math.min(upstream.allowed, STATES.length - 1)) index += 1;
      return STATES[index]!;
    },
  };
  return upstream;
}

interface Instance {
  cluster: Cluster;
  pubsub: LivePubSub;
  keeper: LeaseKeeper;
  polls: number;
  crash(): Promise<void>;
}

describe.skipIf(!redisAvailable)(`one poller per run across instances, with a handover${redisSkipReason}`, () => {
  let redis: TestRedis;
  const instances: Instance[] = [];
  const iterators: Array<AsyncIterableIterator<unknown>> = [];

  function instance(upstream: ReturnType<typeof scriptedUpstream>): Instance {
    const cluster = createCluster({ url: redis.url, keyPrefix: 'handover:' }, { maxBackoffMs: 100 });
    const pubsub = createLivePubSub(cluster.eventTarget);
    let timer: NodeJS.Timeout | undefined;
    let crashed = false;
    const poll = async (afterTakeover: boolean) => {
      timer = undefined;
      const { changed, snapshot } = await cluster.runStates.advance(KEY, upstream.fetch(), STATE_TTL_MS);
      self.polls += 1;
      if (crashed || !keeper.held) return;
      if (changed || afterTakeover) pubsub.publish('runUpdated', KEY, snapshot);
      if (isTerminalRunStatus(snapshot.run.status)) void keeper.stop();
      else timer = setTimeout(() => void poll(false).catch(() => undefined), 30);
    };
    const keeper = new LeaseKeeper({
      leases: cluster.leases,
      key: `run:${KEY}`,
      ttlMs: LEASE_MS,
      onAcquired: () => void poll(true).catch(() => undefined),
      onLost: () => clearTimeout(timer),
    });
    const self: Instance = {
      cluster,
      pubsub,
      keeper,
      polls: 0,
      // Dies: no release, no more renewals or polls, its connections gone.
      async crash() {
        crashed = true;
        clearTimeout(timer);
        await cluster.close();
      },
    };
    instances.push(self);
    return self;
  }

  /** A subscriber on `on`: subscribe first, then the stored state, then only newer versions. */
  async function subscriber(on: Instance) {
    const delivered: RunSnapshot[] = [];
    const deliver = (snapshot: RunSnapshot | undefined) => {
      if (snapshot && snapshot.version > (delivered.at(-1)?.version ?? 0)) delivered.push(snapshot);
    };
    const iterator = on.pubsub.subscribe('runUpdated', KEY);
    iterators.push(iterator);
    void (async () => {
      for await (const snapshot of iterator) deliver(snapshot);
    })();
    await waitFor(async () => Number((await on.cluster.connections.publisher.pubsub('NUMSUB', `handover:runUpdated:${KEY}`))[1]) > 0, 'subscription');
    deliver(await on.cluster.runStates.get(KEY));
    return delivered;
  }

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(iterators.splice(0).map((iterator) => iterator.return?.()));
    for (const { keeper } of instances) await keeper.stop();
    await Promise.all(instances.splice(0).map(({ cluster }) => cluster.close()));
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('three instances, one poller; it dies mid-run and another finishes: every subscriber gets the terminal state, in order, once', async () => {
    const upstream = scriptedUpstream();
    const [a, b, c] = [instance(upstream), instance(upstream), instance(upstream)];
    await Promise.all([a, b, c].map(({ cluster }) => cluster.health.waitUntilReady(5_000)));
    expect(await a.keeper.start()).toBe(true);
    expect(await b.keeper.start()).toBe(false);
    expect(await c.keeper.start()).toBe(false);

    const onB = await subscriber(b);
    const onC = await subscriber(c);
    upstream.allowed = 2; // queued → in_progress → requires_action
    await waitFor(() => onB.at(-1)?.run.status === 'requires_action' && onC.at(-1)?.run.status === 'requires_action', 'requires_action on B and C');
    expect(b.polls + c.polls).toBe(0);

    await a.crash();
    upstream.allowed = STATES.length;
    await waitFor(() => onB.at(-1)?.run.status === 'completed' && onC.at(-1)?.run.status === 'completed', 'completed on B and C');

    for (const delivered of [onB, onC]) {
      const statuses = delivered.map((snapshot) => snapshot.run.status);
      expect(statuses.at(-1)).toBe('completed');
      expect(statuses).toEqual(expect.arrayContaining(['requires_action', 'completed']));
      // Strictly increasing versions: no duplicate, nothing out of order.
      const versions = delivered.map((snapshot) => snapshot.version);
      expect(new Set(versions).size).toBe(versions.length);
      expect(versions).toEqual([...versions].sort((x, y) => x - y));
    }
    // Exactly one of B and C took over.
    expect([b.polls > 0, c.polls > 0].filter(Boolean)).toHaveLength(1);
    // A late subscriber anywhere gets the terminal state from Redis, without an upstream call.
    const gets = upstream.gets;
    const late = await subscriber(b);
    expect(late.map((snapshot) => snapshot.run.status)).toEqual(['completed']);
    expect(upstream.gets).toBe(gets);
  });
});
