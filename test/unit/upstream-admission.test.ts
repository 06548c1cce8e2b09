import { describe, expect, it } from 'vitest';
import { AdmissionGate, type ShedReason } from '../../src/upstream/admission.js';
import { CircuitBreaker, type BreakerChange } from '../../src/upstream/breaker.js';
import { Endpoint } from '../../src/upstream/endpoint.js';
import { UpstreamHttpError } from '../../src/upstream/http-errors.js';
import { serialiseBody } from '../../src/upstream/request.js';
import { overloadRetryAfterMs } from '../../src/server/overload-status.js';
import { deferred, waitUntil } from '../helpers/wait.js';

const never = () => new Promise<never>(() => undefined);

describe('admission gate: bounded queue in front of the concurrency limit', () => {
  it('runs up to the limit, queues up to the bound, and sheds the next one at once, unsent', async () => {
    const shed: ShedReason[] = [];
    const gate = new AdmissionGate({ maxConcurrency: 2, maxQueue: 1, onShed: (reason) => shed.push(reason) });
    let started = 0;
    const task = () => {
      started += 1;
      return never();
    };
    void gate.run(task, 60_000);
    void gate.run(task, 60_000);
    void gate.run(task, 60_000);
    const refused = await gate.run(task, 60_000).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UpstreamHttpError);
    expect(refused).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', neverSent: true, details: { reason: 'overloaded', retryAfterMs: 1_000 } });
    expect({ started, active: gate.active, queued: gate.queued, shed }).toEqual({ started: 2, active: 2, queued: 1, shed: ['queue_full'] });
  });

  it('sheds at once, on arrival, what could not start in time behind slots held by a hung upstream', async () => {
    let now = 0;
    const shed: ShedReason[] = [];
    const gate = new AdmissionGate({ maxConcurrency: 2, maxQueue: 1_000, onShed: (reason) => shed.push(reason), now: () => now });
    void gate.run(never, 10_000);
    void gate.run(never, 10_000);
    now = 3_000;
    // Both slots held for 3 s: the first two to queue wait one batch (≈ 3 s), the next two two batches (≈ 6 s)…
    for (let i = 0; i < 6; i++) void gate.run(never, 10_000).catch(() => undefined);
    expect(gate.queued).toBe(6);
    // …and one that would wait four batches (≈ 12 s) is turned away now, not after its 10 s.
    await expect(gate.run(never, 10_000)).rejects.toMatchObject({ details: { reason: 'overloaded' } });
    expect(shed).toEqual(['deadline']);
    expect(gate.queued).toBe(6);
  });

  it('lets a long queue through when the upstream answers quickly (a burst of page loads)', async () => {
    let now = 0;
    const gate = new AdmissionGate({ maxConcurrency: 2, maxQueue: 1_000, now: () => now });
    const tick = async () => {
      now += 5;
    };
    await Promise.all([gate.run(tick, 10_000), gate.run(tick, 10_000)]);
    const answers = await Promise.all(Array.from({ length: 500 }, () => gate.run(tick, 10_000)));
    expect(answers).toHaveLength(500);
  });

  it('sheds a queued task that cannot start before its deadline, and hands a freed slot to the next one', async () => {
    const shed: ShedReason[] = [];
    const gate = new AdmissionGate({ maxConcurrency: 1, maxQueue: 10, onShed: (reason) => shed.push(reason) });
    const first = deferred<string>();
    const running = gate.run(() => first.promise, 60_000);
    const late = gate.run(async () => 'late', 20);
    const next = gate.run(async () => 'next', 60_000);
    await expect(late).rejects.toMatchObject({ details: { reason: 'overloaded' } });
    expect(shed).toEqual(['deadline']);
    expect(gate.queued).toBe(1);
    first.resolve('first');
    expect(await running).toBe('first');
    expect(await next).toBe('next');
    expect({ active: gate.active, queued: gate.queued }).toEqual({ active: 0, queued: 0 });
    await expect(gate.run(async () => 'x', 0)).resolves.toBe('x');
  });

  it('a caller that gives up leaves the queue with its own reason, not as shed', async () => {
    const shed: ShedReason[] = [];
    const gate = new AdmissionGate({ maxConcurrency: 1, maxQueue: 10, onShed: (reason) => shed.push(reason) });
    void gate.run(never, 60_000);
    const controller = new AbortController();
    const waiting = gate.run(async () => 'never', 60_000, controller.signal);
    controller.abort(new Error('client left'));
    await expect(waiting).rejects.toThrow('client left');
    expect({ queued: gate.queued, shed }).toEqual({ queued: 0, shed: [] });
  });
});

describe('circuit breaker transitions', () => {
  it('tells each transition once: open (not per failure), half-open when the cooldown ends, closed', async () => {
    let now = 0;
    const changes: BreakerChange[] = [];
    const breaker = new CircuitBreaker({ threshold: 2, cooldownMs: 20, now: () => now, onChange: (change) => changes.push(change) });
    for (let i = 0; i < 5; i++) breaker.failed();
    expect(changes.map((change) => change.state)).toEqual(['open']);
    expect(breaker.allow()).toBe(false);
    now = 30;
    // The timer tells of half-open without any request arriving.
    await waitUntil(() => changes.length === 2);
    expect(changes[1]).toEqual({ state: 'half-open', previous: 'open', at: 30 });
    expect(breaker.allow()).toBe(true);
    breaker.succeeded();
    expect(changes.map((change) => change.state)).toEqual(['open', 'half-open', 'closed']);
    breaker.failed();
    expect(changes).toHaveLength(3);
  });
});

describe('requests that cannot be encoded are the caller\'s input', () => {
  it('a body nested 20,000 deep is BAD_USER_INPUT, refused before sending', () => {
    const deep = JSON.parse('{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000)) as unknown;
    const error = (() => {
      try {
        serialiseBody({ tools: [{ function: { parameters: deep } }] });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', neverSent: true });
    expect(serialiseBody({ a: [1] })).toBe('{"a":[1]}');
  });

  it('a path parameter with a lone surrogate is BAD_USER_INPUT naming the parameter', () => {
    const endpoint = new Endpoint({ baseUrl: 'http://upstream.test/v1', apiKey: undefined, authHeader: 'authorization', betaHeader: '', headers: {}, queryParams: {} });
    expect(() => endpoint.url({ method: 'GET', route: '/threads/{thread_id}', params: { thread_id: 'thread_\ud800' } })).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', neverSent: true, details: { param: 'thread_id' } }),
    );
    expect(endpoint.url({ method: 'GET', route: '/threads/{thread_id}', params: { thread_id: 'thread_\ud83d\ude00' } })).toBe('http://upstream.test/v1/threads/thread_%F0%9F%98%80');
  });
});

describe('overload status', () => {
  it('finds the retry hint of a shed operation, and nothing for other failures', () => {
    expect(overloadRetryAfterMs([{ extensions: { code: 'NOT_FOUND' } }, { extensions: { code: 'UPSTREAM_UNAVAILABLE', reason: 'overloaded', retryAfterMs: 2_500 } }])).toBe(2_500);
    expect(overloadRetryAfterMs([{ extensions: { code: 'UPSTREAM_UNAVAILABLE', reason: 'timeout' } }])).toBeUndefined();
    expect(overloadRetryAfterMs(undefined)).toBeUndefined();
  });
});
