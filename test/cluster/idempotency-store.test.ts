import { GraphQLError } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyUnavailableError, OWNER_LOST_OUTCOME, RedisIdempotencyStore, type RedisIdempotencyStoreOptions } from '../../src/cluster/idempotency-store.js';
import type { RedisConnections } from '../../src/cluster/redis.js';
import { idempotencyStoreKey } from '../../src/writes/idempotency.js';
import { runWrite } from '../../src/writes/run-write.js';
import { redisAvailable, redisSkipReason, startRedis, waitFor, type TestRedis, connectedInstance } from '../helpers/redis.js';
import { deferred } from '../helpers/wait.js';

const TTL = 60_000;

/** A write counter standing in for the upstream POST. */
function upstream<T>(answer: () => Promise<T>) {
  const calls = { count: 0 };
  return { calls, send: () => ((calls.count += 1), answer()) };
}

const unavailable = () => new GraphQLError('The upstream did not answer.', { extensions: { code: 'UPSTREAM_UNAVAILABLE', requestId: 'req_5xx' } });
const rejected = () => new GraphQLError('Thread thread_1 already has an active run run_0.', { extensions: { code: 'CONFLICT', requestId: 'req_409' } });

describe.skipIf(!redisAvailable)(`Redis idempotency store${redisSkipReason}`, () => {
  let redis: TestRedis;
  const open: RedisConnections[] = [];
  const stores: RedisIdempotencyStore[] = [];
  let n = 0;
  let key: string;

  /** One gateway instance's store, on its own connections. */
  async function instance(options: RedisIdempotencyStoreOptions = {}) {
    const connections = await connectedInstance(redis, open);
    const store = new RedisIdempotencyStore(connections.command, { pollMs: 10, maxPollMs: 50, ...options });
    stores.push(store);
    return { connections, store };
  }

  const keyed = (store: RedisIdempotencyStore, fingerprint = 'fp1') => ({ store, key, fingerprint, ttlMs: TTL });

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await Promise.all(open.splice(0).map((connections) => connections.close()));
    key = idempotencyStoreKey({ mutation: 'createRun', key: `k${(n += 1)}` });
  });
  afterAll(async () => {
    await redis?.stop();
  });
  key = idempotencyStoreKey({ mutation: 'createRun', key: 'k0' });

  it('the same key on two instances at once: one send, both get its result', async () => {
    const a = await instance();
    const b = await instance();
    const answer = deferred<{ id: string }>();
    const { calls, send } = upstream(() => answer.promise);

    const first = runWrite({ send, idempotency: keyed(a.store) });
    await waitFor(() => calls.count === 1, 'the first send');
    const second = runWrite({ send, idempotency: keyed(b.store) });
    const third = runWrite({ send, idempotency: keyed(a.store) }); // a waiter in the owner's own process
    // The others are waiting, not sending.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls.count).toBe(1);
    answer.resolve({ id: 'run_1' });

    expect(await first).toEqual({ value: { id: 'run_1' }, replayed: false });
    expect(await second).toEqual({ value: { id: 'run_1' }, replayed: true });
    expect(await third).toEqual({ value: { id: 'run_1' }, replayed: true });
    // And a repeat later on either instance: the stored result, no send.
    expect(await runWrite({ send, idempotency: keyed(b.store) })).toEqual({ value: { id: 'run_1' }, replayed: true });
    expect(calls.count).toBe(1);
  });

  it('many concurrent uses of one key across instances: exactly one begins', async () => {
    const instances = await Promise.all([instance(), instance(), instance()]);
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => instances[i % 3]!.store.begin(key, 'fp1', TTL)));
    expect(results.filter((result) => result.kind === 'new')).toHaveLength(1);
    expect(results.filter((result) => result.kind === 'in_flight')).toHaveLength(29);
    const owner = results.find((result) => result.kind === 'new');
    const ownerStore = instances[results.indexOf(owner!) % 3]!.store;
    await ownerStore.complete(key, (owner as { token: string }).token, { ok: true, value: 42 });
    const outcomes = await Promise.all(results.flatMap((result) => (result.kind === 'in_flight' ? [result.wait] : [])));
    expect(outcomes).toEqual(Array.from({ length: 29 }, () => ({ ok: true, value: 42 })));
  });

  it('the same key with another request is a mismatch, on any instance', async () => {
    const a = await instance();
    const b = await instance();
    const { send } = upstream(async () => ({ id: 'run_1' }));
    await runWrite({ send, idempotency: keyed(a.store, 'fp1') });
    expect(await b.store.begin(key, 'fp2', TTL)).toEqual({ kind: 'mismatch' });
    const error = await runWrite({ send, idempotency: keyed(b.store, 'fp2') }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.idempotencyKey' });
  });

  it('a rejected write is handed to the waiters on other instances, then the key is free again', async () => {
    const a = await instance();
    const b = await instance();
    const answer = deferred<never>();
    const { calls, send } = upstream(() => answer.promise);
    const first = runWrite({ send, idempotency: keyed(a.store) });
    await waitFor(() => calls.count === 1, 'the first send');
    const second = runWrite({ send, idempotency: keyed(b.store) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    answer.reject(rejected());

    await expect(first).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
    await expect(second).rejects.toMatchObject({ extensions: { code: 'CONFLICT', requestId: 'req_409', idempotentReplay: true } });
    // Released: the next use is sent again.
    const retry = upstream(async () => ({ id: 'run_2' }));
    expect(await runWrite({ send: retry.send, idempotency: keyed(b.store) })).toEqual({ value: { id: 'run_2' }, replayed: false });
  });

  it('a write with an unknown outcome is stored: repeats on any instance get the error and nothing is sent', async () => {
    const a = await instance();
    const b = await instance();
    const { calls, send } = upstream(async () => {
      throw unavailable();
    });
    await expect(runWrite({ send, idempotency: keyed(a.store) })).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    await expect(runWrite({ send, idempotency: keyed(b.store) })).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE', requestId: 'req_5xx', idempotentReplay: true } });
    expect(calls.count).toBe(1);
  });

  it('the owner’s instance dies mid-write: once its lease lapses the key holds "outcome unknown", never a free key', async () => {
    const a = await instance({ ownerLeaseMs: 300 });
    const b = await instance({ ownerLeaseMs: 300 });
    const begun = await a.store.begin(key, 'fp1', TTL);
    expect(begun.kind).toBe('new');
    const waiting = await b.store.begin(key, 'fp1', TTL);
    expect(waiting.kind).toBe('in_flight');

    // The owner renews while it lives: well past one lease, the key is still in flight.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect((await b.store.begin(key, 'fp1', TTL)).kind).toBe('in_flight');

    // Dies: no more renewals, no complete.
    await a.store.close();
    expect(await (waiting as { wait: Promise<unknown> }).wait).toEqual(OWNER_LOST_OUTCOME);
    expect(await b.store.begin(key, 'fp1', TTL)).toEqual({ kind: 'done', outcome: OWNER_LOST_OUTCOME });
    const { calls, send } = upstream(async () => ({ id: 'run_2' }));
    await expect(runWrite({ send, idempotency: keyed(b.store) })).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE', reason: 'idempotency_owner_lost', idempotentReplay: true } });
    expect(calls.count).toBe(0);
  });

  it('keys expire after their ttl; entries carry the key prefix', async () => {
    const a = await instance();
    const begun = await a.store.begin(key, 'fp1', 300);
    await a.store.complete(key, (begun as { token: string }).token, { ok: true, value: { id: 'run_1' } });
    expect(await a.connections.publisher.hget(`test:${key}`, 's')).toBe('done');
    expect(await a.connections.publisher.exists(`test:${key}:owner`)).toBe(0);
    await waitFor(async () => (await a.store.begin(key, 'fp1', TTL)).kind === 'new', 'the key to expire');
  });

  it('Redis down: a keyed write fails closed (UPSTREAM_UNAVAILABLE, reason idempotency_unavailable) and is not sent, nothing crashes, and it recovers', async () => {
    const a = await instance();
    const b = await instance();
    // A waiter in flight when Redis goes away.
    const begun = await a.store.begin(key, 'fp1', TTL);
    const waiting = await b.store.begin(key, 'fp1', TTL);

    await redis.halt();
    await waitFor(() => a.connections.health.status() === 'down' && b.connections.health.status() === 'down', 'down');
    await expect((waiting as { wait: Promise<unknown> }).wait).rejects.toBeInstanceOf(IdempotencyUnavailableError);
    await expect(b.store.begin(`${key}:other`, 'fp1', TTL)).rejects.toBeInstanceOf(IdempotencyUnavailableError);
    await expect(a.store.complete(key, (begun as { token: string }).token, { ok: true, value: 1 })).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE', reason: 'idempotency_unavailable' } });

    const { calls, send } = upstream(async () => ({ id: 'run_1' }));
    const error = await runWrite({ send, idempotency: keyed(b.store) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', reason: 'idempotency_unavailable' });
    expect(calls.count).toBe(0);
    // Without a key the write still goes through.
    expect(await runWrite({ send })).toEqual({ value: { id: 'run_1' }, replayed: false });

    await redis.restart();
    await waitFor(() => a.connections.health.status() === 'ready' && b.connections.health.status() === 'ready', 'ready');
    const after = upstream(async () => ({ id: 'run_2' }));
    expect(await runWrite({ send: after.send, idempotency: keyed(b.store) })).toEqual({ value: { id: 'run_2' }, replayed: false });
    expect(await runWrite({ send: after.send, idempotency: keyed(a.store) })).toEqual({ value: { id: 'run_2' }, replayed: true });
    expect(after.calls.count).toBe(1);
  });

  it('after close(), begin refuses and waiters are let go', async () => {
    const a = await instance();
    const b = await instance();
    await a.store.begin(key, 'fp1', TTL);
    const waiting = await b.store.begin(key, 'fp1', TTL);
    await b.store.close();
    await expect((waiting as { wait: Promise<unknown> }).wait).rejects.toBeInstanceOf(IdempotencyUnavailableError);
    await expect(b.store.begin(key, 'fp1', TTL)).rejects.toBeInstanceOf(IdempotencyUnavailableError);
  });
});
