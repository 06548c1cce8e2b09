import { overloaded } from './http-errors.js';

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
}

interface Waiting {
  start: () => void;
  shed: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The bound on upstream requests in flight, with a bounded queue in front of it: a request that finds the queue
 * full, or that would start too late to finish before its deadline, fails at once with UPSTREAM_UNAVAILABLE
 * (`reason: overloaded`) instead of waiting without end behind a hung upstream. Nothing it sheds was sent.
 */
export class AdmissionGate {
  readonly #maxConcurrency: number;
  readonly #maxQueue: number;
  readonly #onShed: ((reason: ShedReason) => void) | undefined;
  readonly #queue: Waiting[] = [];
  #active = 0;

  constructor(options: AdmissionOptions) {
    this.#maxConcurrency = options.maxConcurrency;
    this.#maxQueue = options.maxQueue;
    this.#onShed = options.onShed;
  }

  /** Tasks running now. */
  get active(): number {
    return this.#active;
  }

  /** Tasks waiting for a slot now. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Runs `task` when a slot is free. `startBy` (ms from now): it must start within this long or it is shed;
   * `signal`: a caller that gives up while waiting leaves the queue with the signal's reason.
   */
  run<T>(task: () => Promise<T>, startBy: number, signal?: AbortSignal): Promise<T> {
    if (this.#active < this.#maxConcurrency && this.#queue.length === 0) return this.#start(task);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#queue.length >= this.#maxQueue || startBy <= 0) return Promise.reject(this.#shed(startBy <= 0 ? 'deadline' : 'queue_full'));
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
    this.#active += 1;
    try {
      return await task();
    } finally {
      this.#active -= 1;
      const next = this.#queue.shift();
      if (next) {
        clearTimeout(next.timer);
        next.start();
      }
    }
  }
}
