// Run with `node --expose-gc --import tsx`: prints how many KiB of members churned through a long-lived container
// reached the old generation through young-generation collections alone, as JSON on one line.
import v8 from 'node:v8';
import { LinkedSet } from '../../src/collections/linked-set.js';

type Container = { add(value: object): unknown; delete(value: object): boolean };
const kind = process.argv[2];
const container: Container = kind === 'set' ? new Set<object>() : new LinkedSet<object>();
const collect = (globalThis as { gc?: (options?: { type: 'minor' | 'major'; execution: 'sync' }) => void }).gc;
if (!collect) throw new Error('run with --expose-gc');
const oldSpaceUsed = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'old_space')!.space_used_size;
// A member stands for a response in flight: a few hundred small objects hang off it.
const member = () => ({ parts: Array.from({ length: 200 }, (_, i) => ({ i })) });

const live: object[] = [];
for (let i = 0; i < 50; i++) live.push(member());
for (const value of live) container.add(value);
// Twice: the container (and a Set's table) are old from here on, as a gateway's are after a few seconds.
collect({ type: 'major', execution: 'sync' });
collect({ type: 'major', execution: 'sync' });
const before = oldSpaceUsed();
for (let round = 0; round < 40; round++) {
  for (let i = 0; i < 100; i++) {
    container.delete(live.shift()!);
    const next = member();
    live.push(next);
    container.add(next);
  }
  collect({ type: 'minor', execution: 'sync' });
}
console.log(JSON.stringify({ kind, promotedKiB: Math.round((oldSpaceUsed() - before) / 1024) }));
