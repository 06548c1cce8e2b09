import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { startRunsApi, type RunsApi } from '../../src/runs-api/index.js';
import { createGateway } from '../../src/server/app.js';
import { createAssistant } from '../helpers/fixtures.js';

/** Freezes every object reachable from `value`, so that any write to it throws (ES modules are strict). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** What `npm start` does without UPSTREAM_BASE_URL: the embedded runs API's URL handed in, the loaded config left as it is. */
describe('createGateway({ upstreamUrl })', () => {
  let api: RunsApi;
  beforeAll(async () => {
    api = await startRunsApi({ port: 0, stepMs: 25, demoData: false });
  });
  afterAll(() => api.close());

  it('reads from the given upstream while the loaded config (no UPSTREAM_BASE_URL) is never written', async () => {
    const config: Config = deepFreeze(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', UPSTREAM_READ_CACHE_MS: '0' }));
    expect(config.embeddedRunsApi).toBe(true);
    const gateway = createGateway({ config, upstreamUrl: api.url });
    try {
      const assistant = await createAssistant(api, { name: 'Embedded' });
      const response = await gateway.yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `{ assistant(id: "${assistant.id}") { name } }` }),
      });
      expect(await response.json()).toEqual({ data: { assistant: { name: 'Embedded' } } });
      expect(gateway.services.config).toBe(config);
      expect(config.upstream.baseUrl).toBeUndefined();
    } finally {
      await gateway.close();
    }
  });

  it('without a URL in the config or the options it refuses to start', () => {
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
    expect(() => createGateway({ config })).toThrow(/UPSTREAM_BASE_URL/);
  });
});
