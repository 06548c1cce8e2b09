import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisEventTarget } from '../../src/cluster/event-target.js';
import { createRedisConnections, type RedisConnections } from '../../src/cluster/redis.js';
import { createLivePubSub, type LivePubSub, type RunSnapshot } from '../../src/live/pubsub.js';
import { runKey } from '../../src/live/run-status.js';
import { wireRun } from '../helpers/wire-fixtures.js';
import { redisAvailable, redisSkipReason, startRedis, waitFor, type TestRedis } from '../helpers/redis.js';

const KEY = runKey('thread_fixture00000000000001', 'run_fixture000000000000000001');

/** Subscribes and collects; `stop()` ends the iterator (unsubscribing the channel when it was the last). */
function collect<T>(iterator: AsyncIterableIterator<T>) {
  const seen: T[] = [];
  const done = (async () => {
    for await (const value of iterator) seen.push(value);
  })();
  return { seen, stop: async () => ((await iterator.return?.()), await done) };
}

describe.skipIf(!redisAvailable)(`Redis event target: the live pubsub across instances${redisSkipReason}`, () => {
  let redis: TestRedis;
  const open: RedisConnections[] = [];
  const errors: Array<{ operation: string; channel: string }> = [];

  function instance(keyPrefix = 'test:'): LivePubSub {
    const connections = createRedisConnections({ url: redis.url, keyPrefix }, { maxBackoffMs: 100 });
    open.push(connections);
    return createLivePubSub(createRedisEventTarget(connections, { onError: (_error, operation, channel) => errors.push({ operation, channel }) }));
  }

  async function ready() {
    for (const connections of open) expect(await connections.health.waitUntilReady(5_000)).toBe(true);
  }

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((connections) => connections.close()));
    errors.splice(0);
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('a change published on one instance reaches subscribers on every instance, as JSON that a RunSnapshot survives', async () => {
    const a = instance();
    const b = instance();
    await ready();
    const onA = collect(a.subscribe('runUpdated', KEY));
    const onB = collect(b.subscribe('runUpdated', KEY));
    const other = collect(b.subscribe('runUpdated', runKey('thread_other', 'run_other')));
    // SUBSCRIBE is asynchronous: wait until Redis counts both subscribers of the channel.
    await waitFor(async () => (await open[0]!.publisher.pubsub('NUMSUB', `test:runUpdated:${KEY}`))[1] === 2, 'both subscriptions');

    const snapshot: RunSnapshot = { run: wireRun({ status: 'in_progress', started_at: 1_764_000_001, metadata: { ünïcode: '✓' } }), version: 1_764_000_000_123 };
    const gone: RunSnapshot = { ...snapshot, version: snapshot.version + 1, gone: true };
    a.publish('runUpdated', KEY, snapshot);
    a.publish('runUpdated', KEY, gone);

    await waitFor(() => onA.seen.length === 2 && onB.seen.length === 2, 'both events on both instances');
    expect(onB.seen).toEqual([snapshot, gone]);
    expect(onA.seen).toEqual([snapshot, gone]);
    expect(other.seen).toEqual([]);
    await Promise.all([onA.stop(), onB.stop(), other.stop()]);
  });

  it('channels carry the key prefix, so two deployments on one Redis do not hear each other', async () => {
    const blue = instance('blue:');
    const green = instance('green:');
    await ready();
    const onGreen = collect(green.subscribe('runMessageDelta', KEY));
    const onBlue = collect(blue.subscribe('runMessageDelta', KEY));
    await waitFor(async () => (await open[0]!.publisher.pubsub('NUMSUB', `blue:runMessageDelta:${KEY}`))[1] === 1, 'blue subscription');
    await waitFor(async () => (await open[0]!.publisher.pubsub('NUMSUB', `green:runMessageDelta:${KEY}`))[1] === 1, 'green subscription');

    blue.publish('runMessageDelta', KEY, { messageId: 'msg_1', text: 'Hel', index: 0 });
    blue.publish('runMessageDelta', KEY, { done: true });
    await waitFor(() => onBlue.seen.length === 2, 'blue events');
    expect(onBlue.seen).toEqual([{ messageId: 'msg_1', text: 'Hel', index: 0 }, { done: true }]);
    expect(onGreen.seen).toEqual([]);
    await Promise.all([onBlue.stop(), onGreen.stop()]);
  });

  it('survives Redis going away: publishing reports instead of crashing, subscriptions resume after the restart', async () => {
    const a = instance();
    const b = instance();
    await ready();
    const onB = collect(b.subscribe('runUpdated', KEY));
    await waitFor(async () => (await open[0]!.publisher.pubsub('NUMSUB', `test:runUpdated:${KEY}`))[1] === 1, 'subscription');

    await redis.halt();
    await waitFor(() => open.every((connections) => connections.health.status() === 'down'), 'down');
    a.publish('runUpdated', KEY, { run: wireRun(), version: 6 });
    await waitFor(() => errors.some((error) => error.operation === 'publish'), 'the failed publish reported');
    expect(errors).toContainEqual({ operation: 'publish', channel: `runUpdated:${KEY}` });

    await redis.restart();
    await waitFor(() => open.every((connections) => connections.health.status() === 'ready'), 'reconnected');
    // ioredis resubscribed the channel on its own.
    await waitFor(async () => (await open[0]!.publisher.pubsub('NUMSUB', `test:runUpdated:${KEY}`))[1] === 1, 'resubscription');
    a.publish('runUpdated', KEY, { run: wireRun(), version: 7 });
    await waitFor(() => onB.seen.length === 1, 'event after the restart');
    expect(onB.seen[0]?.version).toBe(7);
    await onB.stop();
  });
});
