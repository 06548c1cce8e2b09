import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAssistant } from '../helpers/fixtures.js';
import { startStack, type Stack } from '../helpers/stack.js';

/** Checklist 39: sustained 5xx opens the circuit (fail fast, no upstream call); a probe after the cooldown recovers. */
describe('upstream faults: circuit breaker', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { UPSTREAM_BREAKER_THRESHOLD: '3', UPSTREAM_BREAKER_COOLDOWN_MS: '200', UPSTREAM_MAX_RETRIES: '0', RATE_LIMIT_PER_SECOND: '0' } });
  });
  afterAll(() => stack.close());
  afterEach(() => stack.api.faults.clear());

  it('39: opens after sustained 5xx, fails fast without calling the upstream, and a probe closes it again', async () => {
    const assistant = await createAssistant(stack.api, { name: 'Probe' });
    const query = `{ assistant(id: "${assistant.id}") { name } }`;
    stack.api.faults.set('GET /assistants/{assistant_id} status=500');
    // The breaker lets a probe through once its cooldown ends (it says so itself).
    const halfOpen = new Promise<void>((resolve) => {
      const stop = stack.gateway.services.upstream.health.onChange((event) => {
        if (event.kind === 'breaker' && event.state === 'half-open') resolve(stop());
      });
    });
    for (let i = 0; i < 3; i += 1) expect((await stack.query(query)).errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_UNAVAILABLE');
    const before = stack.api.requestLog.length;
    const fast = await stack.query(query);
    expect(fast.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', reason: 'circuit_open' });
    expect(stack.api.requestLog.length).toBe(before);

    stack.api.faults.clear();
    await halfOpen;
    expect(await stack.query(query)).toEqual({ data: { assistant: { name: 'Probe' } } });
    expect(stack.api.requestLog.length).toBe(before + 1);
  });
});
