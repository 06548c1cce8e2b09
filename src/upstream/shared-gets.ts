import { PlainSignal, type ClientSignal } from './interest.js';

interface Shared<T> {
  promise: Promise<T>;
  /** Aborts the GET upstream; plain fields, not an AbortController (whose signal and listeners cost µs per GET). */
  upstream: PlainSignal;
  /** Callers still waiting; the GET is aborted upstream when none do. */
  waiting: number;
}

/**
 * Concurrent identical GETs share one upstream call, keyed by URL. A caller that serves a client (a `ClientSignal`)
 * leaves when its client goes away; the last caller to leave aborts the GET upstream.
 */
export class SharedGets<T> {
  readonly #inFlight = new Map<string, Shared<T>>();

  /** The answer of the GET of `url`: the one in flight, or a new one started with `start`. */
  get(url: string, start: (signal: ClientSignal) => Promise<T>, clientSignal: ClientSignal | undefined): Promise<T> {
    let shared = this.#inFlight.get(url);
    if (!shared) {
      const upstream = new PlainSignal();
      const entry: Shared<T> = { upstream, waiting: 0, promise: start(upstream) };
      shared = entry;
      this.#inFlight.set(url, entry);
      const forget = () => {
        if (this.#inFlight.get(url) === entry) this.#inFlight.delete(url);
      };
      entry.promise.then(forget, forget);
    }
    return join(shared, clientSignal);
  }

  /** A GET that began before a write may answer the old state: later callers under `urlPrefix` start a fresh one. */
  forget(urlPrefix: string): void {
    for (const url of this.#inFlight.keys()) if (url.startsWith(urlPrefix)) this.#inFlight.delete(url);
  }

  /** GETs in flight now. */
  get size(): number {
    return this.#inFlight.size;
  }
}

/** Waits for a shared GET on behalf of one caller. */
function join<T>(shared: Shared<T>, clientSignal: ClientSignal | undefined): Promise<T> {
  shared.waiting += 1;
  if (!clientSignal) return shared.promise;
  return new Promise((resolve, reject) => {
    const leave = () => {
      shared.waiting -= 1;
      if (shared.waiting === 0) shared.upstream.abort();
      reject(clientSignal.reason ?? new DOMException('The client went away.', 'AbortError'));
    };
    if (clientSignal.aborted) return leave();
    clientSignal.addEventListener('abort', leave, { once: true });
    shared.promise.then(
      (value) => {
        clientSignal.removeEventListener('abort', leave);
        resolve(value);
      },
      (error: unknown) => {
        clientSignal.removeEventListener('abort', leave);
        reject(error);
      },
    );
  });
}
