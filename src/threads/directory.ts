/**
 * The gateway's own index of the threads created through it: the runs wire has no "list threads", so a sidebar
 * of the caller's conversations needs one. Each entry says who owns the thread, when it was created and when it
 * last saw activity (a message or a run on it); pages are read newest first (or oldest first, for backward pages)
 * by either time, for one owner or for every owner.
 *
 * Implementations: `EmbeddedThreadDirectory` (in this process, with an append-only file under GATEWAY_DATA_DIR so
 * that the list survives a restart) and `RedisThreadDirectory` (sorted sets shared by every instance). An upstream
 * that can list threads itself (Foundry classic's `GET /threads`) would be a third implementation of this interface;
 * one cannot be written today because no upstream kind with that capability is configured yet.
 */

export type ThreadOrder = 'activity' | 'created';

export interface ThreadEntry {
  threadId: string;
  /** The owner's subject; '' for a thread created without tenancy (GATEWAY_AUTH=none). */
  owner: string;
  /** When the gateway recorded the thread (ms since the epoch, the gateway's clock). */
  createdAt: number;
  /** The latest activity seen on it (ms since the epoch); never before `createdAt`, never moves back. */
  lastActivityAt: number;
}

/** A place in one ordering. Entries sort by (time, threadId); "older" is smaller. */
export interface ThreadPosition {
  at: number;
  threadId: string;
}

export interface ThreadPageQuery {
  /** Whose threads; undefined: every thread in the directory. */
  owner: string | undefined;
  order: ThreadOrder;
  /** Only entries strictly older than this. */
  olderThan?: ThreadPosition | undefined;
  /** Only entries strictly newer than this. */
  newerThan?: ThreadPosition | undefined;
  /** `newest`: the newest `limit` entries of the range, newest first; `oldest`: the oldest `limit`, oldest first. */
  from: 'newest' | 'oldest';
  limit: number;
}

export interface ThreadDirectory {
  /** Adds a thread (again: keeps the owner and creation time it has, and the later activity). */
  record(entry: ThreadEntry): Promise<void>;
  /** Activity at `at`: the entry afterwards (its activity moved forward if `at` is later), undefined for an unknown thread. */
  touch(threadId: string, at: number): Promise<ThreadEntry | undefined>;
  /** Removes a thread; the entry it had, undefined when unknown. */
  remove(threadId: string): Promise<ThreadEntry | undefined>;
  get(threadIds: readonly string[]): Promise<Array<ThreadEntry | undefined>>;
  page(query: ThreadPageQuery): Promise<ThreadEntry[]>;
  close(): Promise<void>;
}

export const timeOf = (entry: ThreadEntry, order: ThreadOrder): number => (order === 'activity' ? entry.lastActivityAt : entry.createdAt);

/**
 * The sort key of an entry in one ordering: fixed-width time, then the id, so that string order is time order and
 * ties are broken the same way everywhere (JavaScript and Redis compare these ASCII strings alike).
 */
export function sortKey(at: number, threadId: string): string {
  return `${String(Math.max(0, Math.floor(at))).padStart(15, '0')}|${threadId}`;
}

let lastTick = 0;
/**
 * The directory's clock: milliseconds, strictly increasing within this process, so that two threads recorded in the
 * same millisecond still have an order (the wire's timestamps are whole seconds).
 */
export function directoryNow(): number {
  lastTick = Math.max(Date.now(), lastTick + 1);
  return lastTick;
}
