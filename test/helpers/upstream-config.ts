import type { UpstreamConfig } from '../../src/config.js';
import { PROFILES } from '../../src/upstream/profiles.js';

/** An upstream client config for unit tests with an injected fetch (the host is never contacted). */
export function testUpstreamConfig(overrides: Partial<UpstreamConfig> = {}): UpstreamConfig {
  return {
    profile: 'openai',
    auth: { mode: 'key' },
    capabilities: PROFILES.openai.capabilities,
    baseUrl: 'http://upstream.test/v1',
    apiKey: 'sk-test-key',
    authHeader: 'authorization',
    betaHeader: 'assistants=v2',
    headers: {},
    queryParams: {},
    timeoutMs: 1_000,
    maxRetries: 0,
    retryAfterCapMs: 60_000,
    maxConcurrency: 16,
    breakerThreshold: 0,
    breakerCooldownMs: 5_000,
    readCacheMs: 0,
    maxQueue: 256,
    operationDeadlineMs: 10_000,
    ...overrides,
  };
}
