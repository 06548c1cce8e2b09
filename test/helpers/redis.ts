import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './wait.js';
import { createRedisConnections, type RedisConnections } from '../../src/cluster/redis.js';
import { freePort } from './ports.js';

const REDIS_SERVER = process.env['REDIS_SERVER_BIN'] ?? 'redis-server';

/** True when `redis-server` can be started here; suites that need it use `describe.skipIf(!redisAvailable)`. */
export const redisAvailable: boolean = spawnSync(REDIS_SERVER, ['--version'], { stdio: 'ignore' }).status === 0;

/** Appended to the names of skipped suites, so the skip says how to get them running. */
export const redisSkipReason = redisAvailable ? '' : ' [skipped: redis-server not installed; apt-get install -y redis-server]';
if (!redisAvailable) console.warn(`Redis suites skipped: ${REDIS_SERVER} not found. Install it with: apt-get install -y redis-server`);

export interface TestRedis {
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM, then SIGKILL after 2 s) and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
  /** Stops the server for an outage, keeping its port for `restart()`. */
  halt(): Promise<void>;
  /** Starts it again on the same port (stopping it first if it runs), empty: nothing is persisted. Waits until it answers PING. */
  restart(): Promise<void>;
}

/**
 * A throwaway redis-server on a free port of 127.0.0.1, without persistence. Stop it in afterAll/afterEach.
 * A server still running when the test process exits is killed with it.
 */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'runs-gateway-redis-'));
  let child: ChildProcess | undefined = await launch(port, dir);
  let stopped = false;

  const stopChild = async () => {
    const running = child;
    child = undefined;
    if (running) await terminate(running);
  };

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      stopped = true;
      await stopChild();
      rmSync(dir, { recursive: true, force: true });
    },
    async halt() {
      await stopChild();
    },
    async restart() {
      if (stopped) throw new Error('this redis-server was stopped for good');
      await stopChild();
      child = await launch(port, dir);
    },
  };
}

async function launch(port: number, dir: string): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'];
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));

  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const state = await Promise.race([exited.then(() => 'exited' as const), ping(port).then((ok) => (ok ? ('up' as const) : ('no' as const)))]);
    if (state === 'up') return child;
    if (state === 'exited') throw new Error(`redis-server exited at start on port ${port}:\n${output}`);
    await sleep(25);
  }
  await terminate(child);
  throw new Error(`redis-server did not answer PING on port ${port} within 10 s:\n${output}`);
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
  await exited;
  clearTimeout(timer);
}

/** One inline PING; true on +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}


/** Resolves once `check` returns true (polled every 20 ms); rejects with `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** One test "instance": its own connections (and so its own owner token), ready; `open` collects them for closing. */
export async function connectedInstance(redis: TestRedis, open: RedisConnections[]): Promise<RedisConnections> {
  const connections = createRedisConnections({ url: redis.url, keyPrefix: 'test:' }, { maxBackoffMs: 100 });
  open.push(connections);
  if (!(await connections.health.waitUntilReady(5_000))) throw new Error('test Redis did not become ready');
  return connections;
}
