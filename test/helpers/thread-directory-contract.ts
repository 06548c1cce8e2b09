import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ThreadDirectory, ThreadEntry, ThreadPageQuery } from '../../src/threads/directory.js';

/**
 * What every ThreadDirectory must do, run on each implementation (test/unit/thread-directory.test.ts: embedded;
 * test/cluster/thread-directory-redis.test.ts: Redis). `open` gives an empty directory.
 */
export function threadDirectoryContract(name: string, open: () => Promise<ThreadDirectory>): void {
  describe(`ThreadDirectory contract: ${name}`, () => {
    let directory: ThreadDirectory;
    beforeEach(async () => {
      directory = await open();
    });
    afterEach(async () => {
      await directory.close();
    });

    const entry = (threadId: string, owner: string, createdAt: number, lastActivityAt = createdAt): ThreadEntry => ({ threadId, owner, createdAt, lastActivityAt });
    const ids = (entries: ThreadEntry[]) => entries.map((e) => e.threadId);
    const page = (query: Partial<ThreadPageQuery>) => directory.page({ owner: undefined, order: 'activity', from: 'newest', limit: 100, ...query });

    it('lists one owner\'s threads newest first, and every owner\'s when no owner is given', async () => {
      await directory.record(entry('thread_a1', 'alice', 1_000));
      await directory.record(entry('thread_b1', 'bob', 2_000));
      await directory.record(entry('thread_a2', 'alice', 3_000));
      expect(ids(await page({ owner: 'alice' }))).toEqual(['thread_a2', 'thread_a1']);
      expect(ids(await page({ owner: 'bob' }))).toEqual(['thread_b1']);
      expect(ids(await page({ owner: 'carol' }))).toEqual([]);
      expect(ids(await page({}))).toEqual(['thread_a2', 'thread_b1', 'thread_a1']);
      expect(ids(await page({ owner: 'alice', from: 'oldest' }))).toEqual(['thread_a1', 'thread_a2']);
    });

    it('activity moves a thread up the activity order only, and only forward', async () => {
      await directory.record(entry('thread_old', 'alice', 1_000));
      await directory.record(entry('thread_new', 'alice', 2_000));
      const touched = await directory.touch('thread_old', 3_000);
      expect(touched).toEqual(entry('thread_old', 'alice', 1_000, 3_000));
      expect(ids(await page({ owner: 'alice' }))).toEqual(['thread_old', 'thread_new']);
      expect(ids(await page({ owner: 'alice', order: 'created' }))).toEqual(['thread_new', 'thread_old']);
      expect(await directory.touch('thread_old', 500)).toEqual(entry('thread_old', 'alice', 1_000, 3_000));
      expect(ids(await page({}))).toEqual(['thread_old', 'thread_new']);
      expect(await directory.touch('thread_unknown', 4_000)).toBeUndefined();
    });

    it('recording a thread again keeps its owner and creation, and the later activity', async () => {
      await directory.record(entry('thread_x', 'alice', 1_000));
      await directory.record(entry('thread_x', 'alice', 5_000, 6_000));
      expect(await directory.get(['thread_x'])).toEqual([entry('thread_x', 'alice', 1_000, 6_000)]);
      await directory.record(entry('thread_x', 'mallory', 7_000));
      expect((await directory.get(['thread_x']))[0]?.owner).toBe('alice');
      expect(ids(await page({ owner: 'mallory' }))).toEqual([]);
    });

    it('removes a thread from every ordering', async () => {
      await directory.record(entry('thread_a', 'alice', 1_000));
      await directory.record(entry('thread_b', 'alice', 2_000));
      await directory.touch('thread_a', 3_000);
      expect(await directory.remove('thread_a')).toEqual(entry('thread_a', 'alice', 1_000, 3_000));
      expect(await directory.remove('thread_a')).toBeUndefined();
      for (const order of ['activity', 'created'] as const) {
        expect(ids(await page({ order, owner: 'alice' }))).toEqual(['thread_b']);
        expect(ids(await page({ order }))).toEqual(['thread_b']);
      }
      expect(await directory.get(['thread_a', 'thread_b'])).toEqual([undefined, entry('thread_b', 'alice', 2_000)]);
    });

    it('pages both ways by position, exclusive bounds, ties broken by id', async () => {
      for (let index = 0; index < 7; index += 1) await directory.record(entry(`thread_${index}`, 'alice', 1_000 + Math.floor(index / 2) * 1_000));
      // Times: 0,1 → 1000; 2,3 → 2000; 4,5 → 3000; 6 → 4000. Newest first: 6, 5, 4, 3, 2, 1, 0.
      const first = await page({ owner: 'alice', limit: 3 });
      expect(ids(first)).toEqual(['thread_6', 'thread_5', 'thread_4']);
      const last = first.at(-1)!;
      const second = await page({ owner: 'alice', limit: 3, olderThan: { at: last.lastActivityAt, threadId: last.threadId } });
      expect(ids(second)).toEqual(['thread_3', 'thread_2', 'thread_1']);
      const back = await page({ owner: 'alice', limit: 2, from: 'oldest', newerThan: { at: 2_000, threadId: 'thread_3' } });
      expect(ids(back)).toEqual(['thread_4', 'thread_5']);
      const between = await page({ owner: 'alice', newerThan: { at: 1_000, threadId: 'thread_1' }, olderThan: { at: 3_000, threadId: 'thread_5' } });
      expect(ids(between)).toEqual(['thread_4', 'thread_3', 'thread_2']);
      expect(ids(await page({ owner: 'alice', olderThan: { at: 1_000, threadId: 'thread_0' } }))).toEqual([]);
    });
  });
}
