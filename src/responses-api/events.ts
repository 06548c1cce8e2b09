/** A streamed event: the spec's ResponseStreamEvent shapes all carry `type` and `sequence_number`. */
export interface StreamEvent {
  type: string;
  sequence_number: number;
  [field: string]: unknown;
}

export interface Follower {
  onEvent: (event: StreamEvent) => void;
  /** The response will send nothing more (it ended, or was cancelled or deleted). */
  onEnd: () => void;
}

/**
 * The events of one response, numbered from 0 in the order they happen. Every stream of the
 * response, the first and each resumed one, reads this log: a reader that starts after N gets
 * N+1, N+2, … and then follows live, so nothing is sent twice or skipped whatever the timing.
 */
export class EventLog {
  private readonly events: StreamEvent[] = [];
  private readonly followers = new Set<Follower>();
  private ended = false;

  get length(): number {
    return this.events.length;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Numbers the event and hands it to every follower. The payload is copied: later changes to the response do not reach it. */
  append(event: { type: string; [field: string]: unknown }): StreamEvent {
    if (this.ended) throw new Error(`event ${event.type} after the end of the log`);
    const numbered: StreamEvent = { ...structuredClone(event), sequence_number: this.events.length };
    this.events.push(numbered);
    for (const follower of [...this.followers]) follower.onEvent(numbered);
    return numbered;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    const followers = [...this.followers];
    this.followers.clear();
    for (const follower of followers) follower.onEnd();
  }

  /** The events with a sequence number above `startingAfter` (-1 for all). */
  after(startingAfter: number): StreamEvent[] {
    return this.events.slice(Math.max(0, startingAfter + 1));
  }

  /**
   * Replays the events after `startingAfter`, then follows new ones until the end. Returns a
   * function that stops following (a client went away). Replay and follow happen in one
   * synchronous block, so no event can fall between them.
   */
  follow(startingAfter: number, follower: Follower): () => void {
    for (const event of this.after(startingAfter)) follower.onEvent(event);
    if (this.ended) {
      follower.onEnd();
      return () => undefined;
    }
    this.followers.add(follower);
    return () => {
      this.followers.delete(follower);
    };
  }
}
