/**
 * Where a subscription source's events go when they are pushed rather than pulled: called in order, synchronously
 * from the publish that carried them, one at a time; `failed` or `ended` once, last. A sink does not throw.
 */
export interface EventSink<T> {
  event(value: T): void;
  /** The source failed (an unknown run, the transport down, the server going away). It is closed already. */
  failed(error: unknown): void;
  ended(): void;
}

/**
 * `source[pushEvents](sink)` hands every event of a subscription source to `sink` as it is published, in place of
 * the reader's `next()` per event (a promise per event and subscriber, and one per hop of the chain above it).
 * Once it is called, `next()` is not; `return()` still ends the source, and the sink hears nothing after that.
 * Only some sources have it (`runUpdated`'s); a reader that finds it may use it, others read the iterator.
 */
export const pushEvents: unique symbol = Symbol('pushEvents');

export interface PushableEvents<T> extends AsyncIterator<T> {
  [pushEvents](sink: EventSink<T>): void;
}

export const isPushableEvents = (value: unknown): value is PushableEvents<unknown> => typeof (value as Partial<PushableEvents<unknown>> | null)?.[pushEvents] === 'function';
