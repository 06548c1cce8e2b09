export type BreakerState = 'closed' | 'open' | 'half-open';

/** One change of the breaker's state (`at`: ms since the epoch, on the breaker's clock). */
export interface BreakerChange {
  state: BreakerState;
  previous: BreakerState;
  at: number;
}

/**
 * A circuit breaker on the upstream: after `threshold` failed attempts in a row (5xx, timeouts, network
 * errors; never 4xx or 429, which say the upstream is up), requests fail fast for `cooldownMs`; then one
 * probe is let through, and its outcome closes the circuit or opens it again. Written here rather than
 * with opossum because the client already has attempts and outcomes; only the counting is needed.
 *
 * `onChange` hears each transition once: open, half-open (when the cooldown ends, by a timer, so listeners may
 * probe then), closed.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #now: () => number;
  readonly #onChange: ((change: BreakerChange) => void) | undefined;
  #failures = 0;
  #openUntil = 0;
  #probing = false;
  #reported: BreakerState = 'closed';
  #halfOpenTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: { threshold: number; cooldownMs: number; now?: () => number; onChange?: (change: BreakerChange) => void }) {
    this.#threshold = options.threshold;
    this.#cooldownMs = options.cooldownMs;
    this.#now = options.now ?? Date.now;
    this.#onChange = options.onChange;
  }

  get state(): BreakerState {
    if (this.#failures < this.#threshold) return 'closed';
    return this.#now() < this.#openUntil ? 'open' : 'half-open';
  }

  /** Whether an attempt may go upstream now (in half-open state: the one probe). */
  allow(): boolean {
    const state = this.#report();
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
    this.#report();
  }

  failed(): void {
    this.#failures += 1;
    this.#probing = false;
    if (this.#failures >= this.#threshold) {
      this.#openUntil = this.#now() + this.#cooldownMs;
      if (this.#report() === 'open' && this.#onChange) {
        clearTimeout(this.#halfOpenTimer);
        // +1: the clock must have passed openUntil when it fires.
        this.#halfOpenTimer = setTimeout(() => this.#report(), this.#cooldownMs + 1);
        this.#halfOpenTimer.unref?.();
      }
    }
  }

  /** An answer that says nothing about the upstream's health (4xx, 429, a caller's abort). */
  neutral(): void {
    this.#probing = false;
  }

  /** The current state, telling the listener when it differs from the last one told. */
  #report(): BreakerState {
    const state = this.state;
    if (state !== this.#reported) {
      const previous = this.#reported;
      this.#reported = state;
      if (state !== 'open') clearTimeout(this.#halfOpenTimer);
      this.#onChange?.({ state, previous, at: this.#now() });
    }
    return state;
  }
}

/** Which attempt outcomes count against the upstream. */
export function isUpstreamFailure(status: number | undefined): boolean {
  return status === undefined || status >= 500;
}
