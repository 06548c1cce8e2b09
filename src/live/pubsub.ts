import { setMaxListeners } from 'node:events';
import { createPubSub, type PubSub, type PubSubEventTarget } from 'graphql-yoga';
import type { Schemas } from '../spec/index.js';

export type RunWire = Schemas['RunObject'];

/** A run as one observer saw it, numbered so that a subscriber can drop what it has already seen. */
export interface RunSnapshot {
  run: RunWire;
  /** Increases with every change the observer publishes for this run. */
  version: number;
  /** Set when the run disappeared upstream (its thread was deleted): subscribers end with NOT_FOUND. */
  gone?: boolean;
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
};

export type LivePubSub = PubSub<LiveTopics>;

/** The transport is the event target: in memory by default, Redis when several instances share runs. */
export function createLivePubSub(eventTarget?: PubSubEventTarget<LiveTopics>): LivePubSub {
  if (eventTarget) return createPubSub<LiveTopics>({ eventTarget });
  // Thousands of subscribers of one run are normal here, not a listener leak: no warning past 10.
  const local = new EventTarget();
  setMaxListeners(0, local);
  return createPubSub<LiveTopics>({ eventTarget: local as PubSubEventTarget<LiveTopics> });
}
