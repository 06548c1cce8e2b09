import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNumber, openEmbeddedStore } from '../../src/runs-api/engines/responses/store/embedded.js';
import { openEngineStore } from '../../src/runs-api/engines/responses/store/index.js';
import { describeStoreContract, describeStoreDurability, type StoreHarness } from './store.contract.js';

const root = mkdtempSync(join(tmpdir(), 'runs-gateway-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `case-${++dirs}`);

const harness: StoreHarness = {
  async open(now) {
    const dir = freshDir();
    return { store: await openEmbeddedStore(dir, { now }), reopen: () => openEmbeddedStore(dir, { now }) };
  },
};

describeStoreContract('embedded (LevelDB)', harness);
describeStoreDurability('embedded (LevelDB)', harness);

describe('embedded store: one process, crash-safe', () => {
  it('encodes sort keys so that string order is numeric order', () => {
    const values = [-Infinity, -1e300, -2.5, -1, -Number.MIN_VALUE, 0, Number.MIN_VALUE, 1e-10, 1, 1.5, 2, 1e15, 2 ** 53, 1e300, Infinity];
    const encoded = values.map(encodeNumber);
    expect([...encoded].sort()).toEqual(encoded);
    expect(encodeNumber(-0)).toBe(encodeNumber(0));
  });

  it('openEngineStore opens the embedded store on a data directory (created if missing) and needs one of the two', async () => {
    const dir = join(freshDir(), 'nested', 'data');
    const store = await openEngineStore({ dataDir: dir });
    await store.insert('assistant', 'asst_1', { via: 'dataDir' });
    await store.close();
    const again = await openEmbeddedStore(dir);
    try {
      expect(await again.get('assistant', 'asst_1')).toEqual({ id: 'asst_1', doc: { via: 'dataDir' }, version: 1 });
    } finally {
      await again.close();
    }
    await expect(openEngineStore({})).rejects.toThrow(/RUNS_DATA_DIR.*RUNS_DATABASE_URL/);
  });

  it('refuses a second opening of the same directory with a message that names the way out', async () => {
    const dir = freshDir();
    const store = await openEmbeddedStore(dir);
    try {
      await expect(openEmbeddedStore(dir)).rejects.toThrow(/open in another process.*PostgreSQL/);
    } finally {
      await store.close();
    }
  });

  it('a write that resolved before SIGKILL is there after a restart', async () => {
    const dir = freshDir();
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'store-crash-writer.ts'), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    let lastReported = 0;
    const killAfter = 40;
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          const match = /^wrote (\d+)$/.exec(line);
          if (match) lastReported = Number(match[1]);
        }
        // Killed while it goes on writing: the next insert is in flight at that moment.
        if (lastReported >= killAfter && child.signalCode === null) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.once('exit', () => reject(new Error(`the writer exited before it was killed:\n${stderr}`)));
    });
    expect(await exited).toBe('SIGKILL');

    const store = await openEmbeddedStore(dir);
    try {
      const listed = await store.page<{ n: number }>('message', 'thread_crash', { limit: 10_000, order: 'asc' });
      const kept = listed.items.map((item) => item.doc.n);
      expect(kept.length).toBeGreaterThanOrEqual(lastReported);
      expect(kept.slice(0, lastReported)).toEqual(Array.from({ length: lastReported }, (_, index) => index + 1));
      // Nothing half-written: whatever was kept beyond the last report is whole and readable.
      for (const item of listed.items) expect(await store.get('message', item.id)).toEqual(item);
    } finally {
      await store.close();
    }
  });
});
