import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LeaseKeeper, Leases, type LeaseLossReason } from '../../src/cluster/leases.js';
import type { RedisConnections } from '../../src/cluster/redis.js';
import { redisAvailable, redisSkipReason, startRedis, waitFor, type TestRedis, connectedInstance } from '../helpers/redis.js';

describe.skipIf(!redisAvailable)(`leases${redisSkipReason}`, () => {
  let redis: TestRedis;
  const open: RedisConnections[] = [];
  const keepers: LeaseKeeper[] = [];
  let n = 0;
  /** A fresh key per test, so expiring leases of one test never meet the next. */
  let key: string;

  /** One "instance": its own connections and its own owner token. */
  async function instance() {
    const connections = await connectedInstance(redis, open);
    return { connections, leases: new Leases(connections.command) };
  }

  function keeper(leases: Leases, ttlMs = 500) {
    const events: Array<'acquired' | LeaseLossReason> = [];
    const keeper = new LeaseKeeper({ leases, key, ttlMs, onAcquired: () => events.push('acquired'), onLost: (reason) => events.push(reason) });
    keepers.push(keeper);
    return { keeper, events };
  }

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(keepers.splice(0).map((keeper) => keeper.stop()));
    await Promise.all(open.splice(0).map((connections) => connections.close()));
    key = `run/${(n += 1)}`;
  });
  afterAll(async () => {
    await redis?.stop();
  });
  key = 'run/0';

  it('one owner at a time; the holder may acquire again; keys carry the prefix', async () => {
    const a = await instance();
    const b = await instance();
    expect(a.leases.owner).not.toBe(b.leases.owner);
    expect(await a.leases.tryAcquire(key, 5_000)).toBe(true);
    expect(await b.leases.tryAcquire(key, 5_000)).toBe(false);
    expect(await a.leases.tryAcquire(key, 5_000)).toBe(true);
    expect(await b.leases.holder(key)).toBe(a.leases.owner);
    expect(await a.connections.publisher.get(`test:lease:${key}`)).toBe(a.leases.owner);
  });

  it('renew extends only the owner’s lease; release frees only the owner’s', async () => {
    const a = await instance();
    const b = await instance();
    expect(await a.leases.tryAcquire(key, 1_000)).toBe(true);
    expect(await b.leases.renew(key, 60_000)).toBe(false);
    expect(await a.connections.command.pttl(`lease:${key}`)).toBeLessThanOrEqual(1_000);
    expect(await a.leases.renew(key, 60_000)).toBe(true);
    expect(await a.connections.command.pttl(`lease:${key}`)).toBeGreaterThan(1_000);

    expect(await b.leases.release(key)).toBe(false);
    expect(await b.leases.holder(key)).toBe(a.leases.owner);
    expect(await a.leases.release(key)).toBe(true);
    expect(await b.leases.holder(key)).toBeNull();
    expect(await b.leases.tryAcquire(key, 1_000)).toBe(true);
    expect(await a.leases.renew(key, 1_000)).toBe(false);
  });

  it('another owner takes over once the lease expires, and the old owner cannot renew it', async () => {
    const a = await instance();
    const b = await instance();
    expect(await a.leases.tryAcquire(key, 200)).toBe(true);
    expect(await b.leases.tryAcquire(key, 200)).toBe(false);
    await waitFor(() => b.leases.tryAcquire(key, 10_000), 'the lease to expire and pass to b');
    expect(await a.leases.renew(key, 10_000)).toBe(false);
    expect(await a.leases.holder(key)).toBe(b.leases.owner);
  });

  it('rejects a ttl below 1 ms', async () => {
    const a = await instance();
    await expect(a.leases.tryAcquire(key, 0)).rejects.toThrow(RangeError);
  });

  it('LeaseKeeper: one of two keepers holds the lease and renews it past its ttl; stop() hands it over', async () => {
    const a = await instance();
    const b = await instance();
    const first = keeper(a.leases);
    const second = keeper(b.leases);
    expect(await first.keeper.start()).toBe(true);
    expect(await second.keeper.start()).toBe(false);

    // Several ttls later, still held by the first: renewals work.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(first.keeper.held).toBe(true);
    expect(second.keeper.held).toBe(false);
    expect(await a.leases.holder(key)).toBe(a.leases.owner);
    expect(first.events).toEqual(['acquired']);
    expect(second.events).toEqual([]);

    await first.keeper.stop();
    await waitFor(() => second.keeper.held, 'the second keeper to take over');
    expect(await a.leases.holder(key)).toBe(b.leases.owner);
    expect(second.events).toEqual(['acquired']);
    expect(first.events).toEqual(['acquired']); // stop() is not a loss
  });

  it('LeaseKeeper: when the holder dies without releasing, another takes over after the expiry', async () => {
    const a = await instance();
    const b = await instance();
    const first = keeper(a.leases);
    const second = keeper(b.leases);
    expect(await first.keeper.start()).toBe(true);
    expect(await second.keeper.start()).toBe(false);

    // "Dies": its connections go away, so it can neither renew nor release.
    await a.connections.close();
    await waitFor(() => second.keeper.held, 'the takeover');
    expect(await b.leases.holder(key)).toBe(b.leases.owner);
    expect(first.events).toEqual(['acquired', 'unavailable']);
    expect(first.keeper.held).toBe(false);
  });

  it('LeaseKeeper: reports the loss while Redis is down and acquires again when it is back', async () => {
    const a = await instance();
    const held = keeper(a.leases);
    expect(await held.keeper.start()).toBe(true);

    await redis.halt();
    await waitFor(() => held.events.includes('unavailable'), 'the loss to be reported');
    expect(held.keeper.held).toBe(false);

    await redis.restart();
    await waitFor(() => held.keeper.held, 'the lease to be acquired again');
    expect(held.events).toEqual(['acquired', 'unavailable', 'acquired']);
    expect(await a.leases.holder(key)).toBe(a.leases.owner);
  });

  it('LeaseKeeper: a lease taken by another owner meanwhile is reported as taken', async () => {
    const a = await instance();
    const b = await instance();
    const held = keeper(a.leases, 600);
    expect(await held.keeper.start()).toBe(true);
    // Another owner overwrites it (as after an expiry during a long stall of this process).
    await b.connections.command.set(`lease:${key}`, b.leases.owner, 'PX', 10_000);
    await waitFor(() => held.events.includes('taken'), 'the loss to be reported');
    expect(held.keeper.held).toBe(false);
    expect(await b.leases.holder(key)).toBe(b.leases.owner);
  });

  it('LeaseKeeper: stop() releases the lease and no callback comes after it', async () => {
    const a = await instance();
    const held = keeper(a.leases);
    await held.keeper.start();
    await held.keeper.stop();
    expect(await a.leases.holder(key)).toBeNull();
    await redis.halt();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await redis.restart();
    expect(held.events).toEqual(['acquired']);
  });
});
