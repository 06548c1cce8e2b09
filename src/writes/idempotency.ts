import { createHash, randomUUID } from 'node:crypto';

/**
 * Idempotency keys for mutations.
 *
 * A key is remembered, per scope, for `ttlMs` from its first use, together with a fingerprint of the request it came
 * with and, once finished, the outcome. Semantics (see also `runWrite`):
 * - first use: the caller owns the key (`new`) and sends the write; concurrent uses of the same key wait for it
 *   (`in_flight`) and get the same outcome, so there is exactly one upstream POST;
 * - a repeat after success gets the stored result (`done`), with no upstream call;
 * - a failure the upstream definitely did not apply (it answered 4xx: invalid, conflict, not found, rate limited)
 *   is handed to the waiters and then the key is *released*: a later repeat is sent again, which is safe;
 * - a failure whose effect is unknown (timeout, dropped connection, 5xx: the POST may have created the run) is
 *   *stored* like a result: every repeat within the TTL gets the same error and nothing is sent, since a resend
 *   could create a second run. The client checks the thread and retries with a new key if the write did not happen;
 * - the same key with a different request → `mismatch`.
 *
 * Everything stored is JSON, and each operation is one atomic step on one key, so a Redis implementation maps
 * one to one: `begin` = SET key {fingerprint, state: in_flight, token} NX PX ttl (else GET); `complete` = a
 * compare-token-and-set script; `release` = compare-token-and-delete plus a PUBLISH of the outcome for waiters, which
 * otherwise poll the key. An in-flight entry there also needs a lease (the owner's process may die): when it lapses
 * the outcome is unknown, so it should turn into a stored "outcome unknown" error rather than free the key.
 */

/** A GraphQL error as stored: its message and extensions (code, requestId, …). */
export interface StoredError {
  message: string;
  extensions: Record<string, unknown>;
}

export type WriteOutcome<T = unknown> = { ok: true; value: T } | { ok: false; error: StoredError };

export type BeginResult<T = unknown> =
  /** The caller owns the key: send the write, then `complete` or `release` with this token. */
  | { kind: 'new'; token: string }
  /** Finished earlier within the TTL. */
  | { kind: 'done'; outcome: WriteOutcome<T> }
  /** Another caller is sending the same request now; resolves with its outcome. */
  | { kind: 'in_flight'; wait: Promise<WriteOutcome<T>> }
  /** The key was used for a different request. */
  | { kind: 'mismatch' };

export interface IdempotencyStore {
  begin<T = unknown>(key: string, fingerprint: string, ttlMs: number): Promise<BeginResult<T>>;
  /** Records the outcome for repeats until the key expires, and hands it to the waiters. */
  complete<T = unknown>(key: string, token: string, outcome: WriteOutcome<T>): Promise<void>;
  /** Hands `outcome` to the current waiters, then forgets the key, so the next use is sent again. */
  release<T = unknown>(key: string, token: string, outcome: WriteOutcome<T>): Promise<void>;
  close(): Promise<void>;
}

/** The store key: scoped by subject (the caller's identity once there is auth) and mutation name. */
export function idempotencyStoreKey(parts: { mutation: string; key: string; subject?: string | undefined }): string {
  return `idem:${encodeURIComponent(parts.subject ?? 'anonymous')}:${parts.mutation}:${encodeURIComponent(parts.key)}`;
}

/**
 * A stable hash of what a mutation will do: its name and its normalised request (ids resolved to upstream ids,
 * object keys sorted, undefined dropped; the idempotencyKey and clientMutationId are not part of it).
 */
export function requestFingerprint(mutation: string, request: unknown): string {
  return createHash('sha256').update(mutation).update('\u0000').update(stableJson(request)).digest('base64url');
}

/** JSON with object keys sorted at every level; undefined members dropped, as JSON.stringify does. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, member: unknown) => {
    if (member && typeof member === 'object' && !Array.isArray(member)) {
      return Object.fromEntries(Object.keys(member).sort().map((name) => [name, (member as Record<string, unknown>)[name]]));
    }
    return member;
  }) ?? 'undefined';
}

export interface MemoryIdempotencyStoreOptions {
  /** Bound on remembered keys: past it, the oldest finished keys are evicted first (in-flight keys never are). */
  maxKeys?: number;
  /** Bound on the bytes of remembered outcomes (their JSON) with their keys: past it, the oldest finished keys go first. @default 64 MiB */
  maxBytes?: number;
  /** Clock, injectable for tests. @default Date.now */
  now?: () => number;
  /** Expired keys are swept on this interval (an unref'd timer); 0 turns the timer off (`sweep()` still works). @default 60_000 */
  sweepIntervalMs?: number;
}

type Entry =
  | { state: 'in_flight'; fingerprint: string; expiresAt: number; token: string; settle: (outcome: WriteOutcome) => void; settled: Promise<WriteOutcome> }
  | { state: 'done'; fingerprint: string; expiresAt: number; outcome: string };

export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private readonly maxKeys: number;
  private readonly maxBytes: number;
  private bytes = 0;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout | undefined;
  /** Finished keys dropped before their expiry to stay within `maxKeys`. */
  evictions = 0;

  constructor(options: MemoryIdempotencyStoreOptions = {}) {
    this.maxKeys = options.maxKeys ?? 10_000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.now = options.now ?? Date.now;
    const interval = options.sweepIntervalMs ?? 60_000;
    if (interval > 0) {
      this.timer = setInterval(() => this.sweep(), interval);
      this.timer.unref();
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes of the finished outcomes kept (JSON length, with their keys). */
  get storedBytes(): number {
    return this.bytes;
  }

  async begin<T = unknown>(key: string, fingerprint: string, ttlMs: number): Promise<BeginResult<T>> {
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry && (entry.state === 'in_flight' || entry.expiresAt > now)) {
      if (entry.fingerprint !== fingerprint) return { kind: 'mismatch' };
      if (entry.state === 'in_flight') return { kind: 'in_flight', wait: entry.settled as Promise<WriteOutcome<T>> };
      return { kind: 'done', outcome: JSON.parse(entry.outcome) as WriteOutcome<T> };
    }
    if (entry) this.remove(key);
    this.makeRoom();
    let settle!: (outcome: WriteOutcome) => void;
    const settled = new Promise<WriteOutcome>((resolve) => {
      settle = resolve;
    });
    const token = randomUUID();
    this.entries.set(key, { state: 'in_flight', fingerprint, expiresAt: now + ttlMs, token, settle, settled });
    return { kind: 'new', token };
  }

  async complete<T = unknown>(key: string, token: string, outcome: WriteOutcome<T>): Promise<void> {
    const entry = this.owned(key, token);
    if (!entry) return;
    // Stored as JSON (as Redis would): callers never share or mutate one object.
    const json = JSON.stringify(outcome);
    this.entries.set(key, { state: 'done', fingerprint: entry.fingerprint, expiresAt: entry.expiresAt, outcome: json });
    this.bytes += key.length + json.length;
    entry.settle(JSON.parse(json) as WriteOutcome);
    if (this.bytes > this.maxBytes) this.evictOldestDone(() => this.bytes <= this.maxBytes);
  }

  async release<T = unknown>(key: string, token: string, outcome: WriteOutcome<T>): Promise<void> {
    const entry = this.owned(key, token);
    if (!entry) return;
    this.entries.delete(key);
    entry.settle(JSON.parse(JSON.stringify(outcome)) as WriteOutcome);
  }

  /** Drops expired finished keys; returns how many. */
  sweep(): number {
    const now = this.now();
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (entry.state === 'done' && entry.expiresAt <= now) {
        this.remove(key);
        removed += 1;
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
  }

  private owned(key: string, token: string): Extract<Entry, { state: 'in_flight' }> | undefined {
    const entry = this.entries.get(key);
    return entry?.state === 'in_flight' && entry.token === token ? entry : undefined;
  }

  private makeRoom(): void {
    if (this.entries.size < this.maxKeys) return;
    this.sweep();
    this.evictOldestDone(() => this.entries.size < this.maxKeys);
  }

  /** Map order is first-use order, so the oldest finished keys go first; in-flight keys never do. */
  private evictOldestDone(enough: () => boolean): void {
    for (const [key, entry] of this.entries) {
      if (enough()) return;
      if (entry.state === 'done') {
        this.remove(key);
        this.evictions += 1;
      }
    }
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry?.state === 'done') this.bytes -= key.length + entry.outcome.length;
    this.entries.delete(key);
  }
}
