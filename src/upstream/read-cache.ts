/** A cached answer and when the request that produced it began (ms since the epoch). */
export interface CachedAnswer<V> {
  startedAt: number;
  value: V;
}

interface Kept<V> extends CachedAnswer<V> {
  bytes: number;
}

export interface ReadCacheOptions<V> {
  /** Bound in answers; past it, expired answers go, then the oldest. @default 10000 */
  maxEntries?: number;
  /** Bound in the answers' bytes, in total; past it, as past `maxEntries`. @default 64 MiB */
  maxBytes?: number;
  /** An answer larger than this is served to its readers but not kept. @default 4 MiB */
  maxAnswerBytes?: number;
  /** The size of an answer, as the bytes bounds count it. @default 0 (only `maxEntries` bounds the cache) */
  sizeOf?: (value: V) => number;
  /** The clock (tests inject one instead of waiting). @default Date.now */
  now?: () => number;
}

/**
 * Answers of recent GETs by URL. Only answers are kept, never failures; each reader decides how old an answer it
 * accepts, counted from when its GET began. Every invalidation bumps `generation`, so an answer whose GET began
 * before a write (which may hold the old state) is not kept.
 */
export class ReadCache<V> {
  readonly now: () => number;
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #maxAnswerBytes: number;
  readonly #sizeOf: (value: V) => number;
  readonly #answers = new Map<string, Kept<V>>();
  #bytes = 0;
  /** The longest age any reader accepts: older answers serve nobody and go first when the cache is full. */
  #longestMaxAgeMs = 0;
  #generation = 0;

  constructor(options: ReadCacheOptions<V> = {}) {
    this.now = options.now ?? Date.now;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.#maxAnswerBytes = options.maxAnswerBytes ?? 4 * 1024 * 1024;
    this.#sizeOf = options.sizeOf ?? (() => 0);
  }

  /** The answer for `key` that began less than `maxAgeMs` before `at`, if any. */
  get(key: string, maxAgeMs: number, at: number = this.now()): CachedAnswer<V> | undefined {
    if (maxAgeMs > this.#longestMaxAgeMs) this.#longestMaxAgeMs = maxAgeMs;
    const hit = this.#answers.get(key);
    return hit && at - hit.startedAt < maxAgeMs ? hit : undefined;
  }

  /** Keeps an answer, unless an invalidation happened since its GET began (`generation` then). */
  set(key: string, answer: CachedAnswer<V>, generation: number): void {
    if (generation !== this.#generation) return;
    this.#delete(key);
    const bytes = this.#sizeOf(answer.value);
    if (bytes > this.#maxAnswerBytes) return;
    this.#answers.set(key, { ...answer, bytes });
    this.#bytes += bytes;
    if (!this.#full()) return;
    for (const [entryKey, entry] of this.#answers) if (answer.startedAt - entry.startedAt >= this.#longestMaxAgeMs) this.#delete(entryKey);
    // Still full of fresh answers: the oldest go first (a Map iterates in insertion order).
    for (const entryKey of this.#answers.keys()) {
      if (!this.#full()) break;
      this.#delete(entryKey);
    }
  }

  #full(): boolean {
    return this.#answers.size > this.#maxEntries || this.#bytes > this.#maxBytes;
  }

  #delete(key: string): void {
    const kept = this.#answers.get(key);
    if (!kept) return;
    this.#answers.delete(key);
    this.#bytes -= kept.bytes;
  }

  /** Forgets every answer whose key starts with `prefix`, and bumps the generation. */
  invalidate(prefix: string): void {
    this.#generation += 1;
    for (const key of this.#answers.keys()) if (key.startsWith(prefix)) this.#delete(key);
  }

  /** Counts invalidations: anything read while it stayed the same saw no write. */
  get generation(): number {
    return this.#generation;
  }

  get size(): number {
    return this.#answers.size;
  }

  /** What the kept answers weigh, as `sizeOf` counts it. */
  get bytes(): number {
    return this.#bytes;
  }
}
