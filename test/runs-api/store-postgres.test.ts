import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { EngineStore } from '../../src/runs-api/engines/responses/store/contract.js';
import { openEngineStore } from '../../src/runs-api/engines/responses/store/index.js';
import { openPostgresStore } from '../../src/runs-api/engines/responses/store/postgres.js';
import { postgresAvailable, postgresSkipReason, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { describeStoreContract, describeStoreDurability, type StoreHarness } from './store.contract.js';

let server: TestPostgres | undefined;
let databaseUrl = '';
let admin: pg.Client | undefined;
let schemas = 0;

/** Each test gets a schema of its own in the file's database, chosen through the URL's search_path. */
async function freshSchemaUrl(): Promise<string> {
  const schema = `case_${++schemas}`;
  await admin!.query(`CREATE SCHEMA ${schema}`);
  return `${databaseUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

const harness: StoreHarness = {
  async open(now) {
    const url = await freshSchemaUrl();
    return { store: await openPostgresStore(url, { now }), reopen: () => openPostgresStore(url, { now }) };
  },
};

describe.skipIf(!postgresAvailable)(`PostgreSQL store${postgresSkipReason}`, () => {
  beforeAll(async () => {
    server = await startPostgres();
    databaseUrl = await server.createDatabase('store_contract');
    admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
  }, 60_000);
  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });

  describeStoreContract('postgres', harness);
  describeStoreDurability('postgres', harness);

  describe('several instances on one database', () => {
    const open: EngineStore[] = [];
    afterAll(async () => {
      await Promise.all(open.map((store) => store.close()));
    });
    const instances = async (count: number) => {
      const url = await freshSchemaUrl();
      // Started at once, as a deployment's instances are: creating the tables must not race.
      const stores = await Promise.all(Array.from({ length: count }, () => openPostgresStore(url, { maxConnections: 4 })));
      open.push(...stores);
      return stores;
    };

    it('see each other\'s writes, places and deletes', async () => {
      const [a, b] = (await instances(2)) as [EngineStore, EngineStore];
      expect(await a.insert('thread', 'thread_1', { title: 'from a' })).toBe(true);
      expect(await b.get('thread', 'thread_1')).toEqual({ id: 'thread_1', doc: { title: 'from a' }, version: 1 });
      expect(await b.insert('thread', 'thread_1', { title: 'from b' })).toBe(false);
      await a.insert('message', 'msg_1', { n: 1 }, { parent: 'thread_1', sortKey: 1 });
      await b.insert('message', 'msg_2', { n: 2 }, { parent: 'thread_1', sortKey: 2 });
      expect((await a.page('message', 'thread_1', { limit: 10, order: 'asc' })).items.map((item) => item.id)).toEqual(['msg_1', 'msg_2']);
      expect(await b.delete('message', 'msg_1')).toBe(true);
      expect(await a.get('message', 'msg_1')).toBeUndefined();
      expect((await a.page('message', 'thread_1', { limit: 10, order: 'asc', after: 'msg_1' })).items.map((item) => item.id)).toEqual(['msg_2']);
    });

    it('compare-and-set across instances: of concurrent updates from one version exactly one wins', async () => {
      const stores = await instances(4);
      await stores[0]!.insert('run', 'run_1', { writer: 'none' });
      for (let round = 1; round <= 5; round += 1) {
        const results = await Promise.all(stores.map((store, index) => store.update('run', 'run_1', { writer: index, round }, round)));
        const winners = results.flatMap((version, index) => (version === undefined ? [] : [index]));
        expect(winners).toHaveLength(1);
        expect(await stores[(round + 1) % stores.length]!.get('run', 'run_1')).toEqual({ id: 'run_1', doc: { writer: winners[0], round }, version: round + 1 });
      }
    });

    it('claimOnce across instances: one delivery id is claimed by exactly one of them', async () => {
      const stores = await instances(3);
      for (let round = 0; round < 5; round += 1) {
        const results = await Promise.all(stores.map((store) => store.claimOnce(`webhook:evt_${round}`, 60_000)));
        expect(results.filter(Boolean)).toHaveLength(1);
      }
    });
  });

  describe('openEngineStore', () => {
    it('opens PostgreSQL when a database URL is given, even with a data directory', async () => {
      const url = await freshSchemaUrl();
      const store = await openEngineStore({ databaseUrl: url, dataDir: '/nonexistent/never-created' });
      try {
        await store.insert('assistant', 'asst_1', { via: 'url' });
        const direct = await openPostgresStore(url);
        expect(await direct.get('assistant', 'asst_1')).toEqual({ id: 'asst_1', doc: { via: 'url' }, version: 1 });
        await direct.close();
      } finally {
        await store.close();
      }
    });

    it('an unreachable database is a clear error that does not show the password', async () => {
      const error = await openPostgresStore(`postgres://postgres:s3cret-password@127.0.0.1:${server!.port}/no_such_database`).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/^cannot open the PostgreSQL store: .*no_such_database/);
      expect((error as Error).message).not.toContain('s3cret-password');
    });
  });
});
