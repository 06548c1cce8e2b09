import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../src/live/event-queue.js';

/** A topic a queue listens to, as the live pubsub's: `publish` calls every listener at once. */
function topic<T>() {
  const listeners = new Set<(value: T) => void>();
  return {
    listeners,
    subscribe: (listener: (value: T) => void) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    publish: (value: T) => {
      for (const listener of [...listeners]) listener(value);
    },
  };
}

describe('EventQueue.drain', () => {
  it('hands the queued items first, in order, then each pushed one in the push itself; closing removes its listener', () => {
    const queue = new EventQueue<number>();
    const source = topic<number>();
    queue.listen(source.subscribe, (n) => n * 10);
    source.publish(1);
    source.publish(2);
    const seen: number[] = [];
    const failures: unknown[] = [];
    queue.drain((n) => seen.push(n), (error) => failures.push(error));
    expect(seen).toEqual([10, 20]);
    source.publish(3);
    // Synchronously: no promise between the publish and the consumer.
    expect(seen).toEqual([10, 20, 30]);
    queue.close();
    expect(source.listeners.size).toBe(0);
    queue.push(4);
    expect(seen).toEqual([10, 20, 30]);
    expect(failures).toEqual([]);
  });

  it('an error while draining goes to `failed` once; nothing after it', () => {
    const queue = new EventQueue<number>();
    const seen: number[] = [];
    const failures: unknown[] = [];
    queue.drain((n) => seen.push(n), (error) => failures.push(error));
    queue.push(1);
    const boom = new Error('transport down');
    queue.fail(boom);
    queue.fail(new Error('again'));
    queue.push(2);
    expect(seen).toEqual([1]);
    expect(failures).toEqual([boom]);
  });

  it('a queue failed before it is drained hands its items, then the error (as `next` would)', async () => {
    const queue = new EventQueue<number>();
    queue.push(1);
    queue.push(2);
    const boom = new Error('shutting down');
    queue.fail(boom);
    const events: Array<number | unknown> = [];
    queue.drain((n) => events.push(n), (error) => events.push(error));
    expect(events).toEqual([1, 2, boom]);

    const read = new EventQueue<number>();
    read.push(1);
    read.fail(boom);
    expect(await read.next()).toBe(1);
    await expect(read.next()).rejects.toBe(boom);
  });

  it('a consumer that closes the queue while it drains gets nothing more, neither queued items nor `failed`', () => {
    const queue = new EventQueue<number>();
    queue.push(1);
    queue.push(2);
    queue.push(3);
    const seen: number[] = [];
    const failures: unknown[] = [];
    queue.drain(
      (n) => {
        seen.push(n);
        if (n === 2) queue.close();
      },
      (error) => failures.push(error),
    );
    queue.push(4);
    queue.fail(new Error('after the end'));
    expect(seen).toEqual([1, 2]);
    expect(failures).toEqual([]);
  });

  it('a closed queue drained hands what was queued and does not keep the consumer', () => {
    const queue = new EventQueue<number>();
    queue.push(1);
    queue.close();
    const seen: number[] = [];
    const failures: unknown[] = [];
    queue.drain((n) => seen.push(n), (error) => failures.push(error));
    queue.push(2);
    expect(seen).toEqual([1]);
    expect(failures).toEqual([]);
  });
});
