/**
 * A push-to-pull bridge: a producer pushes events as they happen, one consumer iterates them.
 * Events wait in order until read. `return()` (a consumer that stops, e.g. a client that went
 * away) ends the iteration at once, even while a read is pending, and calls `onDetach` once.
 */
export class EventChannel<T> implements AsyncIterableIterator<T> {
  private readonly buffered: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private ended = false;
  private detached = false;

  constructor(private readonly onDetach: () => void = () => {}) {}

  get closed(): boolean {
    return this.ended;
  }

  push(event: T): void {
    if (this.ended) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: event, done: false });
    } else {
      this.buffered.push(event);
    }
  }

  /** No more events: the consumer reads what is buffered, then the end. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.detach();
    if (this.waiting && this.buffered.length === 0) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    const event = this.buffered.shift();
    if (event !== undefined) return Promise.resolve({ value: event, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.buffered.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private detach(): void {
    if (this.detached) return;
    this.detached = true;
    this.onDetach();
  }
}
