import type { Clock, ClockTimer } from '../../src/embedded/clock.js';

interface Pending extends ClockTimer {
  at: number;
  order: number;
  fn: () => void;
}

/** 2026-01-01T00:00:00Z: well before any real "now", so timestamps stay in the past whatever a test advances. */
export const MANUAL_CLOCK_START = Date.UTC(2026, 0, 1);

/**
 * A clock that moves only when told: `advance(ms)` fires every timer that falls due on the way,
 * in time order (also timers armed by those timers), so a test steps a run phase by phase.
 */
export class ManualClock implements Clock {
  private time: number;
  private readonly pending = new Set<Pending>();
  private order = 0;

  constructor(start = MANUAL_CLOCK_START) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    const timer: Pending = { clock: this, at: this.time + Math.max(0, ms), order: this.order++, fn };
    this.pending.add(timer);
    return timer;
  }

  clearTimeout(timer: ClockTimer): void {
    this.pending.delete(timer as Pending);
  }

  /** Timers armed and not yet fired. */
  get timers(): number {
    return this.pending.size;
  }

  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const next = this.nextDue(until);
      if (!next) break;
      this.pending.delete(next);
      this.time = next.at;
      next.fn();
    }
    this.time = until;
  }

  private nextDue(until: number): Pending | undefined {
    let next: Pending | undefined;
    for (const timer of this.pending) {
      if (timer.at > until) continue;
      if (!next || timer.at < next.at || (timer.at === next.at && timer.order < next.order)) next = timer;
    }
    return next;
  }
}
