import pg from 'pg';
import type { Collection, EngineStore, PageQuery, StorePage, Versioned } from './contract.js';

export interface PostgresStoreOptions {
  /** Connections in the pool (default 10). */
  maxConnections?: number;
  /** The clock for claim expiry; instances sharing a database should have clocks that agree. */
  now?: () => number;
}

/**
 * The tables, created when missing, in the first schema of the connection's search_path (add
 * `?options=-c%20search_path%3Dname` to the URL to keep them elsewhere).
 * - `doc` is `json`, not `jsonb`: json keeps the document's text as written, so key order (metadata is
 *   shown in the order it was given) and `\u0000` in strings survive, and nothing here queries inside it.
 * - `id` and `parent` collate as "C", so (sort_key, id) order is byte order whatever the database's
 *   locale, as in the other stores.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs_engine_documents (
  collection text NOT NULL,
  id text COLLATE "C" NOT NULL,
  parent text COLLATE "C",
  sort_key double precision,
  version integer NOT NULL,
  doc json,
  deleted boolean NOT NULL DEFAULT false,
  PRIMARY KEY (collection, id)
);
CREATE INDEX IF NOT EXISTS runs_engine_documents_placement ON runs_engine_documents (collection, parent, sort_key, id) WHERE parent IS NOT NULL;
CREATE TABLE IF NOT EXISTS runs_engine_claims (
  key text PRIMARY KEY,
  expires_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_engine_claims_expiry ON runs_engine_claims (expires_at);
`;
/** Serialises the CREATE … IF NOT EXISTS of instances starting at once (they race on the catalog otherwise). */
const SCHEMA_LOCK = 0x72756e73; // "runs"
const CLAIM_SWEEP_EVERY = 100;

/**
 * The server-backed store: several runs API instances share one PostgreSQL database. Every write is
 * one statement, so compare-and-set is the database's own (`UPDATE … WHERE version = $n`), and the
 * list pages are keyset queries over the placement index. A write resolves after its commit.
 */
export async function openPostgresStore(databaseUrl: string, options: PostgresStoreOptions = {}): Promise<EngineStore> {
  const now = options.now ?? Date.now;
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.maxConnections ?? 10 });
  // An idle connection that the server drops must not take the process down; the next query reports it.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await client.query(SCHEMA);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    // The message of pg's errors never holds the URL, so the password stays out of the log.
    throw new Error(`cannot open the PostgreSQL store: ${(error as Error).message}`);
  }

  let claimsSinceSweep = 0;
  let closed: Promise<void> | undefined;

  return {
    async get<T>(collection: Collection, id: string) {
      const result = await pool.query<{ doc: T; version: number }>('SELECT doc, version FROM runs_engine_documents WHERE collection = $1 AND id = $2 AND NOT deleted', [collection, id]);
      const row = result.rows[0];
      return row ? ({ id, doc: row.doc, version: row.version } satisfies Versioned<T>) : undefined;
    },

    async insert(collection, id, doc, placement) {
      // Over a tombstone the insert revives the id with the new placement, one version on.
      const result = await pool.query(
        `INSERT INTO runs_engine_documents (collection, id, parent, sort_key, version, doc, deleted)
         VALUES ($1, $2, $3, $4, 1, $5::json, false)
         ON CONFLICT (collection, id) DO UPDATE
           SET parent = excluded.parent, sort_key = excluded.sort_key, version = runs_engine_documents.version + 1, doc = excluded.doc, deleted = false
           WHERE runs_engine_documents.deleted`,
        [collection, id, placement?.parent ?? null, placement?.sortKey ?? null, JSON.stringify(doc)],
      );
      return result.rowCount === 1;
    },

    async update(collection, id, doc, expectedVersion) {
      const result = await pool.query<{ version: number }>(
        'UPDATE runs_engine_documents SET doc = $3::json, version = version + 1 WHERE collection = $1 AND id = $2 AND version = $4 AND NOT deleted RETURNING version',
        [collection, id, JSON.stringify(doc), expectedVersion],
      );
      return result.rows[0]?.version;
    },

    async delete(collection, id) {
      const result = await pool.query<{ gone: number }>(
        `WITH removed AS (
           DELETE FROM runs_engine_documents WHERE collection = $1 AND id = $2 AND parent IS NULL RETURNING 1
         ), marked AS (
           UPDATE runs_engine_documents SET doc = NULL, deleted = true, version = version + 1
           WHERE collection = $1 AND id = $2 AND parent IS NOT NULL AND NOT deleted RETURNING 1
         )
         SELECT (SELECT count(*) FROM removed) + (SELECT count(*) FROM marked) AS gone`,
        [collection, id],
      );
      return Number(result.rows[0]?.gone ?? 0) > 0;
    },

    async deleteChildren(collection, parent) {
      const result = await pool.query<{ live: string }>(
        `WITH removed AS (DELETE FROM runs_engine_documents WHERE collection = $1 AND parent = $2 RETURNING deleted)
         SELECT count(*) FILTER (WHERE NOT deleted) AS live FROM removed`,
        [collection, parent],
      );
      return Number(result.rows[0]?.live ?? 0);
    },

    async page<T>(collection: Collection, parent: string, query: PageQuery): Promise<StorePage<T>> {
      const cursorIds = [query.after, query.before].filter((id): id is string => id !== undefined);
      const cursors = new Map<string, { sortKey: number }>();
      if (cursorIds.length > 0) {
        const found = await pool.query<{ id: string; sort_key: number }>(
          'SELECT id, sort_key FROM runs_engine_documents WHERE collection = $1 AND parent = $2 AND id = ANY($3::text[])',
          [collection, parent, cursorIds],
        );
        for (const row of found.rows) cursors.set(row.id, { sortKey: row.sort_key });
      }
      if (query.after !== undefined && !cursors.has(query.after)) return { items: [], hasMore: false, unknownCursor: 'after' };
      if (query.before !== undefined && !cursors.has(query.before)) return { items: [], hasMore: false, unknownCursor: 'before' };

      const params: unknown[] = [collection, parent];
      const conditions = ['collection = $1', 'parent = $2', 'NOT deleted'];
      // In (sort_key, id) order an `asc` page lies above `after` and below `before`; `desc` the reverse.
      const bound = (id: string, above: boolean) => {
        params.push(cursors.get(id)!.sortKey, id);
        conditions.push(`(sort_key, id) ${above ? '>' : '<'} ($${params.length - 1}::double precision, $${params.length}::text)`);
      };
      if (query.after !== undefined) bound(query.after, query.order === 'asc');
      if (query.before !== undefined) bound(query.before, query.order !== 'asc');
      const backwards = query.before !== undefined && query.after === undefined;
      // Read from the end of the window the page starts at: the `before` end when paging backwards.
      const ascending = (query.order === 'asc') !== backwards;
      const direction = ascending ? 'ASC' : 'DESC';
      params.push(query.limit + 1);
      const result = await pool.query<{ id: string; doc: T; version: number }>(
        `SELECT id, doc, version FROM runs_engine_documents WHERE ${conditions.join(' AND ')} ORDER BY sort_key ${direction}, id ${direction} LIMIT $${params.length}`,
        params,
      );
      const rows = result.rows.slice(0, query.limit);
      if (backwards) rows.reverse();
      return { items: rows.map((row) => ({ id: row.id, doc: row.doc, version: row.version })), hasMore: result.rows.length > query.limit };
    },

    async claimOnce(key, ttlMs) {
      const at = now();
      const result = await pool.query(
        `INSERT INTO runs_engine_claims (key, expires_at) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE runs_engine_claims.expires_at <= $3`,
        [key, at + ttlMs, at],
      );
      claimsSinceSweep += 1;
      if (claimsSinceSweep >= CLAIM_SWEEP_EVERY) {
        claimsSinceSweep = 0;
        await pool.query('DELETE FROM runs_engine_claims WHERE expires_at <= $1', [at]);
      }
      return result.rowCount === 1;
    },

    close() {
      closed ??= pool.end();
      return closed;
    },
  };
}
