import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RunSnapshot, RunWire } from '../live/pubsub.js';
import { isTerminalRunStatus } from '../live/run-status.js';
import { stableJson } from '../writes/idempotency.js';
import { defineScript } from './script.js';

/**
 * The last known state of each live run, shared by all instances, so that a new subscriber on any instance gets
 * the current state at once without an upstream call, and so that versions survive a change of polling instance.
 *
 * One hash per run (`run:<threadId>/<runId>`): the run's JSON, a fingerprint of it, its version, whether it is
 * terminal, whether it is gone. Every write refreshes the expiry, so the state of a run that is being polled
 * never expires; that of a run nobody watches any more goes away after `ttlMs`.
 *
 * Versions: `advance()` gives a new state the version max(previous + 1, Redis clock in ms), atomically with the
 * comparison against the stored state. So versions
 * - increase with every change whichever instance observed it (the counter lives in Redis, not in a poller);
 * - keep increasing after the state expired or Redis restarted empty (the clock moved on), so a subscriber that
 *   remembers the last version it delivered never takes a newer state for a duplicate;
 * - are not consecutive: subscribers compare them (deliver when greater than the last one delivered, drop the
 *   rest), they never expect +1. About 1.8e12, well within a JS number but not a GraphQL Int: do not expose them
 *   as Int.
 * The same state observed twice (a poller and a mutation's response, two pollers around a lease handover) gets one
 * version: the second `advance()` reports `changed: false` and must not be published. A terminal state is final: a
 * non-terminal state arriving after it (a late response) is ignored.
 */

/**
 * KEYS[1] state; ARGV fingerprint, run JSON, terminal '1'|'0', ttlMs, gone '1'|'0'.
 * Returns {changed 1|0, version, run JSON, gone}.
 */
const ADVANCE = defineScript(`
local cur = redis.call('HMGET', KEYS[1], 'v', 'fp', 't', 's', 'g')
local v = tonumber(cur[1])
if v then
  local same = cur[2] == ARGV[1] and cur[5] == ARGV[5]
  local regress = cur[3] == '1' and ARGV[3] ~= '1' and ARGV[5] ~= '1'
  if same or regress then
    redis.call('PEXPIRE', KEYS[1], ARGV[4])
    return {0, v, cur[4], cur[5]}
  end
end
local time = redis.call('TIME')
local nextVersion = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if v and v + 1 > nextVersion then nextVersion = v + 1 end
redis.call('HSET', KEYS[1], 'v', nextVersion, 'fp', ARGV[1], 't', ARGV[3], 's', ARGV[2], 'g', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {1, nextVersion, ARGV[2], ARGV[5]}
`);

/** KEYS[1] state; ARGV version, fingerprint, run JSON, terminal, ttlMs, gone. 1 when stored (newer than what was there). */
const SET_IF_NEWER = defineScript(`
local v = tonumber(redis.call('HGET', KEYS[1], 'v'))
if v and v >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'fp', ARGV[2], 's', ARGV[3], 't', ARGV[4], 'g', ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`);

export interface RunStateStoreOptions {
  /** Prepended to every state key (after the connection's key prefix). @default 'run:' */
  namespace?: string;
}

export interface AdvanceResult {
  /** The state now stored: the new one with its version, or the stored one when nothing changed. */
  snapshot: RunSnapshot;
  /** False when the state was already known (or older than a terminal one): publish only when true. */
  changed: boolean;
}

/** Every call rejects when Redis cannot be reached (the command connection fails fast). */
export class RunStateStore {
  readonly #redis: Redis;
  readonly #namespace: string;

  constructor(redis: Redis, options: RunStateStoreOptions = {}) {
    this.#redis = redis;
    this.#namespace = options.namespace ?? 'run:';
  }

  /** The last known state of a run (`runKey(threadId, runId)`), or undefined when none is kept. */
  async get(runKey: string): Promise<RunSnapshot | undefined> {
    const [version, json, gone] = await this.#redis.hmget(this.#key(runKey), 'v', 's', 'g');
    if (version === null || json === null || json === undefined) return undefined;
    return snapshotOf(Number(version), json, gone === '1');
  }

  /**
   * Records a state seen by this instance (a poll, a stream event, a mutation's response) and numbers it.
   * `gone` marks a run that disappeared upstream; pass its last known state as `run`.
   */
  async advance(runKey: string, run: RunWire, ttlMs: number, options: { gone?: boolean } = {}): Promise<AdvanceResult> {
    const json = JSON.stringify(run);
    const reply = (await ADVANCE(this.#redis, [this.#key(runKey)], [fingerprint(run), json, isTerminalRunStatus(run.status) ? '1' : '0', wholeMs(ttlMs), options.gone ? '1' : '0'])) as [number, number, string, string];
    const [changed, version, storedJson, gone] = reply;
    return { changed: changed === 1, snapshot: snapshotOf(version, storedJson, gone === '1') };
  }

  /**
   * Stores a snapshot as it is, version included, unless the stored one is as new or newer. True when stored.
   * For snapshots numbered elsewhere (e.g. re-seeding Redis after it restarted empty); new states go through `advance`.
   */
  async set(runKey: string, snapshot: RunSnapshot, ttlMs: number): Promise<boolean> {
    const { run, version, gone } = snapshot;
    if (!Number.isSafeInteger(version) || version < 1) throw new RangeError(`a run state version is a positive integer, got ${version}`);
    const terminal = isTerminalRunStatus(run.status) ? '1' : '0';
    const stored = await SET_IF_NEWER(this.#redis, [this.#key(runKey)], [version, fingerprint(run), JSON.stringify(run), terminal, wholeMs(ttlMs), gone ? '1' : '0']);
    return stored === 1;
  }

  /** Keeps a state for another `ttlMs` without changing it; false when none is kept. */
  async touch(runKey: string, ttlMs: number): Promise<boolean> {
    return (await this.#redis.pexpire(this.#key(runKey), wholeMs(ttlMs))) === 1;
  }

  async delete(runKey: string): Promise<void> {
    await this.#redis.del(this.#key(runKey));
  }

  #key(runKey: string): string {
    return this.#namespace + runKey;
  }
}

/** Whole-object comparison, as RunObservers does, but independent of member order (two instances, two parsers). */
export function fingerprint(run: RunWire): string {
  return createHash('sha256').update(stableJson(run)).digest('base64url');
}

function snapshotOf(version: number, json: string, gone: boolean): RunSnapshot {
  const snapshot: RunSnapshot = { run: JSON.parse(json) as RunWire, version };
  if (gone) snapshot.gone = true;
  return snapshot;
}

function wholeMs(ms: number): number {
  if (!Number.isFinite(ms) || ms < 1) throw new RangeError(`a run state ttl must be at least 1 ms, got ${ms}`);
  return Math.ceil(ms);
}
