import { describe, expect, it } from 'vitest';
import type { GraphQLResolveInfo } from 'graphql';
import { schema } from '../../src/schema/index.js';
import { createLivePubSub, type RunSnapshot } from '../../src/live/pubsub.js';
import { isPushableEvents, pushEvents, type EventSink, type PushableEvents } from '../../src/live/event-push.js';
import { isStale } from '../../src/live/stale.js';
import { runKey } from '../../src/live/run-status.js';
import type { RunWire } from '../../src/live/index.js';
import { deferred, nextTurn } from '../helpers/wait.js';

const THREAD = 'thread_1';
const RUN = 'run_1';
const run = (status: string, extra: Record<string, unknown> = {}): RunWire => ({ id: RUN, thread_id: THREAD, status, ...extra }) as unknown as RunWire;

/**
 * The gateway's live services as runUpdated's subscriber uses them: the real pubsub, an observer whose `acquire` the
 * test answers (the run's state when the subscriber joins), and a transport whose failure the test sets off.
 */
function liveContext() {
  const pubsub = createLivePubSub();
  const joining: Array<ReturnType<typeof deferred<RunSnapshot | null>>> = [];
  const counts = { acquired: 0, released: 0 };
  const down = new Set<() => void>();
  const goingAway = new Set<() => void>();
  const runs = {
    acquire: () => {
      counts.acquired += 1;
      const join = deferred<RunSnapshot | null>();
      joining.push(join);
      return join.promise;
    },
    release: () => void (counts.released += 1),
    peek: () => undefined,
  };
  const ctx = {
    config: { security: { auth: { mode: 'none' } } },
    identity: { subject: 'alice', admin: false, method: 'api-key' },
    services: {
      live: {
        pubsub,
        runs,
        health: {
          available: () => true,
          onDown: (listener: () => void) => (down.add(listener), () => void down.delete(listener)),
        },
        onGoingAway: (listener: () => void) => (goingAway.add(listener), () => void goingAway.delete(listener)),
      },
    },
  };
  const publish = (snapshot: RunSnapshot) => pubsub.publish('runUpdated', runKey(THREAD, RUN), snapshot);
  return { ctx, publish, joining, counts, transportDown: () => [...down].forEach((listener) => listener()), goAway: () => [...goingAway].forEach((listener) => listener()), down, goingAway };
}

/** runUpdated's source for one subscriber, made by the schema's own subscribe resolver. */
function subscribeRunUpdated(ctx: object): PushableEvents<RunWire> {
  const field = schema.getSubscriptionType()!.getFields()['runUpdated']!;
  const source = field.subscribe!(undefined, { threadId: THREAD, runId: RUN }, ctx, {} as GraphQLResolveInfo) as unknown;
  expect(isPushableEvents(source)).toBe(true);
  return source as PushableEvents<RunWire>;
}

/** A sink that writes down what it hears: `status@version` per event ("stale:" for a stale re-send). */
function recordingSink() {
  const heard: string[] = [];
  const sink: EventSink<RunWire> = {
    event: (value) => void heard.push(`${isStale(value) ? 'stale:' : ''}${value.status}${(value as unknown as { n?: number }).n ?? ''}`),
    failed: (error) => void heard.push(`failed:${(error as { extensions?: { code?: string } }).extensions?.code ?? String(error)}`),
    ended: () => void heard.push('ended'),
  };
  return { heard, sink };
}

describe('runUpdated pushed to a sink (graphql-ws path)', () => {
  it('the run now, what was published while it joined, then each newer state in the publish itself; a terminal one ends it', async () => {
    const live = liveContext();
    const source = subscribeRunUpdated(live.ctx);
    const { heard, sink } = recordingSink();
    source[pushEvents](sink);
    await nextTurn();
    // Published while the observer is joined: newer than the state acquire answers with, so it follows it.
    live.publish({ run: run('in_progress', { n: 2 }), version: 2 });
    live.joining[0]!.resolve({ run: run('queued', { n: 1 }), version: 1 });
    await nextTurn();
    expect(heard).toEqual(['queued1', 'in_progress2']);

    live.publish({ run: run('in_progress', { n: 3 }), version: 3 });
    // No promise between the publish and the sink.
    expect(heard).toEqual(['queued1', 'in_progress2', 'in_progress3']);
    // Seen already (an older version, the same one again): not sent.
    live.publish({ run: run('queued', { n: 2 }), version: 2 });
    live.publish({ run: run('in_progress', { n: 3 }), version: 3 });
    expect(heard).toEqual(['queued1', 'in_progress2', 'in_progress3']);

    live.publish({ run: run('completed', { n: 4 }), version: 4 });
    expect(heard).toEqual(['queued1', 'in_progress2', 'in_progress3', 'completed4', 'ended']);
    expect(live.counts).toEqual({ acquired: 1, released: 1 });
    // Ended: its listeners are gone, an error or a state after the end is not heard.
    expect(live.down.size).toBe(0);
    live.publish({ run: run('completed', { n: 5 }), version: 5 });
    live.goAway();
    expect(heard.at(-1)).toBe('ended');
    expect(heard).toHaveLength(5);
    await source.return!();
    expect(live.counts.released).toBe(1);
  });

  it('an outage re-sends the last state once as stale; the same version current again goes out, then newer ones', async () => {
    const live = liveContext();
    const source = subscribeRunUpdated(live.ctx);
    const { heard, sink } = recordingSink();
    source[pushEvents](sink);
    await nextTurn();
    live.joining[0]!.resolve({ run: run('in_progress', { n: 1 }), version: 1 });
    await nextTurn();
    live.publish({ run: run('in_progress', { n: 1 }), version: 1, stale: true });
    live.publish({ run: run('in_progress', { n: 1 }), version: 1, stale: true });
    live.publish({ run: run('in_progress', { n: 1 }), version: 1 });
    live.publish({ run: run('in_progress', { n: 1 }), version: 1 });
    live.publish({ run: run('in_progress', { n: 2 }), version: 2 });
    expect(heard).toEqual(['in_progress1', 'stale:in_progress1', 'in_progress1', 'in_progress2']);
    await source.return!();
    expect(live.counts).toEqual({ acquired: 1, released: 1 });
  });

  it('a run gone, an unknown run and the transport going down end it with their errors, once, and release the observer', async () => {
    const gone = liveContext();
    const goneSource = subscribeRunUpdated(gone.ctx);
    const goneSink = recordingSink();
    goneSource[pushEvents](goneSink.sink);
    await nextTurn();
    gone.joining[0]!.resolve({ run: run('queued'), version: 1 });
    await nextTurn();
    gone.publish({ run: run('queued'), version: 2, gone: true });
    gone.publish({ run: run('queued'), version: 3 });
    gone.transportDown();
    expect(goneSink.heard).toEqual(['queued', 'failed:NOT_FOUND']);
    expect(gone.counts).toEqual({ acquired: 1, released: 1 });

    const unknown = liveContext();
    const unknownSink = recordingSink();
    subscribeRunUpdated(unknown.ctx)[pushEvents](unknownSink.sink);
    await nextTurn();
    unknown.joining[0]!.resolve(null);
    await nextTurn();
    expect(unknownSink.heard).toEqual(['failed:NOT_FOUND']);
    expect(unknown.counts.released).toBe(0);

    const down = liveContext();
    const downSink = recordingSink();
    subscribeRunUpdated(down.ctx)[pushEvents](downSink.sink);
    await nextTurn();
    down.joining[0]!.resolve({ run: run('queued'), version: 1 });
    await nextTurn();
    down.transportDown();
    down.publish({ run: run('in_progress'), version: 2 });
    down.goAway();
    expect(downSink.heard).toEqual(['queued', 'failed:UPSTREAM_UNAVAILABLE']);
    expect(down.counts).toEqual({ acquired: 1, released: 1 });
    expect(down.down.size + down.goingAway.size).toBe(0);
  });

  it('the transport going down while it joins: the first state, then the error', async () => {
    const live = liveContext();
    const { heard, sink } = recordingSink();
    subscribeRunUpdated(live.ctx)[pushEvents](sink);
    await nextTurn();
    live.goAway();
    live.joining[0]!.resolve({ run: run('queued'), version: 1 });
    await nextTurn();
    expect(heard).toEqual(['queued', 'failed:SHUTTING_DOWN']);
    expect(live.counts).toEqual({ acquired: 1, released: 1 });
  });

  it('leaving while it joins: the sink hears nothing, the observer joined meanwhile is released, nothing listens', async () => {
    const live = liveContext();
    const source = subscribeRunUpdated(live.ctx);
    const { heard, sink } = recordingSink();
    source[pushEvents](sink);
    await nextTurn();
    await source.return!();
    live.joining[0]!.resolve({ run: run('queued'), version: 1 });
    await nextTurn();
    live.publish({ run: run('in_progress'), version: 2 });
    live.transportDown();
    expect(heard).toEqual([]);
    expect(live.counts).toEqual({ acquired: 1, released: 1 });
    expect(live.down.size + live.goingAway.size).toBe(0);
  });

  it('leaving right as it joined (before its first state is handed on): the sink hears nothing', async () => {
    const live = liveContext();
    const source = subscribeRunUpdated(live.ctx);
    const { heard, sink } = recordingSink();
    source[pushEvents](sink);
    await nextTurn();
    const join = live.joining[0]!;
    // Runs after the subscriber took the joined state, before that state reaches the sink.
    void join.promise.then(() => source.return!());
    join.resolve({ run: run('queued'), version: 1 });
    await nextTurn();
    live.publish({ run: run('in_progress'), version: 2 });
    expect(heard).toEqual([]);
    expect(live.counts).toEqual({ acquired: 1, released: 1 });
  });

  it('leaving while events are pushed: nothing after `return`, and the observer is released once', async () => {
    const live = liveContext();
    const source = subscribeRunUpdated(live.ctx);
    const heard: string[] = [];
    source[pushEvents]({
      event: (value) => {
        heard.push(value.status);
        // The transport leaves in the middle of a delivery (a socket write that failed, say).
        if (value.status === 'in_progress') void source.return!();
      },
      failed: () => void heard.push('failed'),
      ended: () => void heard.push('ended'),
    });
    await nextTurn();
    live.joining[0]!.resolve({ run: run('queued'), version: 1 });
    await nextTurn();
    live.publish({ run: run('in_progress'), version: 2 });
    live.publish({ run: run('completed'), version: 3 });
    expect(heard).toEqual(['queued', 'in_progress']);
    expect(live.counts).toEqual({ acquired: 1, released: 1 });
  });

  it('a run already terminal when it joins: that state, then ended, and the observer released', async () => {
    const live = liveContext();
    const { heard, sink } = recordingSink();
    subscribeRunUpdated(live.ctx)[pushEvents](sink);
    await nextTurn();
    live.joining[0]!.resolve({ run: run('failed'), version: 7 });
    await nextTurn();
    expect(heard).toEqual(['failed', 'ended']);
    expect(live.counts).toEqual({ acquired: 1, released: 1 });
  });

  it('read with next() (SSE) it judges the same states the same way', async () => {
    const live = liveContext();
    const source = subscribeRunUpdated(live.ctx);
    const first = source.next();
    await nextTurn();
    live.joining[0]!.resolve({ run: run('queued'), version: 1 });
    expect((await first).value?.status).toBe('queued');
    live.publish({ run: run('queued'), version: 1 });
    live.publish({ run: run('in_progress'), version: 2, stale: true });
    live.publish({ run: run('completed'), version: 3 });
    const second = await source.next();
    expect(isStale(second.value as RunWire)).toBe(true);
    expect((await source.next()).value?.status).toBe('completed');
    expect((await source.next()).done).toBe(true);
    expect(live.counts).toEqual({ acquired: 1, released: 1 });
    expect(() => source[pushEvents](recordingSink().sink)).toThrow();
  });
});
