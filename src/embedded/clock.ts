/** A timer a `Clock` armed; only its clock can cancel it. */
export interface ClockTimer {
  readonly clock?: unknown;
}

/**
 * Time as an engine sees it: the current time and one-shot timers. Injected so a durable engine can
 * re-arm a deadline after a restart and tests can advance time instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch, like Date.now(). */
  now(): number;
  /** Calls `fn` once after `ms`; a timer never keeps the process alive. */
  setTimeout(fn: () => void, ms: number): ClockTimer;
  clearTimeout(timer: ClockTimer): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return timer as unknown as ClockTimer;
  },
  clearTimeout(timer) {
    clearTimeout(timer as unknown as NodeJS.Timeout);
  },
};

/** Unix seconds, the unit of every timestamp on both wires. */
export function nowSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}
