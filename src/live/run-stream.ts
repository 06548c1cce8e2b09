import { EventSourceParserStream, type EventSourceMessage } from 'eventsource-parser/stream';
import type { Schemas } from '../spec/index.js';
import type { LivePubSub, MessageDeltaEvent, RunWire } from './pubsub.js';
import type { RunObservers } from './run-observers.js';
import { isTerminalRunStatus, runKey } from './run-status.js';

type MessageDelta = Schemas['MessageDeltaObject'];

export interface FollowRunStreamOptions {
  /** The body of an upstream `stream: true` response (text/event-stream). */
  body: ReadableStream<Uint8Array>;
  observers: RunObservers;
  pubsub: LivePubSub;
  /** A stream silent for this long is abandoned and polling takes over. */
  idleTimeoutMs: number;
  /** Aborts the upstream request when the stream is abandoned. */
  abort?: () => void;
  /** Called with each text delta, before it is published. */
  onText?: (runKey: string, delta: MessageDeltaEvent) => void;
}

export interface FollowedRunStream {
  /** The run as first announced (thread.run.created), or the stream's error when none came. */
  created: Promise<RunWire>;
  /** Settles when the stream has ended, broken or been abandoned; resolves the last run state seen. */
  finished: Promise<RunWire | undefined>;
}

/**
 * Reads a run's event stream in the background and publishes from it: run states through the
 * observers (which stop polling meanwhile) and message text deltas. Whatever way the stream ends,
 * the observer is detached so that polling carries the rest of the run and no terminal state is lost.
 */
export function followRunStream(options: FollowRunStreamOptions): FollowedRunStream {
  let resolveCreated!: (run: RunWire) => void;
  let rejectCreated!: (error: unknown) => void;
  const created = new Promise<RunWire>((resolve, reject) => {
    resolveCreated = resolve;
    rejectCreated = reject;
  });
  created.catch(() => undefined);

  const finished = (async (): Promise<RunWire | undefined> => {
    let detach: (() => void) | undefined;
    let last: RunWire | undefined;
    let idleTimer: NodeJS.Timeout | undefined;
    const reader = options.body
      .pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>)
      .pipeThrough(new EventSourceParserStream())
      .getReader();
    const armIdleTimer = (): void => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        options.abort?.();
        void reader.cancel().catch(() => undefined);
      }, options.idleTimeoutMs);
    };
    try {
      armIdleTimer();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        armIdleTimer();
        const run = handleEvent(value, last && runKey(last.thread_id, last.id));
        if (run === 'done') break;
        if (run === undefined) continue;
        if (last === undefined) {
          detach = options.observers.attachStream(run.thread_id, run.id);
          resolveCreated(run);
        }
        last = run;
        options.observers.observe(run);
        if (isTerminalRunStatus(run.status)) break;
      }
    } catch (error) {
      if (last === undefined) rejectCreated(error);
    } finally {
      clearTimeout(idleTimer);
      void reader.cancel().catch(() => undefined);
      if (last === undefined) rejectCreated(new Error('the upstream stream ended before the run was created'));
      else if (isTerminalRunStatus(last.status)) options.pubsub.publish('runMessageDelta', runKey(last.thread_id, last.id), { done: true });
      detach?.();
    }
    return last;
  })();

  function handleEvent(message: EventSourceMessage, currentRunKey: string | undefined): RunWire | 'done' | undefined {
    // Look-alikes end with a data-only `[DONE]`, some JSON-quoted (`"[DONE]"`), or with no terminator at all (the body just ends).
    if (message.event === 'done' || message.data === '[DONE]' || message.data === '"[DONE]"') return 'done';
    if (message.event === 'error') throw new Error('the upstream stream reported an error');
    if (message.event?.startsWith('thread.run.') && !message.event.startsWith('thread.run.step.')) {
      return JSON.parse(message.data) as RunWire;
    }
    if (message.event === 'thread.message.delta' && currentRunKey !== undefined) {
      const delta = JSON.parse(message.data) as MessageDelta;
      for (const part of delta.delta.content ?? []) {
        if (part.type === 'text' && part.text?.value) {
          const event = { messageId: delta.id, text: part.text.value, index: part.index };
          options.onText?.(currentRunKey, event);
          options.pubsub.publish('runMessageDelta', currentRunKey, event);
        }
      }
    }
    return undefined;
  }
  return { created, finished };
}
