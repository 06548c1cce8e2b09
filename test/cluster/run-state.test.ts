import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnections } from '../../src/cluster/redis.js';
import { RunStateStore } from '../../src/cluster/run-state.js';
import type { RunWire } from '../../src/live/pubsub.js';
import { runKey } from '../../src/live/run-status.js';
import { wireRun } from '../helpers/wire-fixtures.js';
import { redisAvailable, redisSkipReason, startRedis, waitFor, type TestRedis, connectedInstance } from '../helpers/redis.js';

const TTL = 60_000;

/** The same run with its members in reverse order, as another instance's JSON parser might hand it over. */
function reordered(run: RunWire): RunWire {
  return Object.fromEntries(Object.entries(run).reverse()) as RunWire;
}

describe.skipIf(!redisAvailable)(`run state in Redis${redisSkipReason}`, () => {
  let redis: TestRedis;
  const open: RedisConnections[] = [];
  let n = 0;
  let key: string;

  async function instance() {
    const connections = await connectedInstance(redis, open);
    return { connections, states: new RunStateStore(connections.command) };
  }

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((connections) => connections.close()));
    key = runKey('thread_1', `run_${(n += 1)}`);
  });
  afterAll(async () => {
    await redis?.stop();
  });
  key = runKey('thread_1', 'run_0');

  it('set and get a snapshot as it is; nothing kept → undefined', async () => {
    const { states, connections } = await instance();
    expect(await states.get(key)).toBeUndefined();
    const snapshot = { run: wireRun({ status: 'requires_action', metadata: { a: 'ü' } }), version: 42 };
    expect(await states.set(key, snapshot, TTL)).toBe(true);
    expect(await states.get(key)).toEqual(snapshot);
    expect(await connections.publisher.exists(`test:run:${key}`)).toBe(1);
    // Only a newer version replaces it.
    expect(await states.set(key, { run: wireRun({ status: 'queued' }), version: 41 }, TTL)).toBe(false);
    expect(await states.set(key, { run: wireRun({ status: 'queued' }), version: 42 }, TTL)).toBe(false);
    expect((await states.get(key))?.run.status).toBe('requires_action');
    expect(await states.set(key, { run: wireRun({ status: 'completed' }), version: 43, gone: true }, TTL)).toBe(true);
    expect(await states.get(key)).toEqual({ run: wireRun({ status: 'completed' }), version: 43, gone: true });
  });

  it('a state expires after its ttl; every write, even of an unchanged state, keeps it longer', async () => {
    const { states, connections } = await instance();
    await states.advance(key, wireRun(), 400);
    const pttl = () => connections.command.pttl(`run:${key}`);
    expect(await pttl()).toBeGreaterThan(0);
    await states.advance(key, wireRun(), 60_000); // unchanged: same version, longer life
    expect(await pttl()).toBeGreaterThan(400);
    expect(await states.touch(key, 150)).toBe(true);
    await waitFor(async () => (await states.get(key)) === undefined, 'the state to expire');
    expect(await states.touch(key, 150)).toBe(false);
  });

  it('advance numbers each change once, whichever instance saw it, in increasing order', async () => {
    const a = await instance();
    const b = await instance();
    const queued = await a.states.advance(key, wireRun({ status: 'queued' }), TTL);
    expect(queued.changed).toBe(true);
    expect(queued.snapshot.run.status).toBe('queued');

    // The same state seen by another instance (members in another order): no new version, nothing to publish.
    const again = await b.states.advance(key, reordered(wireRun({ status: 'queued' })), TTL);
    expect(again).toEqual({ changed: false, snapshot: queued.snapshot });

    const started = await b.states.advance(key, wireRun({ status: 'in_progress', started_at: 1 }), TTL);
    const usage = await a.states.advance(key, wireRun({ status: 'in_progress', started_at: 1, metadata: { step: '2' } }), TTL);
    const done = await a.states.advance(key, wireRun({ status: 'completed', started_at: 1, completed_at: 2 }), TTL);
    expect([started, usage, done].map((result) => result.changed)).toEqual([true, true, true]);
    const versions = [queued, started, usage, done].map((result) => result.snapshot.version);
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect(new Set(versions).size).toBe(4);
    expect(versions.every(Number.isSafeInteger)).toBe(true);
    expect(await b.states.get(key)).toEqual(done.snapshot);
  });

  it('a terminal state is final: a late non-terminal state is ignored; gone is recorded as a change', async () => {
    const { states } = await instance();
    const done = await states.advance(key, wireRun({ status: 'cancelled', cancelled_at: 3 }), TTL);
    const late = await states.advance(key, wireRun({ status: 'cancelling' }), TTL);
    expect(late).toEqual({ changed: false, snapshot: done.snapshot });

    const gone = await states.advance(key, wireRun({ status: 'cancelled', cancelled_at: 3 }), TTL, { gone: true });
    expect(gone.changed).toBe(true);
    expect(gone.snapshot).toEqual({ run: done.snapshot.run, version: gone.snapshot.version, gone: true });
    expect(gone.snapshot.version).toBeGreaterThan(done.snapshot.version);
    expect(await states.get(key)).toEqual(gone.snapshot);
  });

  it('versions keep increasing after Redis restarts empty, so a subscriber never drops a newer state', async () => {
    const { connections, states } = await instance();
    const before = await states.advance(key, wireRun({ status: 'in_progress', started_at: 1 }), TTL);

    await redis.restart();
    await waitFor(() => connections.health.status() === 'ready', 'reconnection');
    expect(await states.get(key)).toBeUndefined();
    const after = await states.advance(key, wireRun({ status: 'in_progress', started_at: 1 }), TTL);
    expect(after.changed).toBe(true);
    expect(after.snapshot.version).toBeGreaterThan(before.snapshot.version);
  });

  it('Redis down: calls reject with the connection error instead of waiting; they work again after the restart', async () => {
    const { connections, states } = await instance();
    await states.advance(key, wireRun(), TTL);
    await redis.halt();
    await waitFor(() => connections.health.status() === 'down', 'down');
    await expect(states.get(key)).rejects.toThrow();
    await expect(states.advance(key, wireRun({ status: 'in_progress' }), TTL)).rejects.toThrow();
    await redis.restart();
    await waitFor(() => connections.health.status() === 'ready', 'ready');
    expect((await states.advance(key, wireRun({ status: 'in_progress' }), TTL)).changed).toBe(true);
  });
});
