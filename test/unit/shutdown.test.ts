import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { onShutdown } from '../../src/shutdown.js';
import { deferred } from '../helpers/wait.js';

/** A process stand-in: signals are emitted by the test, `exit` resolves `exited` with its code. */
function fakeProcess() {
  const emitter = new EventEmitter();
  const exited = deferred<number>();
  return { emitter, exited: exited.promise, process: { on: (signal: 'SIGINT' | 'SIGTERM', listener: () => void) => emitter.on(signal, listener), exit: (code: number) => exited.resolve(code) } };
}

describe('onShutdown', () => {
  it('runs the steps one after another on the first signal, ignores later ones, and exits 0', async () => {
    const fake = fakeProcess();
    const order: string[] = [];
    const first = deferred<void>();
    const lines: string[] = [];
    onShutdown(
      [
        async () => {
          order.push('gateway:start');
          await first.promise;
          order.push('gateway:done');
        },
        () => order.push('upstream'),
      ],
      { forceAfterMs: 60_000, process: fake.process, log: (line) => lines.push(line) },
    );
    fake.emitter.emit('SIGTERM');
    // npm forwards the signal its process group also got: the same stop, not a second one.
    fake.emitter.emit('SIGTERM');
    fake.emitter.emit('SIGINT');
    await Promise.resolve();
    expect(order).toEqual(['gateway:start']);
    first.resolve();
    expect(await fake.exited).toBe(0);
    expect(order).toEqual(['gateway:start', 'gateway:done', 'upstream']);
    expect(lines).toEqual(['SIGTERM: shutting down']);
  });

  it('exits 1 when a step fails, without running the next', async () => {
    const fake = fakeProcess();
    const ran: string[] = [];
    onShutdown([() => Promise.reject(new Error('close failed')), () => ran.push('next')], { forceAfterMs: 60_000, process: fake.process, log: () => undefined });
    fake.emitter.emit('SIGINT');
    expect(await fake.exited).toBe(1);
    expect(ran).toEqual([]);
  });

  it('exits 1 when the steps take longer than forceAfterMs', async () => {
    const fake = fakeProcess();
    onShutdown([() => new Promise(() => undefined)], { forceAfterMs: 20, process: fake.process, log: () => undefined });
    fake.emitter.emit('SIGTERM');
    expect(await fake.exited).toBe(1);
  });
});
