import { afterEach, describe, expect, it } from 'vitest';
import type { Collection, EngineStore, PageQuery, StorePage } from '../../src/runs-api/engines/responses/store/contract.js';
import { adjustableClock } from '../helpers/wait.js';

/** One store under test, over data of its own. */
export interface OpenedStore {
  store: EngineStore;
  /** Opens the same data again, after `store` was closed (durable stores only). */
  reopen?: () => Promise<EngineStore>;
}

export interface StoreHarness {
  /** An empty store for one test; `now` is its clock for claim expiry. */
  open(now: () => number): Promise<OpenedStore>;
}

interface Doc {
  name: string;
  n?: number;
}

/**
 * The contract of src/runs-api/engines/responses/store/contract.ts, checked the same way on every
 * implementation (memory is the reference; the durable ones must answer exactly as it does).
 */
export function describeStoreContract(name: string, harness: StoreHarness): void {
  describe(`EngineStore contract: ${name}`, () => {
    const toClose: EngineStore[] = [];
    afterEach(async () => {
      await Promise.all(toClose.splice(0).map((store) => store.close()));
    });
    const clock = adjustableClock();
    const open = async () => {
      const opened = await harness.open(clock.now);
      toClose.push(opened.store);
      return opened;
    };
    const openStore = async () => (await open()).store;
    const ids = (page: StorePage<unknown>) => page.items.map((item) => item.id);
    /** Places `children` (id → sortKey) under `parent`, in the order given. */
    const place = async (store: EngineStore, parent: string, children: Array<[string, number]>, collection: Collection = 'message') => {
      for (const [id, sortKey] of children) expect(await store.insert<Doc>(collection, id, { name: id }, { parent, sortKey })).toBe(true);
    };
    const page = (store: EngineStore, parent: string, query: Partial<PageQuery>, collection: Collection = 'message') =>
      store.page<Doc>(collection, parent, { limit: 20, order: 'asc', ...query });

    it('inserts at version 1, reads back a copy, and refuses a second insert of the same id', async () => {
      const store = await openStore();
      expect(await store.get('assistant', 'asst_1')).toBeUndefined();
      expect(await store.insert<Doc>('assistant', 'asst_1', { name: 'first', n: 1 })).toBe(true);
      const read = await store.get<Doc>('assistant', 'asst_1');
      expect(read).toEqual({ id: 'asst_1', doc: { name: 'first', n: 1 }, version: 1 });
      read!.doc.name = 'changed by the reader';
      expect((await store.get<Doc>('assistant', 'asst_1'))?.doc.name).toBe('first');
      expect(await store.insert<Doc>('assistant', 'asst_1', { name: 'second' })).toBe(false);
      expect(await store.get('assistant', 'asst_1')).toEqual({ id: 'asst_1', doc: { name: 'first', n: 1 }, version: 1 });
    });

    it('keeps collections apart: the same id in two collections is two documents', async () => {
      const store = await openStore();
      expect(await store.insert<Doc>('thread', 'x_1', { name: 'thread' })).toBe(true);
      expect(await store.insert<Doc>('run', 'x_1', { name: 'run' })).toBe(true);
      expect((await store.get<Doc>('thread', 'x_1'))?.doc.name).toBe('thread');
      expect((await store.get<Doc>('run', 'x_1'))?.doc.name).toBe('run');
      expect(await store.delete('thread', 'x_1')).toBe(true);
      expect((await store.get<Doc>('run', 'x_1'))?.doc.name).toBe('run');
    });

    it('keeps a document as it was written: key order, unicode, NUL in strings, nulls, nesting, numbers', async () => {
      const store = await openStore();
      const doc = {
        metadata: { zeta: '1', alpha: '2', mid: '3' },
        text: 'héllo 🌍 \u0000 "quoted" \\ end',
        nothing: null,
        list: [1, 'two', { three: [3] }],
        big: 2 ** 53 - 1,
        fraction: 0.1 + 0.2,
        negative: -42,
        flag: false,
      };
      expect(await store.insert('message', 'msg_1', doc, { parent: 'thread_1', sortKey: 1 })).toBe(true);
      const read = await store.get<typeof doc>('message', 'msg_1');
      expect(read?.doc).toEqual(doc);
      expect(Object.keys(read!.doc.metadata)).toEqual(['zeta', 'alpha', 'mid']);
      expect(Object.keys(read!.doc)).toEqual(Object.keys(doc));
      expect((await page(store, 'thread_1', {})).items[0]?.doc).toEqual(doc);
    });

    it('updates only at the expected version, each write one version on', async () => {
      const store = await openStore();
      await store.insert<Doc>('run', 'run_1', { name: 'v1' });
      expect(await store.update<Doc>('run', 'run_1', { name: 'v2' }, 1)).toBe(2);
      expect(await store.update<Doc>('run', 'run_1', { name: 'stale' }, 1)).toBeUndefined();
      expect(await store.get('run', 'run_1')).toEqual({ id: 'run_1', doc: { name: 'v2' }, version: 2 });
      expect(await store.update<Doc>('run', 'run_1', { name: 'v3' }, 2)).toBe(3);
      expect(await store.update<Doc>('run', 'run_missing', { name: 'x' }, 1)).toBeUndefined();
      expect(await store.get('run', 'run_missing')).toBeUndefined();
    });

    it('compare-and-set: of concurrent updates from one version exactly one wins, and its document is kept', async () => {
      const store = await openStore();
      await store.insert<Doc>('run', 'run_1', { name: 'start' });
      const results = await Promise.all(Array.from({ length: 8 }, (_, index) => store.update<Doc>('run', 'run_1', { name: `writer ${index}` }, 1)));
      const winners = results.flatMap((version, index) => (version === undefined ? [] : [index]));
      expect(winners).toHaveLength(1);
      expect(results[winners[0]!]).toBe(2);
      expect(await store.get('run', 'run_1')).toEqual({ id: 'run_1', doc: { name: `writer ${winners[0]}` }, version: 2 });
    });

    it('concurrent inserts of one id: exactly one creates it', async () => {
      const store = await openStore();
      const results = await Promise.all(Array.from({ length: 6 }, (_, index) => store.insert<Doc>('intent', 'intent_1', { name: `writer ${index}` })));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.get<Doc>('intent', 'intent_1'))?.doc.name).toBe(`writer ${results.indexOf(true)}`);
    });

    it('deletes an unplaced document outright: gone, a second delete is false, the id can be inserted anew', async () => {
      const store = await openStore();
      await store.insert<Doc>('assistant', 'asst_1', { name: 'a' });
      expect(await store.delete('assistant', 'asst_1')).toBe(true);
      expect(await store.get('assistant', 'asst_1')).toBeUndefined();
      expect(await store.delete('assistant', 'asst_1')).toBe(false);
      expect(await store.delete('assistant', 'never_was')).toBe(false);
      expect(await store.update<Doc>('assistant', 'asst_1', { name: 'b' }, 1)).toBeUndefined();
      expect(await store.insert<Doc>('assistant', 'asst_1', { name: 'again' })).toBe(true);
      expect((await store.get<Doc>('assistant', 'asst_1'))?.doc.name).toBe('again');
    });

    it('deleting a placed document leaves a tombstone: not readable, not listed, not updatable, still a cursor', async () => {
      const store = await openStore();
      await place(store, 'thread_1', [['msg_a', 1], ['msg_b', 2], ['msg_c', 3]]);
      expect(await store.delete('message', 'msg_b')).toBe(true);
      expect(await store.get('message', 'msg_b')).toBeUndefined();
      expect(await store.delete('message', 'msg_b')).toBe(false);
      expect(await store.update<Doc>('message', 'msg_b', { name: 'x' }, 1)).toBeUndefined();
      expect(ids(await page(store, 'thread_1', {}))).toEqual(['msg_a', 'msg_c']);
      expect(ids(await page(store, 'thread_1', { after: 'msg_b' }))).toEqual(['msg_c']);
      expect(ids(await page(store, 'thread_1', { before: 'msg_b' }))).toEqual(['msg_a']);
      expect(ids(await page(store, 'thread_1', { order: 'desc', after: 'msg_b' }))).toEqual(['msg_a']);
      expect(await page(store, 'thread_1', { after: 'msg_b' })).not.toHaveProperty('unknownCursor');
    });

    it('an id inserted over its tombstone is live again, a version on, at its new place', async () => {
      const store = await openStore();
      await place(store, 'thread_1', [['msg_a', 1], ['msg_b', 2], ['msg_c', 3]]);
      await store.delete('message', 'msg_a');
      expect(await store.insert<Doc>('message', 'msg_a', { name: 'back' }, { parent: 'thread_1', sortKey: 10 })).toBe(true);
      const read = await store.get<Doc>('message', 'msg_a');
      expect(read?.doc.name).toBe('back');
      expect(read!.version).toBeGreaterThan(1);
      expect(ids(await page(store, 'thread_1', {}))).toEqual(['msg_b', 'msg_c', 'msg_a']);
    });

    it('lists the children of one parent in (sortKey, id) order, asc and desc, and nothing of other parents or collections', async () => {
      const store = await openStore();
      await place(store, 'thread_1', [['m_d', 2], ['m_b', 1], ['m_c', 1], ['m_a', 3], ['m_neg', -5], ['m_frac', 1.5]]);
      await place(store, 'thread_2', [['m_other', 1]]);
      await place(store, 'thread_1', [['step_1', 1]], 'step');
      await store.insert<Doc>('message', 'm_unplaced', { name: 'unplaced' });
      const asc = await page(store, 'thread_1', {});
      expect(ids(asc)).toEqual(['m_neg', 'm_b', 'm_c', 'm_frac', 'm_d', 'm_a']);
      expect(asc.hasMore).toBe(false);
      expect(asc.items[0]).toEqual({ id: 'm_neg', doc: { name: 'm_neg' }, version: 1 });
      expect(ids(await page(store, 'thread_1', { order: 'desc' }))).toEqual(['m_a', 'm_d', 'm_frac', 'm_c', 'm_b', 'm_neg']);
      expect(ids(await page(store, 'thread_2', {}))).toEqual(['m_other']);
      expect(ids(await page(store, 'thread_1', {}, 'step'))).toEqual(['step_1']);
      expect(await page(store, 'thread_empty', {})).toEqual({ items: [], hasMore: false });
    });

    it('an update changes the document but not its place', async () => {
      const store = await openStore();
      await place(store, 'thread_1', [['m_1', 1], ['m_2', 2]]);
      expect(await store.update<Doc>('message', 'm_1', { name: 'edited' }, 1)).toBe(2);
      const listed = await page(store, 'thread_1', {});
      expect(listed.items.map((item) => [item.id, item.doc.name, item.version])).toEqual([['m_1', 'edited', 2], ['m_2', 'm_2', 1]]);
    });

    it('pages forward with after: limit items each, hasMore until the last page', async () => {
      const store = await openStore();
      await place(store, 'thread_1', [['m_1', 1], ['m_2', 2], ['m_3', 3], ['m_4', 4], ['m_5', 5]]);
      const first = await page(store, 'thread_1', { limit: 2 });
      expect([ids(first), first.hasMore]).toEqual([['m_1', 'm_2'], true]);
      const second = await page(store, 'thread_1', { limit: 2, after: 'm_2' });
      expect([ids(second), second.hasMore]).toEqual([['m_3', 'm_4'], true]);
      const third = await page(store, 'thread_1', { limit: 2, after: 'm_4' });
      expect([ids(third), third.hasMore]).toEqual([['m_5'], false]);
      const exact = await page(store, 'thread_1', { limit: 5 });
      expect([ids(exact).length, exact.hasMore]).toEqual([5, false]);
      const afterLast = await page(store, 'thread_1', { after: 'm_5' });
      expect(afterLast).toEqual({ items: [], hasMore: false });
      const desc = await page(store, 'thread_1', { limit: 2, order: 'desc', after: 'm_4' });
      expect([ids(desc), desc.hasMore]).toEqual([['m_3', 'm_2'], true]);
    });

    it('pages backwards with before only: the limit items nearest the cursor, in order, hasMore when more lie beyond', async () => {
      const store = await openStore();
      await place(store, 'thread_1', [['m_1', 1], ['m_2', 2], ['m_3', 3], ['m_4', 4], ['m_5', 5]]);
      const back = await page(store, 'thread_1', { limit: 2, before: 'm_5' });
      expect([ids(back), back.hasMore]).toEqual([['m_3', 'm_4'], true]);
      const further = await page(store, 'thread_1', { limit: 2, before: 'm_3' });
      expect([ids(further), further.hasMore]).toEqual([['m_1', 'm_2'], false]);
      const atStart = await page(store, 'thread_1', { before: 'm_1' });
      expect(atStart).toEqual({ items: [], hasMore: false });
      const desc = await page(store, 'thread_1', { limit: 2, order: 'desc', before: 'm_1' });
      expect([ids(desc), desc.hasMore]).toEqual([['m_3', 'm_2'], true]);
      const descAll = await page(store, 'thread_1', { order: 'desc', before: 'm_3' });
      expect([ids(descAll), descAll.hasMore]).toEqual([['m_5', 'm_4'], false]);
    });

    it('pages between after and before: strictly inside, from the after side', async () => {
      const store = await openStore();
      await place(store, 'thread_1', [['m_1', 1], ['m_2', 2], ['m_3', 3], ['m_4', 4], ['m_5', 5], ['m_6', 6]]);
      const inside = await page(store, 'thread_1', { after: 'm_1', before: 'm_6' });
      expect([ids(inside), inside.hasMore]).toEqual([['m_2', 'm_3', 'm_4', 'm_5'], false]);
      const limited = await page(store, 'thread_1', { limit: 2, after: 'm_1', before: 'm_6' });
      expect([ids(limited), limited.hasMore]).toEqual([['m_2', 'm_3'], true]);
      const desc = await page(store, 'thread_1', { limit: 2, order: 'desc', after: 'm_6', before: 'm_1' });
      expect([ids(desc), desc.hasMore]).toEqual([['m_5', 'm_4'], true]);
      const empty = await page(store, 'thread_1', { after: 'm_4', before: 'm_2' });
      expect(empty).toEqual({ items: [], hasMore: false });
    });

    it('skips tombstones inside a page and does not count them for hasMore', async () => {
      const store = await openStore();
      await place(store, 'thread_1', [['m_1', 1], ['m_2', 2], ['m_3', 3], ['m_4', 4]]);
      await store.delete('message', 'm_2');
      await store.delete('message', 'm_4');
      const first = await page(store, 'thread_1', { limit: 2 });
      expect([ids(first), first.hasMore]).toEqual([['m_1', 'm_3'], false]);
      const back = await page(store, 'thread_1', { limit: 1, before: 'm_4' });
      expect([ids(back), back.hasMore]).toEqual([['m_3'], true]);
    });

    it('a cursor that never was a child of this parent gives an empty page with unknownCursor', async () => {
      const store = await openStore();
      await place(store, 'thread_1', [['m_1', 1], ['m_2', 2]]);
      await place(store, 'thread_2', [['m_elsewhere', 1]]);
      await store.insert<Doc>('message', 'm_unplaced', { name: 'unplaced' });
      await place(store, 'thread_1', [['step_1', 1]], 'step');
      for (const cursor of ['m_nowhere', 'm_elsewhere', 'm_unplaced', 'step_1']) {
        expect(await page(store, 'thread_1', { after: cursor })).toEqual({ items: [], hasMore: false, unknownCursor: 'after' });
        expect(await page(store, 'thread_1', { before: cursor })).toEqual({ items: [], hasMore: false, unknownCursor: 'before' });
      }
      expect(await page(store, 'thread_1', { after: 'm_1', before: 'm_nowhere' })).toEqual({ items: [], hasMore: false, unknownCursor: 'before' });
      expect((await page(store, 'thread_1', { after: 'm_nowhere', before: 'm_also_nowhere' })).unknownCursor).toBe('after');
    });

    it('deleteChildren removes one parent\'s children of one collection, tombstones too, and counts the live ones', async () => {
      const store = await openStore();
      await place(store, 'run_1', [['step_1', 1], ['step_2', 2], ['step_3', 3]], 'step');
      await place(store, 'run_2', [['step_4', 1]], 'step');
      await place(store, 'run_1', [['msg_1', 1]], 'message');
      await store.delete('step', 'step_2');
      expect(await store.deleteChildren('step', 'run_1')).toBe(2);
      expect(await store.get('step', 'step_1')).toBeUndefined();
      expect(await page(store, 'run_1', {}, 'step')).toEqual({ items: [], hasMore: false });
      // The tombstone went too: its id is no longer a place in the list.
      expect((await page(store, 'run_1', { after: 'step_2' }, 'step')).unknownCursor).toBe('after');
      expect(ids(await page(store, 'run_2', {}, 'step'))).toEqual(['step_4']);
      expect(ids(await page(store, 'run_1', {}, 'message'))).toEqual(['msg_1']);
      expect(await store.deleteChildren('step', 'run_1')).toBe(0);
      expect(await store.insert<Doc>('step', 'step_1', { name: 'anew' }, { parent: 'run_1', sortKey: 1 })).toBe(true);
    });

    it('claimOnce: true the first time, false while unexpired, true again after expiry; keys are independent', async () => {
      const store = await openStore();
      expect(await store.claimOnce('webhook:evt_1', 60_000)).toBe(true);
      expect(await store.claimOnce('webhook:evt_1', 60_000)).toBe(false);
      expect(await store.claimOnce('webhook:evt_2', 60_000)).toBe(true);
      clock.advance(59_000);
      expect(await store.claimOnce('webhook:evt_1', 60_000)).toBe(false);
      clock.advance(2_000);
      expect(await store.claimOnce('webhook:evt_1', 60_000)).toBe(true);
      expect(await store.claimOnce('webhook:evt_1', 60_000)).toBe(false);
    });

    it('claimOnce under concurrency: of simultaneous claims of one key exactly one is true', async () => {
      const store = await openStore();
      const results = await Promise.all(Array.from({ length: 8 }, () => store.claimOnce('webhook:evt_race', 60_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('close resolves, and a second close too', async () => {
      const { store } = await open();
      await store.insert<Doc>('assistant', 'asst_1', { name: 'a' });
      await store.close();
      await store.close();
    });
  });
}

/** For the durable implementations: what was written is there after close and reopen. */
export function describeStoreDurability(name: string, harness: StoreHarness): void {
  describe(`EngineStore durability: ${name}`, () => {
    const toClose: EngineStore[] = [];
    afterEach(async () => {
      await Promise.all(toClose.splice(0).map((store) => store.close()));
    });
    const clock = adjustableClock();

    it('close and reopen keeps documents, versions, places, tombstones and claims', async () => {
      const opened = await harness.open(clock.now);
      const first = opened.store;
      await first.insert<Doc>('assistant', 'asst_1', { name: 'kept' });
      expect(await first.update<Doc>('assistant', 'asst_1', { name: 'kept v2' }, 1)).toBe(2);
      await first.insert<Doc>('assistant', 'asst_gone', { name: 'gone' });
      await first.delete('assistant', 'asst_gone');
      for (const [id, sortKey] of [['m_1', 1], ['m_2', 2], ['m_3', 3]] as const) {
        await first.insert<Doc>('message', id, { name: id }, { parent: 'thread_1', sortKey });
      }
      await first.delete('message', 'm_2');
      expect(await first.claimOnce('webhook:evt_1', 60_000)).toBe(true);
      await first.close();

      const second = await opened.reopen!();
      toClose.push(second);
      expect(await second.get('assistant', 'asst_1')).toEqual({ id: 'asst_1', doc: { name: 'kept v2' }, version: 2 });
      expect(await second.get('assistant', 'asst_gone')).toBeUndefined();
      expect((await second.page<Doc>('message', 'thread_1', { limit: 10, order: 'asc' })).items.map((item) => item.id)).toEqual(['m_1', 'm_3']);
      expect((await second.page<Doc>('message', 'thread_1', { limit: 10, order: 'asc', after: 'm_2' })).items.map((item) => item.id)).toEqual(['m_3']);
      expect(await second.claimOnce('webhook:evt_1', 60_000)).toBe(false);
      expect(await second.update<Doc>('assistant', 'asst_1', { name: 'v3' }, 2)).toBe(3);
    });
  });
}
