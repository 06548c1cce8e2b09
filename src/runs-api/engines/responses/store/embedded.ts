import { mkdirSync } from 'node:fs';
import { ClassicLevel } from 'classic-level';
import type { Collection, EngineStore, PageQuery, Placement, StorePage, Versioned } from './contract.js';

/**
 * Key layout (one LevelDB, utf8 keys, JSON values; NUL separates the parts, so no part may hold one):
 *   d␀<collection>␀<id>                          → DocRow (doc absent for a tombstone)
 *   i␀<collection>␀<parent>␀<sortKey>␀<id>       → true while live, false for a tombstone
 *   c␀<claim key>                                → expiry (ms)
 *   x␀<expiry>␀<claim key>                       → true (lets expired claims be swept in order)
 * <sortKey> and <expiry> are order-preserving hex encodings of the number, so LevelDB's byte order is
 * the (sortKey, id) order of the contract.
 */
interface DocRow {
  doc?: unknown;
  version: number;
  placement?: Placement;
}

type Value = DocRow | boolean | number;
type Operation = { type: 'put'; key: string; value: Value } | { type: 'del'; key: string };

export interface EmbeddedStoreOptions {
  /**
   * fsync LevelDB's log before a write resolves (default true): a resolved write then survives a
   * power loss or kernel crash too, not only a killed process. Without it a write is in the log
   * (the OS page cache) when it resolves, which survives SIGKILL but not the machine going down.
   */
  sync?: boolean;
  /** The clock for claim expiry. */
  now?: () => number;
}

const SEP = '\u0000';
/** Upper bound of a key range with prefix p: every key starting with p sorts before p + U+FFFF. */
const END = '\uffff';
/** Expired claims are swept once per this many claims (and at open), so the sweep's cost is spread thin. */
const CLAIM_SWEEP_EVERY = 100;

/**
 * The embedded store: one LevelDB directory, no server. LevelDB lets one process open it (its LOCK
 * file); inside the process every write goes through one queue, so a compare-and-set reads and writes
 * with nothing in between. Several instances need the PostgreSQL store instead.
 */
export async function openEmbeddedStore(dataDir: string, options: EmbeddedStoreOptions = {}): Promise<EngineStore> {
  const sync = options.sync ?? true;
  const now = options.now ?? Date.now;
  mkdirSync(dataDir, { recursive: true });
  const db = new ClassicLevel<string, Value>(dataDir, { keyEncoding: 'utf8', valueEncoding: 'json' });
  try {
    await db.open();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') {
      throw new Error(`the embedded store in ${dataDir} is open in another process; it serves one process (several instances need the PostgreSQL store)`);
    }
    throw new Error(`cannot open the embedded store in ${dataDir}: ${(error as Error).message}`);
  }

  let queue: Promise<unknown> = Promise.resolve();
  /** Runs `task` after every write queued before it; a failed task does not stop the queue. */
  const exclusive = <T>(task: () => Promise<T>): Promise<T> => {
    const result = queue.then(task);
    queue = result.catch(() => undefined);
    return result;
  };
  const write = (operations: Operation[]) => db.batch(operations, { sync });
  const readRow = async (collection: Collection, id: string) => (await db.get(docKey(collection, id))) as DocRow | undefined;
  let closed = false;
  let claimsSinceSweep = 0;

  const sweepExpiredClaims = async () => {
    const operations: Operation[] = [];
    for await (const key of db.keys({ gt: `x${SEP}`, lt: `x${SEP}${encodeNumber(now())}${END}` })) {
      const claimKey = key.slice(key.indexOf(SEP, 2) + 1);
      operations.push({ type: 'del', key }, { type: 'del', key: `c${SEP}${claimKey}` });
    }
    if (operations.length > 0) await write(operations);
  };
  await exclusive(sweepExpiredClaims);

  const store: EngineStore = {
    async get<T>(collection: Collection, id: string) {
      const row = await readRow(collection, id);
      return row && 'doc' in row ? ({ id, doc: row.doc as T, version: row.version } satisfies Versioned<T>) : undefined;
    },

    insert(collection, id, doc, placement) {
      assertKeyPart(id, 'id');
      if (placement) assertKeyPart(placement.parent, 'parent');
      return exclusive(async () => {
        const existing = await readRow(collection, id);
        if (existing && 'doc' in existing) return false;
        const operations: Operation[] = [];
        // Inserting over a tombstone takes the new placement; the old place goes with it.
        if (existing?.placement) operations.push({ type: 'del', key: indexKey(collection, existing.placement, id) });
        const row: DocRow = { doc, version: (existing?.version ?? 0) + 1, ...(placement ? { placement } : {}) };
        operations.push({ type: 'put', key: docKey(collection, id), value: row });
        if (placement) operations.push({ type: 'put', key: indexKey(collection, placement, id), value: true });
        await write(operations);
        return true;
      });
    },

    update(collection, id, doc, expectedVersion) {
      return exclusive(async () => {
        const row = await readRow(collection, id);
        if (!row || !('doc' in row) || row.version !== expectedVersion) return undefined;
        const next: DocRow = { ...row, doc, version: row.version + 1 };
        await write([{ type: 'put', key: docKey(collection, id), value: next }]);
        return next.version;
      });
    },

    delete(collection, id) {
      return exclusive(async () => {
        const row = await readRow(collection, id);
        if (!row || !('doc' in row)) return false;
        if (row.placement) {
          const tombstone: DocRow = { version: row.version + 1, placement: row.placement };
          await write([
            { type: 'put', key: docKey(collection, id), value: tombstone },
            { type: 'put', key: indexKey(collection, row.placement, id), value: false },
          ]);
        } else {
          await write([{ type: 'del', key: docKey(collection, id) }]);
        }
        return true;
      });
    },

    deleteChildren(collection, parent) {
      return exclusive(async () => {
        const prefix = childPrefix(collection, parent);
        const operations: Operation[] = [];
        let removed = 0;
        for await (const [key, live] of db.iterator({ gt: prefix, lt: prefix + END })) {
          if (live === true) removed += 1;
          operations.push({ type: 'del', key }, { type: 'del', key: docKey(collection, idOfIndexKey(key)) });
        }
        if (operations.length > 0) await write(operations);
        return removed;
      });
    },

    async page<T>(collection: Collection, parent: string, query: PageQuery): Promise<StorePage<T>> {
      const prefix = childPrefix(collection, parent);
      const cursorKey = async (id: string | undefined) => {
        if (id === undefined) return undefined;
        const row = await readRow(collection, id);
        return row?.placement?.parent === parent ? indexKey(collection, row.placement, id) : null;
      };
      const afterKey = await cursorKey(query.after);
      if (afterKey === null) return { items: [], hasMore: false, unknownCursor: 'after' };
      const beforeKey = await cursorKey(query.before);
      if (beforeKey === null) return { items: [], hasMore: false, unknownCursor: 'before' };

      // In key order, `asc` pages lie between after and before; `desc` pages between before and after.
      const [lowKey, highKey] = query.order === 'asc' ? [afterKey, beforeKey] : [beforeKey, afterKey];
      const range = { gt: lowKey ?? prefix, lt: highKey ?? prefix + END };
      const backwards = query.before !== undefined && query.after === undefined;
      // Walking from the cursor the page ends at: away from `before` when paging backwards.
      const reverse = (query.order === 'desc') !== backwards;
      const ids: string[] = [];
      for await (const [key, live] of db.iterator({ ...range, reverse })) {
        if (live !== true) continue;
        ids.push(idOfIndexKey(key));
        if (ids.length > query.limit) break;
      }
      const hasMore = ids.length > query.limit;
      const taken = ids.slice(0, query.limit);
      if (backwards) taken.reverse();
      const rows = (await db.getMany(taken.map((id) => docKey(collection, id)))) as Array<DocRow | undefined>;
      const items: Array<Versioned<T>> = [];
      taken.forEach((id, index) => {
        const row = rows[index];
        if (row && 'doc' in row) items.push({ id, doc: row.doc as T, version: row.version });
      });
      return { items, hasMore };
    },

    claimOnce(claimKey, ttlMs) {
      return exclusive(async () => {
        const at = now();
        const until = (await db.get(`c${SEP}${claimKey}`)) as number | undefined;
        if (until !== undefined && until > at) return false;
        const expiry = at + ttlMs;
        const operations: Operation[] = [];
        if (until !== undefined) operations.push({ type: 'del', key: `x${SEP}${encodeNumber(until)}${SEP}${claimKey}` });
        operations.push({ type: 'put', key: `c${SEP}${claimKey}`, value: expiry }, { type: 'put', key: `x${SEP}${encodeNumber(expiry)}${SEP}${claimKey}`, value: true });
        await write(operations);
        claimsSinceSweep += 1;
        if (claimsSinceSweep >= CLAIM_SWEEP_EVERY) {
          claimsSinceSweep = 0;
          await sweepExpiredClaims();
        }
        return true;
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      await queue;
      await db.close();
    },
  };
  return store;
}

function docKey(collection: Collection, id: string): string {
  return `d${SEP}${collection}${SEP}${id}`;
}

function childPrefix(collection: Collection, parent: string): string {
  return `i${SEP}${collection}${SEP}${parent}${SEP}`;
}

function indexKey(collection: Collection, placement: Placement, id: string): string {
  return `${childPrefix(collection, placement.parent)}${encodeNumber(placement.sortKey)}${SEP}${id}`;
}

/** The id is what follows the sort key's fixed-width encoding (ids may not hold NUL, parents neither). */
function idOfIndexKey(key: string): string {
  return key.slice(key.lastIndexOf(SEP) + 1);
}

function assertKeyPart(value: string, what: string): void {
  if (value.includes(SEP)) throw new Error(`the embedded store cannot keep a ${what} containing NUL`);
}

/**
 * A float64 as 16 hex digits whose string order is numeric order: the IEEE bits big-endian, with
 * the sign bit flipped for positives and every bit flipped for negatives.
 */
export function encodeNumber(value: number): string {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleBE(value === 0 ? 0 : value); // -0 sorts as 0
  if ((bytes[0]! & 0x80) === 0) {
    bytes[0] = bytes[0]! ^ 0x80;
  } else {
    for (let index = 0; index < 8; index += 1) bytes[index] = bytes[index]! ^ 0xff;
  }
  return bytes.toString('hex');
}
