/**
 * A circuit breaker on the upstream: after `threshold` failed attempts in a row (5xx, timeouts, network
 * errors; never 4xx or 429, which say the upstream is up), requests fail fast for `cooldownMs`; then one
 * probe is let through, and its outcome closes the circuit or opens it again. Written here rather than
 * with opossum because the client already has attempts and outcomes; only the counting is needed.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #now: () => number;
  #failures = 0;
  #openUntil = 0;
  #probing = false;

  constructor(options: { threshold: number; cooldownMs: number; now?: () => number }) {
    this.#threshold = options.threshold;
    this.#cooldownMs = options.cooldownMs;
    this.#now = options.now ?? Date.now;
  }

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.#failures < this.#threshold) return 'closed';
    return this.#now() < this.#openUntil ? 'open' : 'half-open';
  }

  /** Whether an attempt may go upstream now (in half-open state: the one probe). */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#probing) return false;
    this.#probing = true;
    return true;
  }

  /** Milliseconds until a probe may go, while open. */
  retryInMs(): number {
    return Math.max(0, this.#openUntil - this.#now());
  }

  succeeded(): void {
    this.#failures = 0;
    this.#probing = false;
  }

  failed(): void {
    this.#failures += 1;
    this.#probing = false;
    if (this.#failures >= this.#threshold) this.#openUntil = this.#now() + this.#cooldownMs;
  }

  /** An answer that says nothing about the upstream's health (4xx, 429, a caller's abort). */
  neutral(): void {
    this.#probing = false;
  }
}

/** Which attempt outcomes count against the upstream. */
export function isUpstreamFailure(status: number | undefined): boolean {
  return status === undefined || status >= 500;
}
