import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnections, RedisConfigError, type RedisConnections, type RedisLogger } from '../../src/cluster/redis.js';
import { redisAvailable, redisSkipReason, startRedis, waitFor, type TestRedis } from '../helpers/redis.js';

function recordingLogger() {
  const lines: Array<{ level: 'info' | 'warn'; object: object; message: string }> = [];
  const logger: RedisLogger = {
    info: (object, message) => lines.push({ level: 'info', object, message }),
    warn: (object, message) => lines.push({ level: 'warn', object, message }),
  };
  return { lines, logger };
}

describe('createRedisConnections', () => {
  it('refuses a URL ioredis cannot use', () => {
    expect(() => createRedisConnections({ url: 'http://localhost:6379', keyPrefix: 'x:' })).toThrow(RedisConfigError);
    expect(() => createRedisConnections({ url: 'not a url', keyPrefix: 'x:' })).toThrow(RedisConfigError);
  });
});

describe.skipIf(!redisAvailable)(`Redis connections and health${redisSkipReason}`, () => {
  let redis: TestRedis;
  const open: RedisConnections[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((connections) => connections.close()));
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('reports down and ready on each transition, logs each once and never the password', async () => {
    const { lines, logger } = recordingLogger();
    const connections = createRedisConnections({ url: redis.url.replace('redis://', 'redis://:s3cret-pw@'), keyPrefix: 'test:' }, { maxBackoffMs: 100, logger });
    open.push(connections);
    // requirepass is not set: Redis accepts (and ignores) AUTH with a password for the default user... unless it
    // refuses it; either way the password must not be logged. Use a URL without one if Redis refuses it.
    const ready = await connections.health.waitUntilReady(3_000);
    if (!ready) {
      await connections.close();
      open.pop();
      return expect.fail(`no connection with a password in the URL: ${connections.health.lastError()?.message}`);
    }
    const events: string[] = [];
    connections.health.on('down', (error) => events.push(`down:${error.message}`));
    connections.health.on('ready', () => events.push('ready'));
    expect(connections.health.status()).toBe('ready');

    await redis.halt();
    await waitFor(() => connections.health.status() === 'down', 'down');
    expect(connections.health.lastError()).toBeInstanceOf(Error);
    // Fails fast instead of queueing.
    await expect(connections.command.get('k')).rejects.toThrow();
    await expect(connections.publisher.publish('c', 'm')).rejects.toThrow();

    await redis.restart();
    await waitFor(() => connections.health.status() === 'ready', 'ready');
    expect(connections.health.lastError()).toBeUndefined();
    expect(await connections.command.set('k', 'v')).toBe('OK');
    expect(await connections.publisher.get('test:k')).toBe('v');
    expect(events[0]).toMatch(/^down/);
    expect(events.at(-1)).toBe('ready');
    expect(events.filter((event) => event === 'ready')).toHaveLength(1);
    expect(lines.map((line) => line.level)).toEqual(['warn', 'info']);
    expect(JSON.stringify(lines)).not.toContain('s3cret-pw');
    expect(JSON.stringify(lines)).toContain(`127.0.0.1:${redis.port}`);
  });

  it('Redis unreachable at start: stays down, warns once, waitUntilReady gives up; connects when Redis appears', async () => {
    const { lines, logger } = recordingLogger();
    await redis.halt();
    const connections = createRedisConnections({ url: redis.url, keyPrefix: 'test:' }, { maxBackoffMs: 100, logger });
    open.push(connections);
    expect(await connections.health.waitUntilReady(300)).toBe(false);
    expect(connections.health.status()).toBe('down');
    await expect(connections.command.get('k')).rejects.toThrow();
    expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);

    await redis.restart();
    expect(await connections.health.waitUntilReady(5_000)).toBe(true);
    expect(await connections.command.ping()).toBe('PONG');
  });

  it('close() ends all three connections, also while Redis is down: nothing reconnects afterwards', async () => {
    const connections = createRedisConnections({ url: redis.url, keyPrefix: 'test:' }, { maxBackoffMs: 50, connectionName: 'closed-while-down' });
    expect(await connections.health.waitUntilReady(5_000)).toBe(true);
    await redis.halt();
    await waitFor(() => connections.health.status() === 'down', 'down');
    await connections.close();
    await redis.restart();
    const probe = createRedisConnections({ url: redis.url, keyPrefix: 'test:' });
    open.push(probe);
    expect(await probe.health.waitUntilReady(5_000)).toBe(true);
    // Several back-off periods later, none of the closed connections came back.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await probe.command.client('LIST')).not.toContain('closed-while-down');
    expect([connections.command, connections.publisher, connections.subscriber].some((connection) => connection.status === 'ready')).toBe(false);
  });
});
