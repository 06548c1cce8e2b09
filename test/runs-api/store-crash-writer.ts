/**
 * A child process for store-embedded.test.ts: opens the embedded store in argv[2] and inserts documents
 * one after another, printing `wrote <n>` once each insert has resolved, until it is killed.
 */
import { openEmbeddedStore } from '../../src/runs-api/engines/responses/store/embedded.js';

const store = await openEmbeddedStore(process.argv[2]!);
process.stdout.write('open\n');
for (let n = 1; ; n += 1) {
  await store.insert('message', `msg_${n}`, { n }, { parent: 'thread_crash', sortKey: n });
  process.stdout.write(`wrote ${n}\n`);
}
