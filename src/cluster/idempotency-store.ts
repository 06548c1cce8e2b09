import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { Redis } from 'ioredis';
import type { BeginResult, IdempotencyStore, WriteOutcome } from '../writes/idempotency.js';
import { defineScript } from './script.js';

/**
 * The idempotency store of mutations in Redis, shared by all instances: the same key sent to two instances is
 * written upstream once. Same semantics as MemoryIdempotencyStore (see `src/writes/idempotency.ts`).
 *
 * Keys (after the connection's prefix), for a store key K such as `idem:anonymous:createRun:k1`:
 * - `K`: a hash {s: in_flight|done, fp: fingerprint, t: owner's token, o: outcome JSON}, expiring `ttlMs` after the
 *   first use; `complete` turns it into `done` and keeps its expiry;
 * - `K:owner`: the owner's token while it sends, expiring after `ownerLeaseMs` unless the owner's process renews it
 *   (every ownerLeaseMs/3). When it lapses the owner died mid-write: the outcome is unknown, so the key turns into a
 *   stored UPSTREAM_UNAVAILABLE error (`extensions.reason: 'idempotency_owner_lost'`), never into a free key;
 * - `K:released:<token>`: for `releasedKeepMs` after a `release`, the outcome handed to that request's waiters.
 * Each operation is one Lua script, so check-and-set is atomic. Waiters on other instances poll `K` (50 ms, slowing
 * to 500 ms); waiters in the same process get the outcome directly.
 *
 * Redis down: every method rejects with `IdempotencyUnavailableError` (a GraphQLError with code
 * UPSTREAM_UNAVAILABLE with reason idempotency_unavailable, as runWrite uses), so a mutation with an idempotencyKey fails closed and
 * nothing is sent; a waiter whose poll fails rejects with it too, rather than wait through an outage.
 * Mutations without a key never touch the store.
 * All keys of one K are separate Redis keys: on Redis Cluster they would need a hash tag.
 */

export class IdempotencyUnavailableError extends GraphQLError {
  constructor(message = 'The idempotency store is unavailable; the write was not sent. Retry later, or without idempotencyKey.', cause?: unknown) {
    // Not `originalError`: yoga masks a GraphQLError that wraps a non-GraphQL error, and the code must reach the client.
    super(message, { extensions: { code: 'UPSTREAM_UNAVAILABLE', reason: 'idempotency_unavailable' } });
    this.name = 'IdempotencyUnavailableError';
    this.cause = cause;
  }
}

/** Stored for a key whose owner stopped renewing while sending: the write may or may not have happened. */
export const OWNER_LOST_OUTCOME: WriteOutcome<never> = {
  ok: false,
  error: {
    message: 'An earlier request with this idempotencyKey did not finish (the gateway instance sending it stopped); whether the write happened is unknown. Check the thread, then retry with a new key.',
    extensions: { code: 'UPSTREAM_UNAVAILABLE', reason: 'idempotency_owner_lost' },
  },
};
const OWNER_LOST_JSON = JSON.stringify(OWNER_LOST_OUTCOME);

/** KEYS entry, owner; ARGV fingerprint, token, ttlMs, ownerLeaseMs, lost outcome. */
const BEGIN = defineScript(`
local e = redis.call('HMGET', KEYS[1], 's', 'fp', 't', 'o')
if not e[1] then
  redis.call('HSET', KEYS[1], 's', 'in_flight', 'fp', ARGV[1], 't', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4])
  return {'new'}
end
if e[2] ~= ARGV[1] then return {'mismatch'} end
if e[1] == 'in_flight' then
  if redis.call('GET', KEYS[2]) == e[3] then return {'in_flight', e[3]} end
  redis.call('HSET', KEYS[1], 's', 'done', 'o', ARGV[5])
  return {'done', ARGV[5]}
end
return {'done', e[4]}
`);

/** KEYS entry, owner; ARGV token, outcome. */
const COMPLETE = defineScript(`
local e = redis.call('HMGET', KEYS[1], 's', 't')
if e[1] ~= 'in_flight' or e[2] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 's', 'done', 'o', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 1
`);

/** KEYS entry, owner, released; ARGV token, outcome, releasedKeepMs. */
const RELEASE = defineScript(`
local e = redis.call('HMGET', KEYS[1], 's', 't')
if e[1] ~= 'in_flight' or e[2] ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
return 1
`);

/** KEYS owner; ARGV token, ownerLeaseMs. */
const RENEW_OWNER = defineScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);

/** KEYS entry, owner, released; ARGV token, lost outcome. A waiter's look at the key it waits for. */
const POLL = defineScript(`
local released = redis.call('GET', KEYS[3])
if released then return {'done', released} end
local e = redis.call('HMGET', KEYS[1], 's', 't', 'o')
if e[1] and e[2] == ARGV[1] then
  if e[1] == 'done' then return {'done', e[3]} end
  if redis.call('GET', KEYS[2]) == ARGV[1] then return {'wait'} end
  redis.call('HSET', KEYS[1], 's', 'done', 'o', ARGV[2])
  return {'done', ARGV[2]}
end
return {'lost'}
`);

export interface RedisIdempotencyStoreOptions {
  /** Prepended to every store key (after the connection's key prefix); store keys already start with `idem:`. @default '' */
  namespace?: string;
  /** How long an in-flight key survives its owner's last renewal. @default 15_000 */
  ownerLeaseMs?: number;
  /** First interval of a waiter's polls; it grows by half up to `maxPollMs`. @default 50 */
  pollMs?: number;
  /** @default 500 */
  maxPollMs?: number;
  /** How long a released outcome stays readable for waiters on other instances. @default 60_000 */
  releasedKeepMs?: number;
}

interface Waiter {
  resolve: (outcome: WriteOutcome) => void;
  reject: (error: unknown) => void;
}

export class RedisIdempotencyStore implements IdempotencyStore {
  readonly #redis: Redis;
  readonly #namespace: string;
  readonly #ownerLeaseMs: number;
  readonly #pollMs: number;
  readonly #maxPollMs: number;
  readonly #releasedKeepMs: number;
  /** Renewal timers of the keys this process is sending, by `key\0token`. */
  readonly #owned = new Map<string, NodeJS.Timeout>();
  /** Waiters in this process, by `key\0token`. */
  readonly #waiters = new Map<string, Set<Waiter>>();
  #closed = false;

  constructor(redis: Redis, options: RedisIdempotencyStoreOptions = {}) {
    this.#redis = redis;
    this.#namespace = options.namespace ?? '';
    this.#ownerLeaseMs = options.ownerLeaseMs ?? 15_000;
    this.#pollMs = options.pollMs ?? 50;
    this.#maxPollMs = options.maxPollMs ?? 500;
    this.#releasedKeepMs = options.releasedKeepMs ?? 60_000;
  }

  async begin<T = unknown>(key: string, fingerprint: string, ttlMs: number): Promise<BeginResult<T>> {
    this.#assertOpen();
    const token = randomUUID();
    const reply = (await this.#call(() => BEGIN(this.#redis, [this.#entry(key), this.#owner(key)], [fingerprint, token, Math.max(1, Math.ceil(ttlMs)), this.#ownerLeaseMs, OWNER_LOST_JSON]))) as [string, string?];
    switch (reply[0]) {
      case 'new':
        this.#renewWhileOwned(key, token);
        return { kind: 'new', token };
      case 'mismatch':
        return { kind: 'mismatch' };
      case 'in_flight':
        return { kind: 'in_flight', wait: this.#wait(key, reply[1]!) as Promise<WriteOutcome<T>> };
      default:
        return { kind: 'done', outcome: parseOutcome<T>(reply[1]) };
    }
  }

  async complete<T = unknown>(key: string, token: string, outcome: WriteOutcome<T>): Promise<void> {
    this.#stopRenewing(key, token);
    const json = JSON.stringify(outcome);
    try {
      await this.#call(() => COMPLETE(this.#redis, [this.#entry(key), this.#owner(key)], [token, json]));
    } finally {
      // Local waiters wait for this very request: they get its outcome even if Redis could not record it.
      this.#settleLocal(key, token, json);
    }
  }

  async release<T = unknown>(key: string, token: string, outcome: WriteOutcome<T>): Promise<void> {
    this.#stopRenewing(key, token);
    const json = JSON.stringify(outcome);
    // As in complete(): local waiters get the outcome even if Redis cannot record it; remote ones then see the owner lost.
    this.#settleLocal(key, token, json);
    await this.#call(() => RELEASE(this.#redis, [this.#entry(key), this.#owner(key), this.#released(key, token)], [token, json, this.#releasedKeepMs]));
  }

  /**
   * Stops renewing the keys this process is sending (their repeats will get the owner-lost error once the lease
   * lapses) and rejects current waiters. The connection belongs to the caller and stays open.
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#owned.values()) clearInterval(timer);
    this.#owned.clear();
    const closed = new IdempotencyUnavailableError('The gateway is shutting down; the outcome of the earlier request with this idempotencyKey was not received.');
    for (const waiters of this.#waiters.values()) for (const waiter of waiters) waiter.reject(closed);
    this.#waiters.clear();
  }

  #wait(key: string, token: string): Promise<WriteOutcome> {
    const id = `${key}\u0000${token}`;
    const promise = new Promise<WriteOutcome>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let interval = this.#pollMs;
      const waiter: Waiter = {
        resolve: (outcome) => finish(() => resolve(outcome)),
        reject: (error) => finish(() => reject(error)),
      };
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        const waiters = this.#waiters.get(id);
        if (!waiters?.delete(waiter)) return;
        if (waiters.size === 0) this.#waiters.delete(id);
        settle();
      };
      const poll = async () => {
        let reply: [string, string?];
        try {
          reply = (await POLL(this.#redis, [this.#entry(key), this.#owner(key), this.#released(key, token)], [token, OWNER_LOST_JSON])) as [string, string?];
        } catch (error) {
          waiter.reject(new IdempotencyUnavailableError('The idempotency store became unavailable while waiting for an earlier request with this idempotencyKey; its outcome is unknown here. Retry later with the same key.', error));
          return;
        }
        if (reply[0] === 'wait') {
          if (!this.#waiters.get(id)?.has(waiter)) return;
          interval = Math.min(this.#maxPollMs, Math.ceil(interval * 1.5));
          timer = setTimeout(() => void poll(), interval);
          return;
        }
        // 'lost': neither the entry nor a released outcome is left (Redis restarted empty, or a very late waiter).
        waiter.resolve(reply[0] === 'done' ? parseOutcome(reply[1]) : OWNER_LOST_OUTCOME);
      };
      let waiters = this.#waiters.get(id);
      if (!waiters) this.#waiters.set(id, (waiters = new Set()));
      waiters.add(waiter);
      timer = setTimeout(() => void poll(), interval);
    });
    // A caller that dropped the promise must not turn a later rejection (Redis down, close) into a crash.
    promise.catch(() => undefined);
    return promise;
  }

  #settleLocal(key: string, token: string, json: string): void {
    const waiters = this.#waiters.get(`${key}\u0000${token}`);
    if (!waiters) return;
    // Parsed once per waiter: callers never share one object.
    for (const waiter of [...waiters]) waiter.resolve(JSON.parse(json) as WriteOutcome);
  }

  #renewWhileOwned(key: string, token: string): void {
    const id = `${key}\u0000${token}`;
    const timer = setInterval(() => {
      RENEW_OWNER(this.#redis, [this.#owner(key)], [token, this.#ownerLeaseMs]).then(
        (renewed) => {
          // Lost (it lapsed during an outage and a waiter recorded the owner as lost): nothing left to renew.
          if (renewed === 0) this.#stopRenewing(key, token);
        },
        () => undefined, // Redis down: the next tick tries again, the lease covers ownerLeaseMs.
      );
    }, Math.max(1, Math.floor(this.#ownerLeaseMs / 3)));
    timer.unref();
    this.#owned.set(id, timer);
  }

  #stopRenewing(key: string, token: string): void {
    const id = `${key}\u0000${token}`;
    clearInterval(this.#owned.get(id));
    this.#owned.delete(id);
  }

  async #call<R>(command: () => Promise<R>): Promise<R> {
    try {
      return await command();
    } catch (error) {
      throw new IdempotencyUnavailableError(undefined, error);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new IdempotencyUnavailableError('The idempotency store is closed; the write was not sent.');
  }

  #entry(key: string): string {
    return this.#namespace + key;
  }

  #owner(key: string): string {
    return `${this.#namespace}${key}:owner`;
  }

  #released(key: string, token: string): string {
    return `${this.#namespace}${key}:released:${token}`;
  }
}

function parseOutcome<T>(json: string | undefined): WriteOutcome<T> {
  if (json === undefined) return OWNER_LOST_OUTCOME;
  return JSON.parse(json) as WriteOutcome<T>;
}
