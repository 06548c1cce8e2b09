/** Polls `condition` until it holds; fails the test after `timeoutMs`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A promise with its resolve and reject in hand (a test settles it when it chooses). */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets callbacks already queued (I/O, timers due now, other promises) run: no time passes on purpose. */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Real time that a test can move forward at once (for code that takes a `now`): what would expire after a wait
 * expires on `advance`, while timeouts measured with the same clock keep running as usual.
 */
export function adjustableClock() {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms: number): void {
      offset += ms;
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
