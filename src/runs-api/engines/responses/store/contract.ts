/**
 * What the Responses engine keeps that the successor wire cannot hold for it (assistants, thread ↔
 * conversation, the fields items lack, run chains, the run and step indexes, webhook ids seen, write
 * intents): JSON documents in collections, each optionally placed under a parent in a sort order so
 * the runs wire's cursor pagination can be answered from the store. One small interface, several
 * implementations (embedded on disk, PostgreSQL for several instances, memory for unit tests); every
 * one passes test/runs-api/store.contract.ts.
 */

export type Collection = 'assistant' | 'thread' | 'message' | 'run' | 'step' | 'intent';

/** A document and the version that changes on every write (compare-and-set between instances). */
export interface Versioned<T> {
  id: string;
  doc: T;
  version: number;
}

/** Where a document sits in its parent's list: ordered by `sortKey`, then by id. */
export interface Placement {
  parent: string;
  sortKey: number;
}

export interface PageQuery {
  limit: number;
  order: 'asc' | 'desc';
  /** Ids of documents of the same parent: the page starts after / ends before them (in `order`). */
  after?: string | undefined;
  before?: string | undefined;
}

export interface StorePage<T> {
  items: Array<Versioned<T>>;
  hasMore: boolean;
  /** Set when a cursor was never a document of this parent (the runs API answers 400 `invalid_value` on it). */
  unknownCursor?: 'after' | 'before';
}

export interface EngineStore {
  get<T>(collection: Collection, id: string): Promise<Versioned<T> | undefined>;
  /** Creates a document at version 1; false (and nothing changes) when the id exists. */
  insert<T>(collection: Collection, id: string, doc: T, placement?: Placement): Promise<boolean>;
  /**
   * Replaces a document if it is still at `expectedVersion`; its new version, or undefined when another
   * writer came first (or it is gone). Placement does not change.
   */
  update<T>(collection: Collection, id: string, doc: T, expectedVersion: number): Promise<number | undefined>;
  /**
   * False when it did not exist. A placed document leaves a tombstone: `get` no longer finds it, but as a
   * cursor it still marks its place in its parent's list (as it does on the runs API).
   */
  delete(collection: Collection, id: string): Promise<boolean>;
  /** Removes every document of `collection` placed under `parent` (tombstones too); how many live ones went. */
  deleteChildren(collection: Collection, parent: string): Promise<number>;
  /**
   * The live documents placed under `parent`, in (sortKey, id) order (`desc` reverses it), strictly after
   * `after` and strictly before `before` (a deleted child's tombstone still marks a place). With only
   * `before`, the page is the `limit` documents nearest the cursor (paging backwards); `hasMore` says
   * more lie beyond the page in the direction of travel. An id that never was a child of `parent`
   * gives an empty page with `unknownCursor`.
   */
  page<T>(collection: Collection, parent: string, query: PageQuery): Promise<StorePage<T>>;
  /**
   * Records `key` once: true the first time, false when it was recorded before and has not expired
   * (webhook ids seen, so a replayed delivery changes nothing). Expired keys may be forgotten.
   */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
  /** Writes are durable when their promise resolves; close flushes and releases files or connections. */
  close(): Promise<void>;
}
