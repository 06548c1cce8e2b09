import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LinkedSet } from '../../src/collections/linked-set.js';

describe('LinkedSet', () => {
  it('adds, finds and deletes members, counting them', () => {
    const set = new LinkedSet<{ n: number }>();
    const [a, b, c] = [{ n: 1 }, { n: 2 }, { n: 3 }];
    set.add(a).add(b).add(c).add(b);
    expect(set.size).toBe(3);
    expect([...set].map((m) => m.n)).toEqual([3, 2, 1]);
    expect(set.delete(b)).toBe(true);
    expect(set.delete(b)).toBe(false);
    expect([...set].map((m) => m.n)).toEqual([3, 1]);
    set.delete(c);
    set.delete(a);
    expect(set.size).toBe(0);
    expect([...set]).toEqual([]);
    set.add(b);
    expect([...set]).toEqual([b]);
  });

  it('is safe to change while going through it (the shutdown closes what it visits)', () => {
    const set = new LinkedSet<{ n: number }>();
    const members = Array.from({ length: 5 }, (_, n) => ({ n }));
    for (const m of members) set.add(m);
    const visited: number[] = [];
    for (const m of set) {
      visited.push(m.n);
      set.delete(m);
      set.delete(members[0]!);
      set.add({ n: 99 });
    }
    expect(visited).toEqual([4, 3, 2, 1, 0]);
    expect([...set].map((m) => m.n)).toEqual([99, 99, 99, 99, 99]);
  });

  it('lets one object belong to two sets', () => {
    const [first, second] = [new LinkedSet<object>(), new LinkedSet<object>()];
    const shared = {};
    first.add(shared);
    second.add(shared);
    first.delete(shared);
    expect([...first]).toEqual([]);
    expect([...second]).toEqual([shared]);
    expect(first.delete(shared)).toBe(false);
  });

  it('lets members that left be collected young, where a long-lived Set keeps them until a full collection', () => {
    const probe = fileURLToPath(new URL('../helpers/churn-retention-probe.ts', import.meta.url));
    const promoted = (kind: string) => (JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', probe, kind], { encoding: 'utf8' })) as { promotedKiB: number }).promotedKiB;
    const linked = promoted('linked-set');
    const set = promoted('set');
    // 4,000 members of ~200 objects each went through: a Set's tables left behind promote megabytes of them.
    expect(linked).toBeLessThan(512);
    expect(set).toBeGreaterThan(linked * 4 + 1024);
  });
});
