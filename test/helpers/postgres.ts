import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { sleep } from './wait.js';
import { freePort } from './ports.js';

/**
 * Where initdb and postgres live: POSTGRES_BIN_DIR, else the directory of `initdb` on PATH, else the
 * newest /usr/lib/postgresql/<version>/bin (Debian's postgresql package puts them there, off PATH).
 */
function findBinDir(): string | undefined {
  const given = process.env['POSTGRES_BIN_DIR'];
  if (given) return existsSync(join(given, 'postgres')) ? given : undefined;
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (onPath.status === 0 && onPath.stdout.trim()) {
    const dir = dirname(realpathSync(onPath.stdout.trim()));
    if (existsSync(join(dir, 'postgres'))) return dir;
  }
  const debianRoot = '/usr/lib/postgresql';
  if (!existsSync(debianRoot)) return undefined;
  const versions = readdirSync(debianRoot)
    .filter((name) => existsSync(join(debianRoot, name, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(debianRoot, versions[0], 'bin');
}

const BIN_DIR = findBinDir();

/** True when a PostgreSQL server can be started here; suites that need one use `describe.skipIf(!postgresAvailable)`. */
export const postgresAvailable: boolean = BIN_DIR !== undefined;

/** Appended to the names of skipped suites, so the skip says how to get them running. */
export const postgresSkipReason = postgresAvailable ? '' : ' [skipped: PostgreSQL not installed; apt-get install -y postgresql]';
if (!postgresAvailable) console.warn('PostgreSQL suites skipped: initdb/postgres not found. Install them with: apt-get install -y postgresql');

/**
 * PostgreSQL refuses to run as root, and CI runs as root: then the server runs as `nobody` (spawn's
 * uid/gid, no su/runuser needed), and its directory is handed to that user.
 */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'nobody'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid === 0) throw new Error('running as root and no user `nobody` to run PostgreSQL as');
  return { uid, gid };
}

export interface TestPostgres {
  readonly port: number;
  /** A new empty database; its URL (postgres://postgres@127.0.0.1:<port>/<name>). */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (fast shutdown, SIGKILL after 5 s) and removes its files. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * A throwaway PostgreSQL server: initdb into a temp dir (trust auth, C locale, no fsync), started on a
 * free port of 127.0.0.1 with its socket in the same dir. Start it once per file and stop it in afterAll;
 * a server still running when the test process exits is killed with it.
 */
export async function startPostgres(): Promise<TestPostgres> {
  if (!BIN_DIR) throw new Error('PostgreSQL is not installed');
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'runs-gateway-pg-'));
  const dataDir = join(dir, 'data');
  if (user) chownSync(dir, user.uid, user.gid);
  const asServerUser = user ? { uid: user.uid, gid: user.gid } : {};

  const init = spawnSync(join(BIN_DIR, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '--locale=C', '-E', 'UTF8'], {
    ...asServerUser,
    encoding: 'utf8',
    cwd: dir,
  });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status}):\n${init.stderr.slice(-4_000)}`);
  }

  const port = await freePort();
  const args = ['-D', dataDir, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'];
  const child = spawn(join(BIN_DIR, 'postgres'), args, { ...asServerUser, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // SIGQUIT is PostgreSQL's immediate shutdown: the postmaster takes its backends down with it.
  const killOnExit = () => child.kill('SIGQUIT');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));

  const urlOf = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  try {
    await waitUntilAccepting(child, urlOf('postgres'), () => output);
  } catch (error) {
    await terminate(child);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  let stopped: Promise<void> | undefined;
  return {
    port,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      const admin = new pg.Client({ connectionString: urlOf('postgres') });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return urlOf(name);
    },
    stop() {
      stopped ??= terminate(child).then(() => rmSync(dir, { recursive: true, force: true }));
      return stopped;
    },
  };
}

async function waitUntilAccepting(child: ChildProcess, url: string, output: () => string): Promise<void> {
  const exited = new Promise<'exited'>((resolve) => child.once('exit', () => resolve('exited')));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const state = await Promise.race([exited, accepts(url)]);
    if (state === 'exited') throw new Error(`postgres exited at start:\n${output()}`);
    if (state) return;
    await sleep(50);
  }
  throw new Error(`postgres did not accept connections within 20 s:\n${output()}`);
}

async function accepts(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** SIGINT is PostgreSQL's fast shutdown: it ends open sessions instead of waiting for them (SIGTERM would). */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

