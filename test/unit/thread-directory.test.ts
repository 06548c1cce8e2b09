import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedThreadDirectory, JOURNAL_FILE } from '../../src/threads/embedded.js';
import { threadDirectoryContract } from '../helpers/thread-directory-contract.js';

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'thread-directory-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

threadDirectoryContract('embedded, in memory', async () => new EmbeddedThreadDirectory());
threadDirectoryContract('embedded, with its journal', async () => new EmbeddedThreadDirectory({ dataDir: freshDir() }));

describe('EmbeddedThreadDirectory journal', () => {
  it('survives a restart: a new directory on the same data dir has the same list', async () => {
    const dataDir = join(freshDir(), 'nested', 'data');
    const before = new EmbeddedThreadDirectory({ dataDir });
    await before.record({ threadId: 'thread_a', owner: 'alice', createdAt: 1_000, lastActivityAt: 1_000 });
    await before.record({ threadId: 'thread_b', owner: 'alice', createdAt: 2_000, lastActivityAt: 2_000 });
    await before.record({ threadId: 'thread_c', owner: 'bob', createdAt: 3_000, lastActivityAt: 3_000 });
    await before.touch('thread_a', 4_000);
    await before.remove('thread_c');
    await before.close();

    const after = new EmbeddedThreadDirectory({ dataDir });
    expect((await after.page({ owner: 'alice', order: 'activity', from: 'newest', limit: 10 })).map((e) => e.threadId)).toEqual(['thread_a', 'thread_b']);
    expect(await after.get(['thread_a', 'thread_c'])).toEqual([{ threadId: 'thread_a', owner: 'alice', createdAt: 1_000, lastActivityAt: 4_000 }, undefined]);
    await after.close();
  });

  it('skips a torn last line, and compacts a journal of mostly superseded lines', async () => {
    const dataDir = freshDir();
    const file = join(dataDir, JOURNAL_FILE);
    const first = new EmbeddedThreadDirectory({ dataDir });
    await first.record({ threadId: 'thread_a', owner: 'alice', createdAt: 1_000, lastActivityAt: 1_000 });
    for (let at = 1_001; at < 1_300; at += 1) await first.touch('thread_a', at);
    await first.close();
    appendFileSync(file, '{"op":"touch","thread');
    expect(readFileSync(file, 'utf8').split('\n').length).toBeGreaterThan(300);

    const second = new EmbeddedThreadDirectory({ dataDir });
    expect(await second.get(['thread_a'])).toEqual([{ threadId: 'thread_a', owner: 'alice', createdAt: 1_000, lastActivityAt: 1_299 }]);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
    await second.close();
  });

  it('ignores lines that are not its own', async () => {
    const dataDir = freshDir();
    writeFileSync(join(dataDir, JOURNAL_FILE), 'not json\n{"op":"record","entry":{"threadId":"thread_a"}}\n{"op":"record","entry":{"threadId":"thread_b","owner":"","createdAt":5,"lastActivityAt":5}}\n');
    const directory = new EmbeddedThreadDirectory({ dataDir });
    expect(directory.size).toBe(1);
    await directory.close();
  });
});
