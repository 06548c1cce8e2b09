/** A cached answer and when the request that produced it began (ms since the epoch). */
export interface CachedAnswer<V> {
  startedAt: number;
  value: V;
}

export interface ReadCacheOptions {
  /** Bound in answers; past it, expired answers go, then the oldest. @default 10000 */
  maxEntries?: number;
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
  readonly #answers = new Map<string, CachedAnswer<V>>();
  /** The longest age any reader accepts: older answers serve nobody and go first when the cache is full. */
  #longestMaxAgeMs = 0;
  #generation = 0;

  constructor(options: ReadCacheOptions = {}) {
    this.now = options.now ?? Date.now;
    this.#maxEntries = options.maxEntries ?? 10_000;
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
    this.#answers.delete(key);
    this.#answers.set(key, answer);
    if (this.#answers.size <= this.#maxEntries) return;
    for (const [entryKey, entry] of this.#answers) if (answer.startedAt - entry.startedAt >= this.#longestMaxAgeMs) this.#answers.delete(entryKey);
    // Still full of fresh answers: the oldest go first (a Map iterates in insertion order).
    for (const entryKey of this.#answers.keys()) {
      if (this.#answers.size <= this.#maxEntries) break;
      this.#answers.delete(entryKey);
    }
  }

  /** Forgets every answer whose key starts with `prefix`, and bumps the generation. */
  invalidate(prefix: string): void {
    this.#generation += 1;
    for (const key of this.#answers.keys()) if (key.startsWith(prefix)) this.#answers.delete(key);
  }

  /** Counts invalidations: anything read while it stayed the same saw no write. */
  get generation(): number {
    return this.#generation;
  }

  get size(): number {
    return this.#answers.size;
  }
}
