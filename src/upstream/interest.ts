import { setMaxListeners } from 'node:events';

/**
 * Which clients still want an operation's answer: the one that started it and any that joined it later (identical
 * queries sharing one execution). Its signal aborts only when every one of them has gone, so reads made for a shared
 * execution are cancelled upstream only when nobody waits for them.
 */
export class ClientInterest {
  private readonly controller = new AbortController();
  private remaining = 0;
  private forever = false;

  constructor(first: AbortSignal) {
    // Every upstream GET of the operation listens to this signal: many listeners are expected, not a leak.
    setMaxListeners(0, this.controller.signal);
    this.add(first);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Another client waits for the same answer; `undefined`: one that cannot go away (no signal). */
  add(signal: AbortSignal | undefined): void {
    if (this.controller.signal.aborted) return;
    if (!signal) {
      this.forever = true;
      return;
    }
    if (signal.aborted) {
      if (this.remaining === 0 && !this.forever) this.controller.abort(signal.reason);
      return;
    }
    this.remaining += 1;
    signal.addEventListener(
      'abort',
      () => {
        this.remaining -= 1;
        if (this.remaining === 0 && !this.forever) this.controller.abort(signal.reason);
      },
      { once: true },
    );
  }
}
