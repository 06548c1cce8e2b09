import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sortKey, timeOf, type ThreadDirectory, type ThreadEntry, type ThreadOrder, type ThreadPageQuery } from './directory.js';

/** One line of the journal. */
type JournalLine = { op: 'record'; entry: ThreadEntry } | { op: 'touch'; threadId: string; at: number } | { op: 'remove'; threadId: string };

export const JOURNAL_FILE = 'threads.jsonl';

export interface EmbeddedThreadDirectoryOptions {
  /** The directory holding the journal (`threads.jsonl`); none: in memory only, lost when the process ends. */
  dataDir?: string | undefined;
}

/**
 * The thread directory of a single instance: sorted in memory, and made durable by an append-only journal of JSON
 * lines (record, touch, remove). Why a journal and not LevelDB: the whole index is small (about 100 bytes a thread)
 * and every page is read from memory anyway; appending a line needs no lock on the directory, so two processes
 * pointed at the same data dir by mistake do not fail (each keeps its own view until it restarts); and a torn
 * last line after a crash is simply skipped. On opening, the journal is replayed and, when mostly superseded
 * lines, rewritten compacted (a temporary file renamed over it).
 *
 * Durable across a restart of the process (each write resolves once its line is handed to the OS); a crash of the
 * machine may lose the last lines, which costs only the newest activity times.
 */
export class EmbeddedThreadDirectory implements ThreadDirectory {
  readonly #entries = new Map<string, ThreadEntry>();
  /** Sorted ascending sort keys, per ordering and scope (`*` every owner, `o:<owner>` one owner). */
  readonly #indexes = new Map<string, string[]>();
  readonly #file: string | undefined;
  #handle: Promise<FileHandle> | undefined;
  /** Appends, one after another, in the order the changes were made. */
  #writes: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: EmbeddedThreadDirectoryOptions = {}) {
    this.#file = options.dataDir === undefined ? undefined : join(options.dataDir, JOURNAL_FILE);
    if (this.#file) this.#load(this.#file);
  }

  /** Threads held (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  async record(entry: ThreadEntry): Promise<void> {
    this.#record(entry);
    await this.#append({ op: 'record', entry: this.#entries.get(entry.threadId)! });
  }

  async touch(threadId: string, at: number): Promise<ThreadEntry | undefined> {
    const before = this.#entries.get(threadId);
    if (!before) return undefined;
    if (at <= before.lastActivityAt) return { ...before };
    this.#touch(threadId, at);
    await this.#append({ op: 'touch', threadId, at });
    return { ...this.#entries.get(threadId)! };
  }

  async remove(threadId: string): Promise<ThreadEntry | undefined> {
    const removed = this.#remove(threadId);
    if (removed) await this.#append({ op: 'remove', threadId });
    return removed;
  }

  async get(threadIds: readonly string[]): Promise<Array<ThreadEntry | undefined>> {
    return threadIds.map((id) => {
      const entry = this.#entries.get(id);
      return entry && { ...entry };
    });
  }

  async page(query: ThreadPageQuery): Promise<ThreadEntry[]> {
    const index = this.#indexes.get(indexName(query.order, query.owner)) ?? [];
    // [low, high): the positions of the keys strictly between the bounds.
    const low = query.newerThan ? upperBound(index, sortKey(query.newerThan.at, query.newerThan.threadId)) : 0;
    const high = query.olderThan ? lowerBound(index, sortKey(query.olderThan.at, query.olderThan.threadId)) : index.length;
    const keys = query.from === 'newest' ? index.slice(Math.max(low, high - query.limit), high).reverse() : index.slice(low, Math.min(high, low + query.limit));
    return keys.map((key) => ({ ...this.#entries.get(threadIdOf(key))! }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#writes;
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle) await (await handle.catch(() => undefined))?.close();
  }

  #record(entry: ThreadEntry): void {
    const known = this.#entries.get(entry.threadId);
    if (known) {
      this.#touch(entry.threadId, entry.lastActivityAt);
      return;
    }
    const stored: ThreadEntry = { threadId: entry.threadId, owner: entry.owner, createdAt: entry.createdAt, lastActivityAt: Math.max(entry.createdAt, entry.lastActivityAt) };
    this.#entries.set(stored.threadId, stored);
    for (const order of ORDERS) for (const name of scopes(order, stored.owner)) insert(this.#index(name), sortKey(timeOf(stored, order), stored.threadId));
  }

  #touch(threadId: string, at: number): void {
    const entry = this.#entries.get(threadId);
    if (!entry || at <= entry.lastActivityAt) return;
    const oldKey = sortKey(entry.lastActivityAt, threadId);
    entry.lastActivityAt = at;
    const newKey = sortKey(at, threadId);
    for (const name of scopes('activity', entry.owner)) {
      const index = this.#index(name);
      drop(index, oldKey);
      insert(index, newKey);
    }
  }

  #remove(threadId: string): ThreadEntry | undefined {
    const entry = this.#entries.get(threadId);
    if (!entry) return undefined;
    this.#entries.delete(threadId);
    for (const order of ORDERS) for (const name of scopes(order, entry.owner)) drop(this.#index(name), sortKey(timeOf(entry, order), threadId));
    return { ...entry };
  }

  #index(name: string): string[] {
    let index = this.#indexes.get(name);
    if (!index) this.#indexes.set(name, (index = []));
    return index;
  }

  #load(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    let lines = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      lines += 1;
      const parsed = parseLine(line);
      if (!parsed) continue; // a torn last line (a crash mid-append) or a foreign one
      if (parsed.op === 'record') this.#record(parsed.entry);
      else if (parsed.op === 'touch') this.#touch(parsed.threadId, parsed.at);
      else this.#remove(parsed.threadId);
    }
    if (lines > 2 * this.#entries.size + 100) this.#compact(file);
  }

  /** Rewrites the journal as one `record` line per live thread. */
  #compact(file: string): void {
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, [...this.#entries.values()].map((entry) => `${JSON.stringify({ op: 'record', entry })}\n`).join(''));
    renameSync(temporary, file);
  }

  #append(line: JournalLine): Promise<void> {
    const file = this.#file;
    if (!file || this.#closed) return Promise.resolve();
    const text = `${JSON.stringify(line)}\n`;
    const written = this.#writes.then(async () => {
      this.#handle ??= (async () => {
        mkdirSync(dirname(file), { recursive: true });
        return open(file, 'a');
      })();
      const handle = await this.#handle;
      await handle.appendFile(text);
    });
    // A failed append fails its caller; the next ones still try (and reopen the file if opening failed).
    this.#writes = written.catch(() => {
      this.#handle = undefined;
    });
    return written;
  }
}

const ORDERS: readonly ThreadOrder[] = ['activity', 'created'];

const indexName = (order: ThreadOrder, owner: string | undefined): string => (owner === undefined ? `${order}|*` : `${order}|o:${owner}`);
const scopes = (order: ThreadOrder, owner: string): string[] => [indexName(order, undefined), indexName(order, owner)];
const threadIdOf = (key: string): string => key.slice(key.indexOf('|') + 1);

function parseLine(line: string): JournalLine | undefined {
  try {
    const value = JSON.parse(line) as JournalLine;
    if (value.op === 'record' && typeof value.entry?.threadId === 'string' && typeof value.entry.owner === 'string' && Number.isFinite(value.entry.createdAt) && Number.isFinite(value.entry.lastActivityAt)) return value;
    if (value.op === 'touch' && typeof value.threadId === 'string' && Number.isFinite(value.at)) return value;
    if (value.op === 'remove' && typeof value.threadId === 'string') return value;
  } catch {
    // not JSON
  }
  return undefined;
}

/** The first position whose key is ≥ `key`. */
function lowerBound(index: readonly string[], key: string): number {
  let low = 0;
  let high = index.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (index[middle]! < key) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The first position whose key is > `key`. */
function upperBound(index: readonly string[], key: string): number {
  let low = 0;
  let high = index.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (index[middle]! <= key) low = middle + 1;
    else high = middle;
  }
  return low;
}

function insert(index: string[], key: string): void {
  const at = lowerBound(index, key);
  if (index[at] !== key) index.splice(at, 0, key);
}

function drop(index: string[], key: string): void {
  const at = lowerBound(index, key);
  if (index[at] === key) index.splice(at, 1);
}
