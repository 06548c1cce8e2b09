import type { Collection, EngineStore, PageQuery, Placement, StorePage, Versioned } from './contract.js';

interface Row {
  /** Undefined for a tombstone: deleted, but still a place for cursors. */
  doc: unknown;
  version: number;
  placement: Placement | undefined;
}

/**
 * The store in memory: for unit tests of the engine and as the reference the contract suite checks
 * the durable stores against. Nothing survives the process, so no setting selects it.
 */
export function createMemoryStore(now: () => number = Date.now): EngineStore {
  const rows = new Map<string, Row>();
  const claims = new Map<string, number>();
  const key = (collection: Collection, id: string) => `${collection}\u0000${id}`;
  const copy = <T>(value: T): T => structuredClone(value);
  const live = (row: Row | undefined): row is Row => row !== undefined && row.doc !== undefined;

  return {
    async get<T>(collection: Collection, id: string) {
      const row = rows.get(key(collection, id));
      return live(row) ? ({ id, doc: copy(row.doc) as T, version: row.version } satisfies Versioned<T>) : undefined;
    },
    async insert(collection, id, doc, placement) {
      const existing: Row | undefined = rows.get(key(collection, id));
      if (existing !== undefined && existing.doc !== undefined) return false;
      rows.set(key(collection, id), { doc: copy(doc), version: (existing?.version ?? 0) + 1, placement });
      return true;
    },
    async update(collection, id, doc, expectedVersion) {
      const row = rows.get(key(collection, id));
      if (!live(row) || row.version !== expectedVersion) return undefined;
      row.doc = copy(doc);
      row.version += 1;
      return row.version;
    },
    async delete(collection, id) {
      const row = rows.get(key(collection, id));
      if (!live(row)) return false;
      if (row.placement) {
        row.doc = undefined;
        row.version += 1;
      } else {
        rows.delete(key(collection, id));
      }
      return true;
    },
    async deleteChildren(collection, parent) {
      let removed = 0;
      for (const [rowKey, row] of rows) {
        if (rowKey.startsWith(`${collection}\u0000`) && row.placement?.parent === parent) {
          if (live(row)) removed += 1;
          rows.delete(rowKey);
        }
      }
      return removed;
    },
    async page<T>(collection: Collection, parent: string, query: PageQuery): Promise<StorePage<T>> {
      const prefix = `${collection}\u0000`;
      const children = [...rows]
        .filter(([rowKey, row]) => rowKey.startsWith(prefix) && row.placement?.parent === parent)
        .map(([rowKey, row]) => ({ id: rowKey.slice(prefix.length), row, sortKey: row.placement!.sortKey }))
        .sort((a, b) => a.sortKey - b.sortKey || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      if (query.order === 'desc') children.reverse();
      const positionOf = (id: string) => children.findIndex((child) => child.id === id);
      let start = 0;
      let end = children.length;
      if (query.after !== undefined) {
        const at = positionOf(query.after);
        if (at < 0) return { items: [], hasMore: false, unknownCursor: 'after' };
        start = at + 1;
      }
      if (query.before !== undefined) {
        const at = positionOf(query.before);
        if (at < 0) return { items: [], hasMore: false, unknownCursor: 'before' };
        end = at;
      }
      const window = children.slice(start, Math.max(start, end)).filter((child) => live(child.row));
      const backwards = query.before !== undefined && query.after === undefined;
      const taken = backwards ? window.slice(Math.max(0, window.length - query.limit)) : window.slice(0, query.limit);
      return {
        items: taken.map((child) => ({ id: child.id, doc: copy(child.row.doc) as T, version: child.row.version })),
        hasMore: window.length > taken.length,
      };
    },
    async claimOnce(claimKey, ttlMs) {
      const at = now();
      const until = claims.get(claimKey);
      if (until !== undefined && until > at) return false;
      claims.set(claimKey, at + ttlMs);
      return true;
    },
    async close() {},
  };
}
