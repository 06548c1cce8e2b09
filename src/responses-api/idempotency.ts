import { createHash } from 'node:crypto';
import type { Clock } from '../embedded/clock.js';
import { ApiError } from '../embedded/errors.js';

/** How long a key is remembered, as payment APIs do: long enough for any retry after a crash. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** Keeps a long-running server bounded; the oldest keys go first. */
const KEY_LIMIT = 10_000;

interface Kept<T> {
  bodyHash: string;
  at: number;
  result: Promise<T>;
}

/**
 * `Idempotency-Key` on POST: the same key with the same body answers what the first request made (even while the
 * first is still being made), never a second object; the same key with another body is a 400. What a client that
 * lost an answer (timeout, reset connection) relies on to send again safely.
 */
export class IdempotencyKeys {
  readonly #kept = new Map<string, Kept<unknown>>();

  constructor(private readonly clock: Clock) {}

  /** `make()`'s result for a new key; the first result again for a known one. */
  async once<T>(route: string, key: string | undefined, body: unknown, make: () => Promise<T>): Promise<T> {
    if (!key) return make();
    const slot = `${route} ${key}`;
    const bodyHash = createHash('sha256').update(JSON.stringify(body ?? null)).digest('base64url');
    const now = this.clock.now();
    const kept = this.#kept.get(slot);
    if (kept && now - kept.at < IDEMPOTENCY_TTL_MS) {
      if (kept.bodyHash !== bodyHash) {
        throw new ApiError(400, `Idempotency-Key '${key}' was already used with a different request body.`, 'invalid_request_error', 'Idempotency-Key', 'idempotency_key_reused');
      }
      return kept.result as Promise<T>;
    }
    const result = make();
    this.#kept.set(slot, { bodyHash, at: now, result });
    if (this.#kept.size > KEY_LIMIT) this.#kept.delete(this.#kept.keys().next().value!);
    // A refused request made nothing: its key may be used again.
    result.catch(() => this.#kept.delete(slot));
    return result;
  }
}
