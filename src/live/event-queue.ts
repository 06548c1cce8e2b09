/**
 * A queue that several pubsub topics feed in publish order: `listen` registers a listener at once, so nothing
 * published between subscribing and the first read is lost, and closing the queue removes its listeners.
 * One is held per subscriber and fed for every event: an item published while the reader waits is handed
 * straight to it (one promise per item), and the arrays are made to size.
 */
export class EventQueue<T> {
  #items: T[] = [];
  /** The reader waiting in `next` (one at a time). */
  #resolve: ((item: T | undefined) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  #closed = false;
  #error: unknown;
  #stops: Array<() => void> = [];

  /** Queues `map(value)` for each value that `subscribe` delivers to its listener; `subscribe` returns the listener's remover. */
  listen<S>(subscribe: (listener: (value: S) => void) => () => void, map: (value: S) => T): void {
    if (this.#closed) return;
    const stop = subscribe((value) => this.push(map(value)));
    this.#stops = this.#stops.length === 0 ? [stop] : [...this.#stops, stop];
  }

  push(item: T): void {
    if (this.#closed) return;
    const resolve = this.#resolve;
    if (resolve) {
      this.#resolve = this.#reject = undefined;
      resolve(item);
    } else if (this.#items.length === 0) this.#items = [item];
    else this.#items.push(item);
  }

  /** Ends the queue with an error: `next` throws it once the items before it are taken. */
  fail(error: unknown): void {
    if (this.#closed) return;
    this.#error = error;
    const reject = this.#reject;
    this.#resolve = this.#reject = undefined;
    this.close();
    reject?.(error);
  }

  /** The next item, or undefined once closed and drained. */
  next(): Promise<T | undefined> {
    if (this.#items.length > 0) return Promise.resolve(this.#items.shift());
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise<T | undefined>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const stops = this.#stops;
    this.#stops = [];
    for (const stop of stops) stop();
    const resolve = this.#resolve;
    this.#resolve = this.#reject = undefined;
    resolve?.(undefined);
  }
}
