import { setMaxListeners } from 'node:events';

/** What the client needs of "the client went away": AbortSignal has this shape, and so has ClientInterest. */
export interface ClientSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * Which clients still want an operation's answer: the one that started it and any that joined it later (identical
 * queries sharing one execution). It counts as gone only when every one of them has gone, so reads made for a
 * shared execution are cancelled upstream only when nobody waits for them.
 *
 * Made once per HTTP request, so it is cheap until needed: no AbortController (its signal is made only when a
 * caller needs a real AbortSignal), and it listens to its clients' signals as a listener object, not a closure each.
 */
export class ClientInterest implements ClientSignal {
  aborted = false;
  reason: unknown = undefined;
  #remaining = 0;
  #forever = false;
  #listeners: Set<() => void> | undefined;
  #controller: AbortController | undefined;

  constructor(first: AbortSignal) {
    this.add(first);
  }

  /** Another client waits for the same answer; `undefined`: one that cannot go away (no signal). */
  add(signal: AbortSignal | undefined): void {
    if (this.aborted) return;
    if (!signal) {
      this.#forever = true;
      return;
    }
    if (signal.aborted) {
      if (this.#remaining === 0 && !this.#forever) this.#abort(signal.reason);
      return;
    }
    this.#remaining += 1;
    signal.addEventListener('abort', this, { once: true });
  }

  /** One of the clients went away (this object is the listener on their signals). */
  handleEvent(event: Event): void {
    this.#remaining -= 1;
    if (this.#remaining === 0 && !this.#forever) this.#abort((event.target as AbortSignal | null)?.reason);
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    (this.#listeners ??= new Set()).add(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    this.#listeners?.delete(listener);
  }

  /** A real AbortSignal that aborts with it (for a request that must be cut off itself, not only left). */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      // Every upstream GET of the operation may listen to it: many listeners are expected, not a leak.
      setMaxListeners(0, this.#controller.signal);
      if (this.aborted) this.#controller.abort(this.reason);
    }
    return this.#controller.signal;
  }

  #abort(reason: unknown): void {
    this.aborted = true;
    this.reason = reason ?? new DOMException('The client went away.', 'AbortError');
    this.#controller?.abort(this.reason);
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }
}

/** The AbortSignal of a client signal, to cut off a request made for that client alone. */
export const abortSignalOf = (signal: ClientSignal): AbortSignal => (signal instanceof ClientInterest ? signal.signal : (signal as AbortSignal));
