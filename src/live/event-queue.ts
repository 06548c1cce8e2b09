/**
 * A queue that several pubsub topics feed in publish order: `listen` registers a listener at once, so nothing
 * published between subscribing and the first read is lost, and closing the queue removes its listeners.
 * One is held per subscriber and fed for every event: an item published while the reader waits is handed
 * straight to it (one promise per item), and the arrays are made to size; a consumer that `drain`s it is called
 * with each item instead (no promise at all).
 */
export class EventQueue<T> {
  #items: T[] = [];
  /** The reader waiting in `next` (one at a time). */
  #resolve: ((item: T | undefined) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  #closed = false;
  #error: unknown;
  #stops: Array<() => void> = [];
  /** Set by `drain`: items go straight to it as they are pushed, nothing is queued. */
  #consumer: ((item: T) => void) | undefined;
  #onFailed: ((error: unknown) => void) | undefined;

  /** Queues `map(value)` for each value that `subscribe` delivers to its listener; `subscribe` returns the listener's remover. */
  listen<S>(subscribe: (listener: (value: S) => void) => () => void, map: (value: S) => T): void {
    if (this.#closed) return;
    const stop = subscribe((value) => this.push(map(value)));
    this.#stops = this.#stops.length === 0 ? [stop] : [...this.#stops, stop];
  }

  push(item: T): void {
    if (this.#closed) return;
    const consumer = this.#consumer;
    if (consumer !== undefined) {
      consumer(item);
      return;
    }
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
    const onFailed = this.#onFailed;
    this.#resolve = this.#reject = undefined;
    this.close();
    reject?.(error);
    onFailed?.(error);
  }

  /**
   * From now on every item goes to `consumer` as it is pushed, the queued ones first (in order, at once), and an error
   * to `failed`: no promise per item. In place of `next`, never with it. A consumer may close the queue meanwhile, and
   * ignores what it is handed after it ended (an error after its own end, say).
   */
  drain(consumer: (item: T) => void, failed: (error: unknown) => void): void {
    const queued = this.#items;
    this.#items = [];
    const closedBefore = this.#closed;
    for (const item of queued) {
      if (this.#closed && !closedBefore) break;
      consumer(item);
    }
    if (this.#closed) {
      if (this.#error !== undefined) failed(this.#error);
      return;
    }
    this.#consumer = consumer;
    this.#onFailed = failed;
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
    this.#consumer = this.#onFailed = undefined;
    const stops = this.#stops;
    this.#stops = [];
    for (const stop of stops) stop();
    const resolve = this.#resolve;
    this.#resolve = this.#reject = undefined;
    resolve?.(undefined);
  }
}
