import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { reconnectDelay, redisOptions } from '../../src/cluster/redis.js';

describe('Redis settings', () => {
  it('without REDIS_URL the gateway stays single-process', () => {
    expect(loadConfig({}).redis).toBeUndefined();
    expect(loadConfig({ REDIS_KEY_PREFIX: 'x:' }).redis).toBeUndefined();
  });

  it('REDIS_URL turns it on, with the default key prefix or REDIS_KEY_PREFIX', () => {
    expect(loadConfig({ REDIS_URL: 'redis://localhost:6379/2' }).redis).toEqual({ url: 'redis://localhost:6379/2', keyPrefix: 'runs-gateway:' });
    expect(loadConfig({ REDIS_URL: 'rediss://u:p@redis.internal:6380', REDIS_KEY_PREFIX: 'blue:' }).redis).toEqual({ url: 'rediss://u:p@redis.internal:6380', keyPrefix: 'blue:' });
  });

  it('refuses a URL that is not redis:// or rediss://, without printing it (it may hold a password)', () => {
    expect(() => loadConfig({ REDIS_URL: 'http://u:secret@localhost:6379' })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_URL: 'http://u:secret@localhost:6379' })).toThrow(/REDIS_URL=\(hidden\)/);
    expect(() => loadConfig({ REDIS_URL: 'http://u:secret@localhost:6379' })).not.toThrow(/secret/);
    expect(() => loadConfig({ REDIS_URL: 'localhost:6379' })).toThrow(/REDIS_URL/);
  });
});

describe('connection options', () => {
  it('reconnect forever with a capped back-off', () => {
    expect([1, 2, 3, 4, 5, 6, 100].map((attempt) => reconnectDelay(attempt, 1_000))).toEqual([50, 100, 200, 400, 800, 1_000, 1_000]);
    const retry = redisOptions('command', { maxBackoffMs: 500 }).retryStrategy!;
    expect(retry(1_000)).toBe(500);
  });

  it('commands fail fast while Redis is down; subscriptions wait for it', () => {
    expect(redisOptions('command')).toMatchObject({ enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2_000 });
    expect(redisOptions('publisher')).toMatchObject({ enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    expect(redisOptions('subscriber')).toMatchObject({ enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: true });
    expect(redisOptions('subscriber')).not.toHaveProperty('commandTimeout');
  });
});
