/**
 * A queue that several pubsub topics feed in publish order: `listen` registers a listener at once, so nothing
 * published between subscribing and the first read is lost, and closing the queue removes its listeners.
 */
export class EventQueue<T> {
  // Arrays made to size (a literal, a spread): one queue is held per subscriber, and `push` would reserve 17 slots.
  #items: T[] = [];
  #wake: (() => void) | undefined;
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
    if (this.#items.length === 0) this.#items = [item];
    else this.#items.push(item);
    this.#wake?.();
  }

  /** Ends the queue with an error: `next` throws it once the items before it are taken. */
  fail(error: unknown): void {
    if (this.#closed) return;
    this.#error = error;
    this.close();
  }

  /** The next item, or undefined once closed and drained. */
  async next(): Promise<T | undefined> {
    for (;;) {
      if (this.#items.length > 0) return this.#items.shift();
      if (this.#error !== undefined) throw this.#error;
      if (this.#closed) return undefined;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const stops = this.#stops;
    this.#stops = [];
    for (const stop of stops) stop();
    this.#wake?.();
  }
}
