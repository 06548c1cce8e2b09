import { setMaxListeners } from 'node:events';
import { createPubSub, type PubSub, type PubSubEventTarget } from 'graphql-yoga';
import type { Schemas } from '../spec/index.js';
import type { ViewerThreadEvent } from './viewer-threads.js';

export type RunWire = Schemas['RunObject'];

/** A run as one observer saw it, numbered so that a subscriber can drop what it has already seen. */
export interface RunSnapshot {
  run: RunWire;
  /** Increases with every change the observer publishes for this run. */
  version: number;
  /** Set when the run disappeared upstream (its thread was deleted): subscribers end with NOT_FOUND. */
  gone?: boolean;
  /**
   * Set on a re-send of the last known state because the upstream stopped answering the poller that feeds it:
   * not a new version and never stored. The next snapshot without it (a new version, or the same one published
   * again) says the upstream answers again.
   */
  stale?: true;
}

export interface MessageDeltaEvent {
  messageId: string;
  /** Text produced since the previous delta (text content parts only). */
  text: string;
  index: number;
}

export type LiveTopics = {
  runUpdated: [runKey: string, snapshot: RunSnapshot];
  threadRunUpdated: [threadId: string, snapshot: RunSnapshot];
  runMessageDelta: [runKey: string, delta: MessageDeltaEvent | { done: true }];
  /** A write went through some instance: every instance drops its cached upstream answers under this path. */
  upstreamInvalidated: [scope: 'all', pathPrefix: string];
  /** A thread of the gateway's thread directory was created, saw activity or was deleted (`viewerThreadsUpdated`). */
  viewerThreadUpdated: [topic: string, event: ViewerThreadEvent];
};

export interface LivePubSub extends PubSub<LiveTopics> {
  /**
   * Calls `listener` with every payload published on `routingKey` for `id`, as it is published, until the returned
   * function is called. What a subscription uses: unlike `subscribe`, no iterator and no promise per event.
   */
  listen<K extends keyof LiveTopics>(routingKey: K, id: LiveTopics[K][0], listener: (payload: LiveTopics[K][1]) => void): () => void;
}

/** The transport is the event target: in memory by default, Redis when several instances share runs. */
export function createLivePubSub(eventTarget?: PubSubEventTarget<LiveTopics>): LivePubSub {
  let target = eventTarget;
  if (!target) {
    // Thousands of subscribers of one run are normal here, not a listener leak: no warning past 10.
    const local = new EventTarget();
    setMaxListeners(0, local);
    target = local as PubSubEventTarget<LiveTopics>;
  }
  const pubsub = createPubSub<LiveTopics>({ eventTarget: target });
  const events = target as unknown as {
    addEventListener(topic: string, listener: (event: { detail: unknown }) => void): void;
    removeEventListener(topic: string, listener: (event: { detail: unknown }) => void): void;
  };
  /** One topic string per run, however many subscribers keep it (bounded: forgotten past 10,000 topics). */
  const topics = new Map<string, string>();
  const topicOf = (routingKey: string, id: string): string => {
    const made = `${routingKey}:${id}`;
    const known = topics.get(made);
    if (known !== undefined) return known;
    if (topics.size >= 10_000) topics.clear();
    topics.set(made, made);
    return made;
  };
  /** Topic → its `listen` listeners: one listener on the event target per topic, however many subscribers listen. */
  const listening = new Map<string, TopicListeners>();
  return Object.assign(pubsub, {
    listen<K extends keyof LiveTopics>(routingKey: K, id: LiveTopics[K][0], listener: (payload: LiveTopics[K][1]) => void): () => void {
      // The topic `publish` dispatches on (yoga's createPubSub: `${routingKey}:${id}`).
      const topic = topicOf(routingKey, id);
      let listeners = listening.get(topic);
      if (!listeners) {
        listeners = new TopicListeners();
        listening.set(topic, listeners);
        events.addEventListener(topic, listeners.dispatch);
      }
      const added = listeners;
      added.add(listener as (payload: unknown) => void);
      let removed = false;
      return () => {
        if (removed) return;
        removed = true;
        if (!added.remove(listener as (payload: unknown) => void) || listening.get(topic) !== added) return;
        listening.delete(topic);
        events.removeEventListener(topic, added.dispatch);
      };
    },
  });
}

/**
 * The listeners of one topic, called in the order they came with each event's payload. In place of one event-target
 * listener per subscriber (the target's own record of it, a wrapping closure): 10,000 subscribers of 100 runs cost
 * 100 of those, and an event is one loop over plain calls. A listener added twice is called twice, as before.
 */
class TopicListeners {
  readonly #counts = new Map<(payload: unknown) => void, number>();

  readonly dispatch = (event: { detail: unknown }): void => {
    const payload = event.detail;
    for (const [listener, count] of this.#counts) {
      for (let i = 0; i < count; i++) {
        try {
          listener(payload);
        } catch (error) {
          // As the event target does with a listener that throws: the others still get the event, the error is not lost.
          process.nextTick(() => {
            throw error;
          });
        }
      }
    }
  };

  add(listener: (payload: unknown) => void): void {
    this.#counts.set(listener, (this.#counts.get(listener) ?? 0) + 1);
  }

  /** Whether the topic has no listener left. */
  remove(listener: (payload: unknown) => void): boolean {
    const count = this.#counts.get(listener);
    if (count === undefined) return this.#counts.size === 0;
    if (count > 1) this.#counts.set(listener, count - 1);
    else this.#counts.delete(listener);
    return this.#counts.size === 0;
  }
}
