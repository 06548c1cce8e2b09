import type { Redis } from 'ioredis';
import { defineScript } from '../cluster/script.js';
import { sortKey, type ThreadDirectory, type ThreadEntry, type ThreadOrder, type ThreadPageQuery } from './directory.js';

/**
 * The thread directory in Redis, shared by every instance (REDIS_URL), so that each shows the same list.
 *
 * Keys (after the connection's prefix):
 * - `threads:entry:<threadId>`: a hash {o: owner, c: createdAt, a: lastActivityAt};
 * - `threads:<order>:o:<owner>` and `threads:<order>:*` (every owner), for order `activity` and `created`: sorted sets
 *   whose members are `sortKey(time, threadId)`, all of score 0, so that they sort by member and a page is one
 *   `ZRANGE … BYLEX` with exclusive bounds (a keyset page, stable while entries move).
 * Each change is one Lua script (the entry and its four members change together). The owner's keys are named by
 * the caller (a script must be handed every key it touches), after reading the entry; the script checks the owner
 * it was told against the stored one, and owners never change.
 * All keys are separate Redis keys: on Redis Cluster they would need a hash tag.
 */

const PAD = `local function member(at, id) return string.format('%015.0f', tonumber(at)) .. '|' .. id end`;

/** KEYS entry, ownerActivity, ownerCreated, allActivity, allCreated; ARGV threadId, owner, createdAt, activityAt. */
const RECORD = defineScript(`
${PAD}
local e = redis.call('HMGET', KEYS[1], 'o', 'c', 'a')
if e[1] then
  if e[1] ~= ARGV[2] then return 0 end
  local at = tonumber(ARGV[4])
  if at > tonumber(e[3]) then
    local old = member(e[3], ARGV[1])
    local new = member(at, ARGV[1])
    redis.call('ZREM', KEYS[2], old)
    redis.call('ZREM', KEYS[4], old)
    redis.call('ZADD', KEYS[2], 0, new)
    redis.call('ZADD', KEYS[4], 0, new)
    redis.call('HSET', KEYS[1], 'a', ARGV[4])
  end
  return 1
end
local activity = math.max(tonumber(ARGV[3]), tonumber(ARGV[4]))
redis.call('HSET', KEYS[1], 'o', ARGV[2], 'c', ARGV[3], 'a', string.format('%.0f', activity))
redis.call('ZADD', KEYS[2], 0, member(activity, ARGV[1]))
redis.call('ZADD', KEYS[4], 0, member(activity, ARGV[1]))
redis.call('ZADD', KEYS[3], 0, member(ARGV[3], ARGV[1]))
redis.call('ZADD', KEYS[5], 0, member(ARGV[3], ARGV[1]))
return 1
`);

/** KEYS entry, ownerActivity, allActivity; ARGV threadId, owner, at. Returns {owner, createdAt, activityAt} or nil. */
const TOUCH = defineScript(`
${PAD}
local e = redis.call('HMGET', KEYS[1], 'o', 'c', 'a')
if not e[1] or e[1] ~= ARGV[2] then return false end
if tonumber(ARGV[3]) > tonumber(e[3]) then
  local old = member(e[3], ARGV[1])
  local new = member(ARGV[3], ARGV[1])
  redis.call('ZREM', KEYS[2], old)
  redis.call('ZREM', KEYS[3], old)
  redis.call('ZADD', KEYS[2], 0, new)
  redis.call('ZADD', KEYS[3], 0, new)
  redis.call('HSET', KEYS[1], 'a', ARGV[3])
  e[3] = ARGV[3]
end
return e
`);

/** KEYS entry, ownerActivity, ownerCreated, allActivity, allCreated; ARGV threadId, owner. Returns the entry removed, or nil. */
const REMOVE = defineScript(`
${PAD}
local e = redis.call('HMGET', KEYS[1], 'o', 'c', 'a')
if not e[1] or e[1] ~= ARGV[2] then return false end
redis.call('ZREM', KEYS[2], member(e[3], ARGV[1]))
redis.call('ZREM', KEYS[4], member(e[3], ARGV[1]))
redis.call('ZREM', KEYS[3], member(e[2], ARGV[1]))
redis.call('ZREM', KEYS[5], member(e[2], ARGV[1]))
redis.call('DEL', KEYS[1])
return e
`);

const entryKey = (threadId: string) => `threads:entry:${threadId}`;
const indexKey = (order: ThreadOrder, owner: string | undefined) => (owner === undefined ? `threads:${order}:*` : `threads:${order}:o:${owner}`);

type Fields = [owner: string | null, createdAt: string | null, activityAt: string | null];

function toEntry(threadId: string, fields: Fields | null | undefined): ThreadEntry | undefined {
  if (!fields || fields[0] === null || fields[1] === null || fields[2] === null) return undefined;
  return { threadId, owner: fields[0], createdAt: Number(fields[1]), lastActivityAt: Number(fields[2]) };
}

export class RedisThreadDirectory implements ThreadDirectory {
  constructor(private readonly redis: Redis) {}

  async record(entry: ThreadEntry): Promise<void> {
    const { threadId, owner } = entry;
    await RECORD(this.redis, [entryKey(threadId), indexKey('activity', owner), indexKey('created', owner), indexKey('activity', undefined), indexKey('created', undefined)], [
      threadId,
      owner,
      Math.floor(entry.createdAt),
      Math.floor(entry.lastActivityAt),
    ]);
  }

  async touch(threadId: string, at: number): Promise<ThreadEntry | undefined> {
    const owner = await this.#ownerOf(threadId);
    if (owner === undefined) return undefined;
    const fields = (await TOUCH(this.redis, [entryKey(threadId), indexKey('activity', owner), indexKey('activity', undefined)], [threadId, owner, Math.floor(at)])) as Fields | null;
    return toEntry(threadId, fields);
  }

  async remove(threadId: string): Promise<ThreadEntry | undefined> {
    const owner = await this.#ownerOf(threadId);
    if (owner === undefined) return undefined;
    const keys = [entryKey(threadId), indexKey('activity', owner), indexKey('created', owner), indexKey('activity', undefined), indexKey('created', undefined)];
    return toEntry(threadId, (await REMOVE(this.redis, keys, [threadId, owner])) as Fields | null);
  }

  async get(threadIds: readonly string[]): Promise<Array<ThreadEntry | undefined>> {
    if (threadIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of threadIds) pipeline.hmget(entryKey(id), 'o', 'c', 'a');
    const answers = (await pipeline.exec()) ?? [];
    return threadIds.map((id, index) => {
      const [error, fields] = answers[index] ?? [new Error('no answer'), null];
      if (error) throw error;
      return toEntry(id, fields as Fields);
    });
  }

  async page(query: ThreadPageQuery): Promise<ThreadEntry[]> {
    const key = indexKey(query.order, query.owner);
    const high = query.olderThan ? `(${sortKey(query.olderThan.at, query.olderThan.threadId)}` : '+';
    const low = query.newerThan ? `(${sortKey(query.newerThan.at, query.newerThan.threadId)}` : '-';
    const members =
      query.from === 'newest'
        ? await this.redis.zrevrangebylex(key, high, low, 'LIMIT', 0, query.limit)
        : await this.redis.zrangebylex(key, low, high, 'LIMIT', 0, query.limit);
    const ids = members.map((member) => member.slice(member.indexOf('|') + 1));
    // An entry removed between the two reads is left out.
    return (await this.get(ids)).filter((entry): entry is ThreadEntry => entry !== undefined);
  }

  /** The connection belongs to the cluster, which closes it. */
  async close(): Promise<void> {}

  async #ownerOf(threadId: string): Promise<string | undefined> {
    const owner = await this.redis.hget(entryKey(threadId), 'o');
    return owner ?? undefined;
  }
}
