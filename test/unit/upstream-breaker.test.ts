import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/upstream/breaker.js';
import { createUpstreamClient } from '../../src/upstream/client.js';
import { testUpstreamConfig } from '../helpers/upstream-config.js';
import { wireRun } from '../helpers/wire-fixtures.js';

const config = testUpstreamConfig({ apiKey: 'sk-test', maxConcurrency: 4, breakerThreshold: 3, breakerCooldownMs: 60 });

describe('CircuitBreaker', () => {
  it('opens after the threshold, lets one probe through after the cooldown, and closes on its success', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ threshold: 2, cooldownMs: 100, now: () => now });
    breaker.failed();
    expect(breaker.allow()).toBe(true);
    breaker.failed();
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);
    expect(breaker.retryInMs()).toBe(100);
    now = 100;
    expect(breaker.allow()).toBe(true); // the probe
    expect(breaker.allow()).toBe(false); // only one
    breaker.failed();
    expect(breaker.state).toBe('open');
    now = 200;
    expect(breaker.allow()).toBe(true);
    breaker.succeeded();
    expect(breaker.state).toBe('closed');
    expect(breaker.allow()).toBe(true);
  });

  it('a neutral answer (4xx, 429) neither opens nor closes it', () => {
    const breaker = new CircuitBreaker({ threshold: 2, cooldownMs: 100, now: () => 0 });
    breaker.failed();
    breaker.neutral();
    breaker.failed();
    expect(breaker.state).toBe('open');
  });
});

describe('upstream client with a circuit breaker', () => {
  it('fails fast with UPSTREAM_UNAVAILABLE (circuit_open) after sustained 5xx, then recovers through a probe', async () => {
    let healthy = false;
    let calls = 0;
    const fetch = (async () => {
      calls += 1;
      return healthy ? new Response(JSON.stringify(wireRun()), { status: 200 }) : new Response('', { status: 503 });
    }) as typeof globalThis.fetch;
    let now = 1_000_000;
    const client = createUpstreamClient({ config, fetch, now: () => now });
    for (let i = 0; i < 3; i += 1) await expect(client.getRun('t', `r${i}`)).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(calls).toBe(3);
    await expect(client.getRun('t', 'r')).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE', reason: 'circuit_open' } });
    await expect(client.request({ method: 'POST', route: '/threads', body: {} })).rejects.toMatchObject({ extensions: { reason: 'circuit_open' } });
    expect(calls).toBe(3);
    healthy = true;
    now += 70;
    expect((await client.getRun('t', 'r')).status).toBe('queued');
    expect(calls).toBe(4);
    await client.getRun('t', 'r2');
    expect(calls).toBe(5);
  });

  it('4xx and 429 answers do not open the circuit', async () => {
    let calls = 0;
    const fetch = (async () => {
      calls += 1;
      return new Response(JSON.stringify({ error: { message: 'No run found with id \'r\'.', type: 'invalid_request_error', param: null, code: null } }), { status: 404 });
    }) as typeof globalThis.fetch;
    const client = createUpstreamClient({ config, fetch });
    for (let i = 0; i < 6; i += 1) await expect(client.getRun('t', 'r')).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    expect(calls).toBe(6);
  });
});
