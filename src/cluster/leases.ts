import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { defineScript } from './script.js';

/**
 * Per-key leases in Redis: at most one owner per key at a time, for a bounded time (`ttlMs`) that the owner renews.
 *
 * The owner is this process (one random token per `Leases`, so create one per process): the process decides
 * locally which of its parts does the work, as RunObservers does with one observer per run. `tryAcquire` is
 * re-entrant for that reason: it also succeeds, extending the lease, when this owner already holds it (e.g. after a
 * renewal failed during a Redis blip while the lease itself survived).
 *
 * Timing: a holder that dies stops renewing; its lease expires at most `ttlMs` after its last renewal, and another
 * instance retrying every `retryEveryMs` (LeaseKeeper: ttl/3) takes over at the latest `ttlMs + retryEveryMs` later,
 * i.e. within about two lease periods. A holder that is only cut off from Redis loses its renewals at the same
 * time, so it learns of the loss (LeaseKeeper `onLost`) before the lease can pass to anyone else, as long as its
 * renewals run every ttl/3 and a Redis command times out faster than that (commandTimeout, see redis.ts).
 */

/** KEYS[1] lease; ARGV owner, ttlMs. 1 when the owner holds the lease afterwards. */
const ACQUIRE = defineScript(`
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`);

/** KEYS[1] lease; ARGV owner, ttlMs. 1 when still the owner (and extended). */
const RENEW = defineScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`);

/** KEYS[1] lease; ARGV owner. 1 when it was this owner's and is gone now. */
const RELEASE = defineScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`);

export interface LeasesOptions {
  /** Prepended to every lease key (after the connection's key prefix). @default 'lease:' */
  namespace?: string;
  /** @default a random UUID */
  owner?: string;
}

/** Every call rejects when Redis cannot be reached (the command connection fails fast). */
export class Leases {
  readonly owner: string;
  readonly #redis: Redis;
  readonly #namespace: string;

  constructor(redis: Redis, options: LeasesOptions = {}) {
    this.#redis = redis;
    this.#namespace = options.namespace ?? 'lease:';
    this.owner = options.owner ?? randomUUID();
  }

  /** SET NX PX, or an extension when this owner holds it already. */
  async tryAcquire(key: string, ttlMs: number): Promise<boolean> {
    return (await ACQUIRE(this.#redis, [this.#namespace + key], [this.owner, wholeMs(ttlMs)])) === 1;
  }

  /** Extends the lease only while this owner holds it; false when it expired or another owner has it. */
  async renew(key: string, ttlMs: number): Promise<boolean> {
    return (await RENEW(this.#redis, [this.#namespace + key], [this.owner, wholeMs(ttlMs)])) === 1;
  }

  /** Frees the lease if this owner holds it, so another instance can take it at once; true when it did. */
  async release(key: string): Promise<boolean> {
    return (await RELEASE(this.#redis, [this.#namespace + key], [this.owner])) === 1;
  }

  /** The current owner's token, or null (tests, diagnostics). */
  holder(key: string): Promise<string | null> {
    return this.#redis.get(this.#namespace + key);
  }
}

function wholeMs(ms: number): number {
  if (!Number.isFinite(ms) || ms < 1) throw new RangeError(`lease ttl must be at least 1 ms, got ${ms}`);
  return Math.ceil(ms);
}

export type LeaseLossReason =
  /** Renewal found another owner, or no lease at all (it expired, or Redis lost its data) and another took it. */
  | 'taken'
  /** Redis did not answer: the lease may still exist, but it can no longer be relied on. */
  | 'unavailable';

export interface LeaseKeeperOptions {
  leases: Leases;
  key: string;
  ttlMs: number;
  /** How often a held lease is renewed. @default ttlMs / 3 */
  renewEveryMs?: number;
  /** How often a lease not held (someone else has it, or Redis is down) is tried again. @default ttlMs / 3 */
  retryEveryMs?: number;
  /** This process holds the lease now: start the work. */
  onAcquired?: () => void;
  /** This process no longer holds the lease: stop the work. The keeper goes on trying to get it back. */
  onLost?: (reason: LeaseLossReason, error?: Error) => void;
}

/**
 * Holds one lease while some work lives: tries to acquire it, renews it every ttl/3 while it is held, reports its
 * loss (`onLost`) at the first renewal that fails or finds another owner, keeps retrying (`onAcquired` again when it
 * is back), and releases it on `stop()`. Callbacks never overlap and none comes after `stop()`.
 *
 * Fits RunObservers: start a keeper when a run gets its first subscriber or stream; poll only between `onAcquired`
 * and `onLost`; `stop()` when the run goes idle or reaches a terminal state. Non-holders read the run from the run
 * state store and the pubsub.
 */
export class LeaseKeeper {
  readonly key: string;
  readonly #options: LeaseKeeperOptions;
  readonly #renewEveryMs: number;
  readonly #retryEveryMs: number;
  #held = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;
  #started: Promise<boolean> | undefined;

  constructor(options: LeaseKeeperOptions) {
    this.#options = options;
    this.key = options.key;
    this.#renewEveryMs = options.renewEveryMs ?? options.ttlMs / 3;
    this.#retryEveryMs = options.retryEveryMs ?? options.ttlMs / 3;
  }

  get held(): boolean {
    return this.#held;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Makes the first attempt and resolves whether it got the lease; then keeps renewing or retrying until `stop()`. */
  start(): Promise<boolean> {
    this.#started ??= this.#run().then(() => this.#held);
    return this.#started;
  }

  /** Stops renewing and retrying; releases the lease if held (a Redis error here is swallowed: the lease expires anyway). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#tick;
    if (!this.#held) return;
    this.#held = false;
    await this.#options.leases.release(this.key).catch(() => false);
  }

  #run(): Promise<void> {
    // A callback that throws is the caller's bug; from a timer it would become an unhandled rejection (a crash).
    this.#tick = this.#attempt().catch(() => undefined).finally(() => {
      this.#tick = undefined;
      if (this.#stopped) return;
      this.#timer = setTimeout(() => void this.#run(), this.#held ? this.#renewEveryMs : this.#retryEveryMs);
      this.#timer.unref();
    });
    return this.#tick;
  }

  async #attempt(): Promise<void> {
    const { leases, key, ttlMs } = this.#options;
    if (this.#held) {
      let renewed: boolean;
      try {
        renewed = await leases.renew(key, ttlMs);
        // Gone without another owner (it expired while this process stalled, or Redis restarted empty):
        // taking it back is safe, nobody else worked meanwhile.
        if (!renewed) renewed = await leases.tryAcquire(key, ttlMs);
      } catch (error) {
        this.#lose('unavailable', asError(error));
        return;
      }
      if (!renewed) this.#lose('taken');
      return;
    }
    let acquired = false;
    try {
      acquired = await leases.tryAcquire(key, ttlMs);
    } catch {
      // Redis down: the next retry will tell.
    }
    if (acquired && !this.#stopped) {
      this.#held = true;
      this.#options.onAcquired?.();
    } else if (acquired) {
      // stop() came while acquiring: give it back.
      await leases.release(key).catch(() => false);
    }
  }

  #lose(reason: LeaseLossReason, error?: Error): void {
    this.#held = false;
    if (!this.#stopped) this.#options.onLost?.(reason, error);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
