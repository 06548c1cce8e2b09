import { describe, expect, it } from 'vitest';
import { ReadCache } from '../../src/upstream/read-cache.js';
import type { ClientSignal } from '../../src/upstream/interest.js';
import { SharedGets } from '../../src/upstream/shared-gets.js';
import { deferred } from '../helpers/wait.js';

describe('read cache (injected clock)', () => {
  it('serves an answer younger than the reader\'s maximum age, counted from when its GET began', () => {
    let now = 1_000;
    const cache = new ReadCache<string>({ now: () => now });
    cache.set('a', { startedAt: now, value: 'first' }, cache.generation);
    now += 99;
    expect(cache.get('a', 100)?.value).toBe('first');
    now += 1;
    expect(cache.get('a', 100)).toBeUndefined();
    expect(cache.get('a', 1_000)?.value).toBe('first');
  });

  it('drops answers under a prefix and refuses one whose GET began before the invalidation', () => {
    const cache = new ReadCache<string>({ now: () => 0 });
    const before = cache.generation;
    cache.set('/threads/t/runs/r', { startedAt: 0, value: 'run' }, before);
    cache.set('/threads/u', { startedAt: 0, value: 'other' }, before);
    cache.invalidate('/threads/t');
    expect(cache.generation).toBe(before + 1);
    expect(cache.get('/threads/t/runs/r', 10)).toBeUndefined();
    expect(cache.get('/threads/u', 10)?.value).toBe('other');
    cache.set('/threads/t/runs/r', { startedAt: 0, value: 'stale' }, before);
    expect(cache.get('/threads/t/runs/r', 10)).toBeUndefined();
  });

  it('stays within its bound: expired answers go first, then the oldest', () => {
    let now = 0;
    const cache = new ReadCache<number>({ now: () => now, maxEntries: 3 });
    cache.get('x', 10);
    for (let i = 0; i < 3; i++) cache.set(`old${i}`, { startedAt: now, value: i }, cache.generation);
    now = 50;
    cache.set('fresh', { startedAt: now, value: 9 }, cache.generation);
    expect(cache.size).toBe(1);
    for (let i = 0; i < 5; i++) cache.set(`new${i}`, { startedAt: now, value: i }, cache.generation);
    expect(cache.size).toBe(3);
    expect(cache.get('new4', 10)?.value).toBe(4);
  });
});

describe('read cache bytes', () => {
  it('stays within its bytes in total, and does not keep an answer larger than its per-answer bound', () => {
    const cache = new ReadCache<string>({ now: () => 0, maxBytes: 10, maxAnswerBytes: 6, sizeOf: (value) => value.length });
    cache.get('any', 10); // a reader that accepts answers up to 10 ms old: none here is expired
    cache.set('a', { startedAt: 0, value: 'aaaa' }, cache.generation);
    cache.set('b', { startedAt: 0, value: 'bbbb' }, cache.generation);
    expect(cache.bytes).toBe(8);
    cache.set('c', { startedAt: 0, value: 'cccc' }, cache.generation);
    expect(cache.get('a', 10)).toBeUndefined();
    expect(cache.get('c', 10)?.value).toBe('cccc');
    expect(cache.bytes).toBe(8);
    cache.set('huge', { startedAt: 0, value: 'hhhhhhh' }, cache.generation);
    expect(cache.get('huge', 10)).toBeUndefined();
    cache.set('b', { startedAt: 0, value: 'bb' }, cache.generation);
    cache.invalidate('c');
    expect(cache.bytes).toBe(2);
    expect(cache.size).toBe(1);
  });
});

describe('shared GETs', () => {
  it('one start per URL while in flight; forgotten when settled or invalidated', async () => {
    const shared = new SharedGets<string>();
    const gate = deferred<string>();
    let starts = 0;
    const start = () => {
      starts += 1;
      return gate.promise;
    };
    const answers = [shared.get('u', start, undefined), shared.get('u', start, undefined)];
    expect(shared.size).toBe(1);
    shared.forget('u');
    const later = shared.get('u', () => Promise.resolve('fresh'), undefined);
    gate.resolve('old');
    expect(await Promise.all(answers)).toEqual(['old', 'old']);
    expect(await later).toBe('fresh');
    expect(starts).toBe(1);
    expect(shared.size).toBe(0);
  });

  it('aborts the GET upstream when the last client waiting for it leaves', async () => {
    const shared = new SharedGets<string>();
    let upstreamSignal: ClientSignal | undefined;
    const a = new AbortController();
    const b = new AbortController();
    const start = (signal: ClientSignal) => {
      upstreamSignal = signal;
      return new Promise<string>(() => undefined);
    };
    const first = shared.get('u', start, a.signal);
    const second = shared.get('u', start, b.signal);
    a.abort();
    await expect(first).rejects.toThrow();
    expect(upstreamSignal?.aborted).toBe(false);
    b.abort();
    await expect(second).rejects.toThrow();
    expect(upstreamSignal?.aborted).toBe(true);
  });
});

describe('the request core is free of GraphQL', () => {
  it('no module the core reaches imports graphql (another wire can send through it)', async () => {
    const { readFile } = await import('node:fs/promises');
    const path = await import('node:path');
    const root = path.resolve(__dirname, '../../src/upstream');
    const seen = new Set<string>();
    const visit = async (file: string): Promise<void> => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = await readFile(file, 'utf8');
      for (const [, spec] of source.matchAll(/^import\s+(?!type\b)[^'"]*['"]([^'"]+)['"]/gm)) {
        expect(spec, `${path.basename(file)} imports ${spec}`).not.toMatch(/^graphql|pothos|yoga/);
        if (spec!.startsWith('.')) await visit(path.resolve(path.dirname(file), spec!.replace(/\.js$/, '.ts')));
      }
    };
    for (const entry of ['request.ts', 'stream.ts', 'shared-gets.ts', 'read-cache.ts']) await visit(path.join(root, entry));
    expect([...seen].map((file) => path.basename(file))).toEqual(expect.arrayContaining(['breaker.ts', 'http-errors.ts', 'retry.ts']));
  });
});
