import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('defaults to the embedded runs API on 4010 and the gateway on 4000', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.runsApi.port).toBe(4010);
    expect(config.embeddedRunsApi).toBe(true);
    expect(config.upstream.baseUrl).toBeUndefined();
    expect(config.upstream.authHeader).toBe('authorization');
    expect(config.upstream.maxRetries).toBe(2);
  });

  it('points at another server with UPSTREAM_BASE_URL, trimming the trailing slash', () => {
    const config = loadConfig({ UPSTREAM_BASE_URL: 'https://example.test/openai/v1/', UPSTREAM_API_KEY: 'k' });
    expect(config.embeddedRunsApi).toBe(false);
    expect(config.upstream.baseUrl).toBe('https://example.test/openai/v1');
    expect(config.upstream.apiKey).toBe('k');
  });

  it('parses extra headers and query parameters in both forms', () => {
    const config = loadConfig({
      UPSTREAM_BASE_URL: 'http://localhost:1/v1',
      UPSTREAM_AUTH_HEADER: 'API-Key',
      UPSTREAM_HEADERS: '{"x-tenant":"a"}',
      UPSTREAM_QUERY_PARAMS: 'api-version=2024-05-01-preview,foo=bar',
    });
    expect(config.upstream.authHeader).toBe('api-key');
    expect(config.upstream.headers).toEqual({ 'x-tenant': 'a' });
    expect(config.upstream.queryParams).toEqual({ 'api-version': '2024-05-01-preview', foo: 'bar' });
  });

  it.each([
    [{ PORT: 'abc' }, /PORT="abc"/],
    [{ PORT: '70000' }, /PORT/],
    [{ UPSTREAM_BASE_URL: 'ftp://x' }, /UPSTREAM_BASE_URL/],
    [{ RUNS_API_DEMO_DATA: 'maybe' }, /RUNS_API_DEMO_DATA/],
    [{ UPSTREAM_QUERY_PARAMS: 'novalue' }, /UPSTREAM_QUERY_PARAMS/],
    [{ UPSTREAM_API_KEY: 'sk-secret' }, /UPSTREAM_BASE_URL is not/],
  ])('rejects %j with a message naming the setting', (env, pattern) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(pattern);
  });

  it('never prints a key value in its message', () => {
    try {
      loadConfig({ UPSTREAM_BASE_URL: 'http://localhost:1', UPSTREAM_API_KEY: 'sk-secret', UPSTREAM_MAX_RETRIES: 'x', RUNS_API_KEY: '' });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain('sk-secret');
    }
  });
});
