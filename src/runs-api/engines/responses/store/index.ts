import type { EngineStore } from './contract.js';
import { openEmbeddedStore } from './embedded.js';
import { openPostgresStore } from './postgres.js';

export type { Collection, EngineStore, PageQuery, Placement, StorePage, Versioned } from './contract.js';

export interface EngineStoreLocation {
  /** A directory for the embedded store (one process). */
  dataDir?: string | undefined;
  /** A PostgreSQL URL for the shared store (several instances); wins over `dataDir`. */
  databaseUrl?: string | undefined;
}

/** The durable store the settings point at: PostgreSQL when a database URL is given, else the embedded one. */
export async function openEngineStore(location: EngineStoreLocation): Promise<EngineStore> {
  if (location.databaseUrl) return openPostgresStore(location.databaseUrl);
  if (location.dataDir) return openEmbeddedStore(location.dataDir);
  throw new Error('the Responses engine needs a store: a data directory (RUNS_DATA_DIR) or a database URL (RUNS_DATABASE_URL)');
}
