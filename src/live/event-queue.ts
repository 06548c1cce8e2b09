/**
 * A queue that several pubsub topics feed in publish order. A yoga pubsub subscription (a Repeater)
 * only listens once it is iterated, so `feed` starts iterating at once: nothing published between
 * subscribing and the first read is lost.
 */
export class EventQueue<T> {
  readonly #items: T[] = [];
  #wake: (() => void) | undefined;
  #closed = false;
  #error: unknown;
  readonly #sources: Array<AsyncIterator<unknown>> = [];

  feed<S>(source: AsyncIterableIterator<S>, map: (value: S) => T): void {
    this.#sources.push(source);
    void (async () => {
      try {
        for await (const value of source) this.push(map(value));
      } catch {
        this.close();
      }
    })();
  }

  push(item: T): void {
    if (this.#closed) return;
    this.#items.push(item);
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
    for (const source of this.#sources) void source.return?.();
    this.#wake?.();
  }
}
