import { describe, expect, it } from 'vitest';
import type { PubSubEventTarget } from 'graphql-yoga';
import { createLivePubSub, type LiveTopics, type RunSnapshot } from '../../src/live/pubsub.js';

/** An in-memory event target that counts the listeners registered on it per topic. */
function countingTarget() {
  const target = new EventTarget();
  const registered = new Map<string, number>();
  const add = target.addEventListener.bind(target);
  const remove = target.removeEventListener.bind(target);
  target.addEventListener = (type: string, listener: Parameters<EventTarget['addEventListener']>[1]) => {
    registered.set(type, (registered.get(type) ?? 0) + 1);
    add(type, listener);
  };
  target.removeEventListener = (type: string, listener: Parameters<EventTarget['removeEventListener']>[1]) => {
    registered.set(type, (registered.get(type) ?? 0) - 1);
    remove(type, listener);
  };
  return { target: target as unknown as PubSubEventTarget<LiveTopics>, registered };
}

const snapshot = (version: number): RunSnapshot => ({ run: { id: 'run_1', thread_id: 'thread_1' } as RunSnapshot['run'], version });

describe('live pubsub listen', () => {
  it('many listeners of a topic share one listener on the event target, get each payload in the order they came, and leave it when the last goes', () => {
    const { target, registered } = countingTarget();
    const pubsub = createLivePubSub(target);
    const seen: string[] = [];
    const stops = Array.from({ length: 100 }, (_, i) => pubsub.listen('runUpdated', 'thread_1:run_1', (s) => seen.push(`${i}@${s.version}`)));
    const other: number[] = [];
    const stopOther = pubsub.listen('runUpdated', 'thread_1:run_2', (s) => other.push(s.version));
    expect(registered.get('runUpdated:thread_1:run_1')).toBe(1);
    expect(registered.get('runUpdated:thread_1:run_2')).toBe(1);

    pubsub.publish('runUpdated', 'thread_1:run_1', snapshot(1));
    pubsub.publish('runUpdated', 'thread_1:run_1', snapshot(2));
    expect(seen).toEqual([...Array.from({ length: 100 }, (_, i) => `${i}@1`), ...Array.from({ length: 100 }, (_, i) => `${i}@2`)]);
    expect(other).toEqual([]);

    seen.length = 0;
    for (const stop of stops.slice(0, 99)) stop();
    pubsub.publish('runUpdated', 'thread_1:run_1', snapshot(3));
    expect(seen).toEqual(['99@3']);
    expect(registered.get('runUpdated:thread_1:run_1')).toBe(1);
    stops[99]!();
    stops[99]!(); // a remover called twice removes once
    expect(registered.get('runUpdated:thread_1:run_1')).toBe(0);
    pubsub.publish('runUpdated', 'thread_1:run_1', snapshot(4));
    expect(seen).toEqual(['99@3']);
    // A listener that comes back after the last left listens again.
    pubsub.listen('runUpdated', 'thread_1:run_1', (s) => seen.push(`again@${s.version}`));
    pubsub.publish('runUpdated', 'thread_1:run_1', snapshot(5));
    expect(seen).toEqual(['99@3', 'again@5']);
    stopOther();
  });

  it('the same function listening twice is called twice and removed one listen at a time', () => {
    const pubsub = createLivePubSub();
    const seen: number[] = [];
    const listener = (s: RunSnapshot) => seen.push(s.version);
    const first = pubsub.listen('runUpdated', 'k', listener);
    const second = pubsub.listen('runUpdated', 'k', listener);
    pubsub.publish('runUpdated', 'k', snapshot(1));
    expect(seen).toEqual([1, 1]);
    first();
    pubsub.publish('runUpdated', 'k', snapshot(2));
    expect(seen).toEqual([1, 1, 2]);
    second();
    pubsub.publish('runUpdated', 'k', snapshot(3));
    expect(seen).toEqual([1, 1, 2]);
  });

  it('a listener removed by another during an event is not called for it; yoga subscribers of the topic still get it', async () => {
    const pubsub = createLivePubSub();
    const seen: string[] = [];
    let stopB: () => void = () => undefined;
    pubsub.listen('runUpdated', 'k', () => {
      seen.push('a');
      stopB();
    });
    stopB = pubsub.listen('runUpdated', 'k', () => seen.push('b'));
    const iterator = pubsub.subscribe('runUpdated', 'k')[Symbol.asyncIterator]();
    const next = iterator.next();
    pubsub.publish('runUpdated', 'k', snapshot(1));
    expect(seen).toEqual(['a']);
    expect((await next).value).toEqual(snapshot(1));
    await iterator.return?.();
  });
});
