import { overloaded } from './http-errors.js';
import type { ClientSignal } from './interest.js';

/** Why a request was shed: the queue was full, or it waited until it could no longer finish before its deadline. */
export type ShedReason = 'queue_full' | 'deadline';

/** setTimeout's longest delay (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** How long a shed caller is asked to wait before trying again. */
export const OVERLOADED_RETRY_AFTER_MS = 1_000;

export interface AdmissionOptions {
  /** Tasks running at once. */
  maxConcurrency: number;
  /** Tasks waiting for a slot at most; one more is shed at once. 0: no waiting. */
  maxQueue: number;
  /** Told of every shed request. */
  onShed?: (reason: ShedReason) => void;
  /** The clock of the wait estimate. @default Date.now */
  now?: () => number;
}

/** Weight of the newest task's duration in the running estimate of how long a task holds its slot. */
const SERVICE_WEIGHT = 0.2;

interface Waiting {
  start: () => void;
  shed: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The bound on upstream requests in flight, with a bounded queue in front of it: a request that finds the queue
 * full, or that would start too late to finish before its deadline, fails at once with UPSTREAM_UNAVAILABLE
 * (`reason: overloaded`) instead of waiting without end behind a hung upstream. Nothing it sheds was sent.
 *
 * "Too late" is estimated on arrival, not only found out when the deadline passes: the wait is the batches ahead of
 * it (its place over the concurrency) times how long a slot is held, which is the larger of the recent tasks'
 * duration and the age of the youngest task running. A healthy upstream answering in milliseconds lets a long queue
 * through (a burst of page loads); a hung one, whose slots are all held and ageing, turns newcomers away at once.
 */
export class AdmissionGate {
  readonly #maxConcurrency: number;
  readonly #maxQueue: number;
  readonly #onShed: ((reason: ShedReason) => void) | undefined;
  readonly #now: () => number;
  readonly #queue: Waiting[] = [];
  /** When each running task started (its size is the count running). */
  readonly #running = new Set<{ startedAt: number }>();
  #serviceMs = 0;

  constructor(options: AdmissionOptions) {
    this.#maxConcurrency = options.maxConcurrency;
    this.#maxQueue = options.maxQueue;
    this.#onShed = options.onShed;
    this.#now = options.now ?? Date.now;
  }

  /** How long a request that joins the queue now is likely to wait for its slot. */
  estimatedWaitMs(): number {
    const now = this.#now();
    let youngestAge = Number.POSITIVE_INFINITY;
    for (const task of this.#running) youngestAge = Math.min(youngestAge, now - task.startedAt);
    const holdMs = Math.max(this.#serviceMs, Number.isFinite(youngestAge) ? youngestAge : 0);
    return Math.ceil((this.#queue.length + 1) / Math.max(1, this.#maxConcurrency)) * holdMs;
  }

  /** Tasks running now. */
  get active(): number {
    return this.#running.size;
  }

  /** Tasks waiting for a slot now. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Runs `task` when a slot is free. `startBy` (ms from now): it must start within this long or it is shed;
   * `signal`: a caller that gives up while waiting leaves the queue with the signal's reason.
   */
  run<T>(task: () => Promise<T>, startBy: number, signal?: ClientSignal): Promise<T> {
    if (this.#running.size < this.#maxConcurrency && this.#queue.length === 0) return this.#start(task);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#queue.length >= this.#maxQueue) return Promise.reject(this.#shed('queue_full'));
    if (startBy <= 0 || this.estimatedWaitMs() > startBy) return Promise.reject(this.#shed('deadline'));
    return new Promise<T>((resolve, reject) => {
      const leave = () => {
        this.#remove(entry);
        reject(signal?.reason);
      };
      const entry: Waiting = {
        start: () => {
          signal?.removeEventListener('abort', leave);
          this.#start(task).then(resolve, reject);
        },
        shed: (error) => {
          signal?.removeEventListener('abort', leave);
          reject(error);
        },
        timer: undefined,
      };
      entry.timer = setTimeout(() => {
        this.#remove(entry);
        entry.shed(this.#shed('deadline'));
      }, Math.min(startBy, MAX_TIMER_MS));
      entry.timer.unref?.();
      signal?.addEventListener('abort', leave, { once: true });
      this.#queue.push(entry);
    });
  }

  #shed(reason: ShedReason): Error {
    this.#onShed?.(reason);
    return overloaded(OVERLOADED_RETRY_AFTER_MS);
  }

  #remove(entry: Waiting): void {
    clearTimeout(entry.timer);
    const index = this.#queue.indexOf(entry);
    if (index >= 0) this.#queue.splice(index, 1);
  }

  async #start<T>(task: () => Promise<T>): Promise<T> {
    const running = { startedAt: this.#now() };
    this.#running.add(running);
    try {
      return await task();
    } finally {
      this.#running.delete(running);
      const heldMs = this.#now() - running.startedAt;
      this.#serviceMs = this.#serviceMs === 0 ? heldMs : (1 - SERVICE_WEIGHT) * this.#serviceMs + SERVICE_WEIGHT * heldMs;
      const next = this.#queue.shift();
      if (next) {
        clearTimeout(next.timer);
        next.start();
      }
    }
  }
}
