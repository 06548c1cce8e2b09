import { GraphQLError } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryIdempotencyStore, idempotencyStoreKey, requestFingerprint, stableJson, type IdempotencyStore } from '../../src/writes/idempotency.js';
import { outcomeUnknown, runWrite } from '../../src/writes/run-write.js';
import { deferred, nextTurn, waitUntil } from '../helpers/wait.js';

const TTL = 1_000;

function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

const unavailable = () => new GraphQLError('The upstream did not answer.', { extensions: { code: 'UPSTREAM_UNAVAILABLE', requestId: 'req_5xx' } });
const rejected = () => new GraphQLError('Thread thread_1 already has an active run run_0.', { extensions: { code: 'CONFLICT', requestId: 'req_409' } });

const stores: MemoryIdempotencyStore[] = [];
function newStore(options: ConstructorParameters<typeof MemoryIdempotencyStore>[0] = {}) {
  const store = new MemoryIdempotencyStore({ sweepIntervalMs: 0, ...options });
  stores.push(store);
  return store;
}
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

/** A write counter standing in for the upstream POST. */
function upstream<T>(answer: () => Promise<T>) {
  const calls = { count: 0 };
  return { calls, send: () => ((calls.count += 1), answer()) };
}

function keyed(store: IdempotencyStore, fingerprint = 'fp1', key = 'idem:anonymous:createRun:k1') {
  return { store, key, fingerprint, ttlMs: TTL };
}

describe('fingerprints and keys', () => {
  it('do not depend on key order; differ by mutation and input', () => {
    expect(stableJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
    expect(requestFingerprint('createRun', { a: 1, b: 2 })).toBe(requestFingerprint('createRun', { b: 2, a: 1 }));
    expect(requestFingerprint('createRun', { a: 1 })).not.toBe(requestFingerprint('createRun', { a: 2 }));
    expect(requestFingerprint('createRun', { a: 1 })).not.toBe(requestFingerprint('modifyRun', { a: 1 }));
  });

  it('store keys are scoped by subject and mutation', () => {
    expect(idempotencyStoreKey({ mutation: 'createRun', key: 'k 1' })).toBe('idem:anonymous:createRun:k%201');
    expect(idempotencyStoreKey({ mutation: 'createRun', key: 'k', subject: 'user:7' })).not.toBe(idempotencyStoreKey({ mutation: 'cancelRun', key: 'k', subject: 'user:7' }));
  });
});

describe('runWrite with the in-memory store', () => {
  it('without a key, just sends', async () => {
    const { calls, send } = upstream(async () => ({ id: 'run_1' }));
    await runWrite({ send });
    await runWrite({ send });
    expect(calls.count).toBe(2);
  });

  it('a repeat returns the first result without a second send', async () => {
    const store = newStore();
    let count = 0;
    const { calls, send } = upstream(async () => ({ id: `run_${(count += 1)}` }));
    const first = await runWrite({ send, idempotency: keyed(store) });
    const second = await runWrite({ send, idempotency: keyed(store) });
    expect(calls.count).toBe(1);
    expect(first).toEqual({ value: { id: 'run_1' }, replayed: false });
    expect(second).toEqual({ value: { id: 'run_1' }, replayed: true });
  });

  it('two concurrent calls share one send and get the same result', async () => {
    const store = newStore();
    const gate = deferred<{ id: string }>();
    const { calls, send } = upstream(() => gate.promise);
    const a = runWrite({ send, idempotency: keyed(store) });
    const b = runWrite({ send, idempotency: keyed(store) });
    await nextTurn();
    expect(calls.count).toBe(1);
    gate.resolve({ id: 'run_1' });
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.value).toEqual({ id: 'run_1' });
    expect(rb).toEqual({ value: { id: 'run_1' }, replayed: true });
    expect(calls.count).toBe(1);
  });

  it('the same key with a different input is BAD_USER_INPUT on input.idempotencyKey, and nothing is sent', async () => {
    const store = newStore();
    const { calls, send } = upstream(async () => ({ id: 'run_1' }));
    await runWrite({ send, idempotency: keyed(store, 'fp1') });
    const error = await runWrite({ send, idempotency: keyed(store, 'fp2') }).catch((e: unknown) => e as GraphQLError);
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.idempotencyKey' });
    expect(calls.count).toBe(1);
  });

  it('a different input while the first is in flight is a mismatch too', async () => {
    const store = newStore();
    const gate = deferred<{ id: string }>();
    const { send } = upstream(() => gate.promise);
    const first = runWrite({ send, idempotency: keyed(store, 'fp1') });
    await expect(runWrite({ send, idempotency: keyed(store, 'fp2') })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    gate.resolve({ id: 'run_1' });
    await first;
  });

  it('keys expire after the TTL (fake clock): then the write is sent again', async () => {
    const clock = fakeClock();
    const store = newStore({ now: clock.now });
    let count = 0;
    const { calls, send } = upstream(async () => ({ id: `run_${(count += 1)}` }));
    await runWrite({ send, idempotency: keyed(store) });
    clock.advance(TTL - 1);
    expect((await runWrite({ send, idempotency: keyed(store) })).replayed).toBe(true);
    clock.advance(1);
    const after = await runWrite({ send, idempotency: keyed(store) });
    expect(after).toEqual({ value: { id: 'run_2' }, replayed: false });
    expect(calls.count).toBe(2);
  });

  it('an expired key may be reused with a different input', async () => {
    const clock = fakeClock();
    const store = newStore({ now: clock.now });
    const { send } = upstream(async () => ({ id: 'run_1' }));
    await runWrite({ send, idempotency: keyed(store, 'fp1') });
    clock.advance(TTL);
    await expect(runWrite({ send, idempotency: keyed(store, 'fp2') })).resolves.toMatchObject({ replayed: false });
  });

  it('outcome unknown (5xx, timeout): the error is stored and replayed; the write is not sent again', async () => {
    const store = newStore();
    const { calls, send } = upstream(async () => {
      throw unavailable();
    });
    await expect(runWrite({ send, idempotency: keyed(store) })).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    const replay = await runWrite({ send, idempotency: keyed(store) }).catch((e: unknown) => e as GraphQLError);
    expect((replay as GraphQLError).extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', requestId: 'req_5xx', idempotentReplay: true });
    expect(calls.count).toBe(1);
  });

  it('an unknown (non-GraphQL) failure counts as outcome unknown and stores no text', async () => {
    const store = newStore();
    const { calls, send } = upstream(async () => {
      throw new Error('socket hang up at 10.0.0.1');
    });
    await expect(runWrite({ send, idempotency: keyed(store) })).rejects.toThrow('socket hang up');
    const replay = (await runWrite({ send, idempotency: keyed(store) }).catch((e: unknown) => e)) as GraphQLError;
    expect(replay.message).not.toContain('10.0.0.1');
    expect(calls.count).toBe(1);
  });

  it('a rejection by the upstream (4xx) releases the key: a later repeat is sent again', async () => {
    const store = newStore();
    let fail = true;
    const { calls, send } = upstream(async () => {
      if (fail) throw rejected();
      return { id: 'run_2' };
    });
    await expect(runWrite({ send, idempotency: keyed(store) })).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
    fail = false;
    await expect(runWrite({ send, idempotency: keyed(store) })).resolves.toEqual({ value: { id: 'run_2' }, replayed: false });
    expect(calls.count).toBe(2);
  });

  it('a caller waiting on a rejected first attempt gets the same error, without a send of its own', async () => {
    const store = newStore();
    const gate = deferred<{ id: string }>();
    const { calls, send } = upstream(() => gate.promise);
    const a = runWrite({ send, idempotency: keyed(store) });
    const b = runWrite({ send, idempotency: keyed(store) });
    gate.reject(rejected());
    await expect(a).rejects.toMatchObject({ extensions: { code: 'CONFLICT', requestId: 'req_409' } });
    await expect(b).rejects.toMatchObject({ extensions: { code: 'CONFLICT', requestId: 'req_409', idempotentReplay: true } });
    expect(calls.count).toBe(1);
  });

  it('classifies failures: 4xx answers are rejections, everything else is unknown', () => {
    expect(outcomeUnknown(rejected())).toBe(false);
    expect(outcomeUnknown(new GraphQLError('x', { extensions: { code: 'RATE_LIMITED' } }))).toBe(false);
    expect(outcomeUnknown(unavailable())).toBe(true);
    expect(outcomeUnknown(new GraphQLError('x', { extensions: { code: 'UPSTREAM_ERROR', upstreamStatus: 418 } }))).toBe(false);
    expect(outcomeUnknown(new GraphQLError('x', { extensions: { code: 'UPSTREAM_ERROR', upstreamStatus: 502 } }))).toBe(true);
    expect(outcomeUnknown(new Error('boom'))).toBe(true);
  });

  it('fails closed when the store is down: nothing is sent', async () => {
    const broken: IdempotencyStore = {
      begin: async () => {
        throw new Error('ECONNREFUSED');
      },
      complete: async () => undefined,
      release: async () => undefined,
      close: async () => undefined,
    };
    const { calls, send } = upstream(async () => ({ id: 'run_1' }));
    await expect(runWrite({ send, idempotency: keyed(broken) })).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE', reason: 'idempotency_unavailable' } });
    expect(calls.count).toBe(0);
  });

  it('returns the result even when the store cannot record it', async () => {
    const memory = newStore();
    const flaky: IdempotencyStore = {
      begin: (...args) => memory.begin(...args),
      complete: async () => {
        throw new Error('ECONNRESET');
      },
      release: async () => undefined,
      close: async () => undefined,
    };
    const { send } = upstream(async () => ({ id: 'run_1' }));
    await expect(runWrite({ send, idempotency: keyed(flaky) })).resolves.toEqual({ value: { id: 'run_1' }, replayed: false });
  });

  it('stored results are copies: mutating one does not change the next replay', async () => {
    const store = newStore();
    const { send } = upstream(async () => ({ id: 'run_1', metadata: { a: '1' } }));
    const first = await runWrite({ send, idempotency: keyed(store) });
    first.value.metadata.a = 'changed';
    const second = await runWrite({ send, idempotency: keyed(store) });
    expect(second.value.metadata.a).toBe('1');
  });
});

describe('MemoryIdempotencyStore bounds', () => {
  it('sweep() drops expired finished keys', async () => {
    const clock = fakeClock();
    const store = newStore({ now: clock.now });
    for (let index = 0; index < 5; index += 1) {
      const begun = await store.begin(`k${index}`, 'fp', TTL);
      if (begun.kind === 'new') await store.complete(`k${index}`, begun.token, { ok: true, value: index });
    }
    clock.advance(TTL / 2);
    const late = await store.begin('late', 'fp', TTL);
    if (late.kind === 'new') await store.complete('late', late.token, { ok: true, value: 'late' });
    expect(store.size).toBe(6);
    clock.advance(TTL / 2);
    expect(store.sweep()).toBe(5);
    expect(store.size).toBe(1);
  });

  it('the periodic sweep runs on its timer', async () => {
    const clock = fakeClock();
    const store = newStore({ now: clock.now, sweepIntervalMs: 5 });
    const begun = await store.begin('k', 'fp', TTL);
    if (begun.kind === 'new') await store.complete('k', begun.token, { ok: true, value: 1 });
    clock.advance(TTL);
    await waitUntil(() => store.size === 0, 1_000);
    expect(store.size).toBe(0);
  });

  it('in-flight keys never expire, and keep their waiters', async () => {
    const clock = fakeClock();
    const store = newStore({ now: clock.now });
    const begun = await store.begin('k', 'fp', TTL);
    clock.advance(TTL * 10);
    store.sweep();
    const second = await store.begin('k', 'fp', TTL);
    expect(second.kind).toBe('in_flight');
    if (begun.kind === 'new') await store.complete('k', begun.token, { ok: true, value: 'x' });
    if (second.kind === 'in_flight') expect(await second.wait).toEqual({ ok: true, value: 'x' });
  });

  it('stays within maxKeys by evicting the oldest finished keys, never in-flight ones', async () => {
    const store = newStore({ maxKeys: 3 });
    const inFlight = await store.begin('busy', 'fp', TTL);
    for (const key of ['a', 'b', 'c', 'd']) {
      const begun = await store.begin(key, 'fp', TTL);
      if (begun.kind === 'new') await store.complete(key, begun.token, { ok: true, value: key });
    }
    expect(store.size).toBe(3);
    expect(store.evictions).toBe(2);
    expect((await store.begin('busy', 'fp', TTL)).kind).toBe('in_flight');
    expect((await store.begin('a', 'fp', TTL)).kind).toBe('new');
    expect(inFlight.kind).toBe('new');
  });

  it('a stale token cannot overwrite a key that was released and begun again', async () => {
    const store = newStore();
    const first = await store.begin('k', 'fp', TTL);
    if (first.kind !== 'new') throw new Error('expected new');
    await store.release('k', first.token, { ok: false, error: { message: 'no', extensions: {} } });
    const second = await store.begin('k', 'fp', TTL);
    if (second.kind !== 'new') throw new Error('expected new');
    await store.complete('k', first.token, { ok: true, value: 'stale' });
    await store.complete('k', second.token, { ok: true, value: 'fresh' });
    expect(await store.begin('k', 'fp', TTL)).toEqual({ kind: 'done', outcome: { ok: true, value: 'fresh' } });
  });
});
