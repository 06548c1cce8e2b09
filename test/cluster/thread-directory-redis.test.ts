import { afterAll, beforeAll, describe } from 'vitest';
import type { RedisConnections } from '../../src/cluster/redis.js';
import { RedisThreadDirectory } from '../../src/threads/redis.js';
import { connectedInstance, redisAvailable, redisSkipReason, startRedis, type TestRedis } from '../helpers/redis.js';
import { threadDirectoryContract } from '../helpers/thread-directory-contract.js';

describe.skipIf(!redisAvailable)(`RedisThreadDirectory${redisSkipReason}`, () => {
  let redis: TestRedis;
  const open: RedisConnections[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(open.map((connections) => connections.close()));
    await redis?.stop();
  });

  threadDirectoryContract('Redis', async () => {
    const connections = await connectedInstance(redis, open);
    await connections.command.flushdb();
    return new RedisThreadDirectory(connections.command);
  });
});
