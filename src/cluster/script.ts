import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export type ScriptArg = string | number;

/** A Lua script run atomically by Redis: EVALSHA, falling back to EVAL once when Redis does not know it (after a restart). */
export interface Script {
  (redis: Redis, keys: readonly string[], args?: readonly ScriptArg[]): Promise<unknown>;
}

/** Keys go through the connection's `keyPrefix` like those of any other command. */
export function defineScript(source: string): Script {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (redis, keys, args = []) => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(source, keys.length, ...keys, ...args);
    }
  };
}
