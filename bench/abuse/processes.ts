/**
 * Gateways and runs APIs for the abuse probes, each started the way an operator starts them (`node --import tsx
 * src/index.ts`, or `npm start` itself) in a process group of its own, on free ports of 127.0.0.1. Every process
 * started here is killed (by group, SIGKILL after SIGCONT) when the probes end, fail or are interrupted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { sleep } from '../lib/stats.js';
import { httpRequest } from './clients.js';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
export const HOST = '127.0.0.1';

/** The gateway as the probes of 2026-12 ran it: production, no auth, no rate limit, warn logs. */
export const PROBE_ENV: Record<string, string> = {
  NODE_ENV: 'production',
  GATEWAY_AUTH: 'none',
  RATE_LIMIT_PER_SECOND: '0',
  LOG_LEVEL: 'warn',
  HOST,
  REDIS_URL: '',
  OTEL_EXPORTER_OTLP_ENDPOINT: '',
};

const live = new Set<ManagedProcess>();

/**
 * A watchdog in its own process group, told every group started here: when this process dies in a way no handler
 * sees (SIGKILL, or tsx killing its child on a second Ctrl-C), its stdin closes and it kills those groups.
 */
const REAPER = `
const groups = new Set();
let buffer = '';
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  for (let i = buffer.indexOf('\\n'); i >= 0; i = buffer.indexOf('\\n')) {
    const [op, pid] = buffer.slice(0, i).split(' ');
    buffer = buffer.slice(i + 1);
    if (op === '+') groups.add(Number(pid)); else groups.delete(Number(pid));
  }
});
process.stdin.on('end', () => {
  for (const group of groups) for (const signal of ['SIGCONT', 'SIGKILL']) { try { process.kill(-group, signal); } catch {} }
  process.exit(0);
});`;
let reaper: ChildProcess | undefined;
function tellReaper(line: string): void {
  if (!reaper) {
    reaper = spawn(process.execPath, ['-e', REAPER], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    reaper.unref();
    (reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }
  reaper.stdin?.write(`${line}\n`);
}

export interface ManagedProcess {
  readonly label: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** stdout and stderr lines, in order. */
  readonly lines: string[];
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  readonly hasExited: () => boolean;
  /** Kills the whole process group (SIGCONT first, so that a stopped one dies too) and waits for the exit. */
  kill(): Promise<void>;
}

const handedOut = new Set<number>();

/** A port nothing listens on now, never the same twice in one run (the kernel may offer a just-closed one again). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await anyPort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error('no free port');
}

function anyPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function killGroup(pid: number): void {
  for (const signal of ['SIGCONT', 'SIGKILL'] as const) {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Starts `command args` in its own process group, capturing its output. */
/** `env` is laid over this process's environment; an undefined value unsets that variable (its default applies). */
export function startProcess(label: string, command: string, args: string[], env: Record<string, string | undefined>): ManagedProcess {
  const merged: Record<string, string | undefined> = { ...process.env, ...env };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  const child = spawn(command, args, {
    cwd: projectRoot,
    env: merged as NodeJS.ProcessEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(line);
    // Bounded: a chatty process must not fill the benchmark's memory.
    if (lines.length > 20_000) lines.splice(0, lines.length - 10_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal, at: performance.now() });
    }),
  );
  const managed: ManagedProcess = {
    label,
    child,
    pid: child.pid ?? -1,
    lines,
    exited,
    hasExited: () => done,
    async kill() {
      if (managed.pid > 0) killGroup(managed.pid);
      await Promise.race([exited, sleep(3_000)]);
      live.delete(managed);
      if (managed.pid > 0) tellReaper(`- ${managed.pid}`);
    },
  };
  live.add(managed);
  if (managed.pid > 0) tellReaper(`+ ${managed.pid}`);
  return managed;
}

/** Kills every process group started here. Synchronous, so that it also runs from an 'exit' handler. */
export function killAll(): void {
  for (const managed of live) if (managed.pid > 0) killGroup(managed.pid);
  live.clear();
}

/** At the very end: nothing is left for the watchdog, which then exits. */
export function releaseReaper(): void {
  killAll();
  reaper?.stdin?.end();
}

let hooked = false;
/** Ctrl-C, SIGTERM, an uncaught error or a normal exit: no process of the probes is left behind. */
export function killAllOnExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n[abuse] ${signal}: killing ${live.size} process group(s)\n`);
      killAll();
      process.exit(130);
    });
  }
}

/** Waits until `url` answers 200 (with `headers`), failing early when the process exits. */
export async function waitForHealth(url: string, managed: ManagedProcess, timeoutMs = 45_000, headers: Record<string, string> = {}): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (managed.hasExited()) throw new Error(`${managed.label} exited at start (${managed.child.exitCode ?? managed.child.signalCode}):\n${managed.lines.slice(-20).join('\n')}`);
    try {
      const answer = await httpRequest(url, { timeoutMs: 1_000, headers });
      if (answer.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${managed.label} did not answer ${url} within ${timeoutMs} ms:\n${managed.lines.slice(-20).join('\n')}`);
}

export interface Gateway {
  readonly process: ManagedProcess;
  readonly origin: string;
  readonly url: string;
  readonly wsUrl: string;
  /** The embedded runs API, when the gateway runs it. */
  readonly apiOrigin: string | undefined;
  readonly inspectPort: number | undefined;
}

export interface GatewayOptions {
  label: string;
  /** Laid over PROBE_ENV; undefined unsets a variable, so that the gateway's default applies. */
  env?: Record<string, string | undefined>;
  /** `node` runs `node --import tsx src/index.ts` (what `npm start` execs); `npm` runs `npm start` itself. */
  via?: 'node' | 'npm';
  /** Open the inspector on a free port of 127.0.0.1 (for forced full GCs). */
  inspect?: boolean;
}

/** A gateway with the embedded runs API (unless env sets UPSTREAM_BASE_URL), healthy. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  return retryOnPortClash(() => startGatewayOnce(options));
}

/** Other work on the machine may take a port between our check and the child's listen: try again on new ports. */
async function retryOnPortClash<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= 3 || !/EADDRINUSE|already in use/.test(String(error))) throw error;
    }
  }
}

async function startGatewayOnce(options: GatewayOptions): Promise<Gateway> {
  const port = await freePort();
  const embedded = options.env?.['UPSTREAM_BASE_URL'] === undefined;
  const apiPort = embedded ? await freePort() : undefined;
  const inspectPort = options.inspect ? await freePort() : undefined;
  const env: Record<string, string | undefined> = {
    ...PROBE_ENV,
    PORT: String(port),
    ...(apiPort !== undefined ? { RUNS_API_PORT: String(apiPort) } : {}),
    ...options.env,
  };
  if (inspectPort !== undefined) env['NODE_OPTIONS'] = `${env['NODE_OPTIONS'] ?? ''} --inspect=${HOST}:${inspectPort}`.trim();
  const managed =
    options.via === 'npm'
      ? startProcess(options.label, 'npm', ['start', '--silent'], env)
      : startProcess(options.label, process.execPath, ['--import', 'tsx', 'src/index.ts'], env);
  const origin = `http://${HOST}:${port}`;
  await waitForHealth(`${origin}/health`, managed).catch(async (error: unknown) => {
    await managed.kill();
    throw error;
  });
  return {
    process: managed,
    origin,
    url: `${origin}/graphql`,
    wsUrl: `ws://${HOST}:${port}/graphql`,
    apiOrigin: apiPort !== undefined ? `http://${HOST}:${apiPort}` : undefined,
    inspectPort,
  };
}

/** A runs API alone (`npm run runs-api`'s command), for probes that stop or kill the upstream. */
export async function startRunsApi(label: string, env: Record<string, string | undefined> = {}): Promise<{ process: ManagedProcess; origin: string; baseUrl: string }> {
  return retryOnPortClash(() => startRunsApiOnce(label, env));
}

async function startRunsApiOnce(label: string, env: Record<string, string | undefined>): Promise<{ process: ManagedProcess; origin: string; baseUrl: string }> {
  const port = await freePort();
  const managed = startProcess(label, process.execPath, ['--import', 'tsx', 'src/runs-api/main.ts'], {
    ...PROBE_ENV,
    RUNS_API_PORT: String(port),
    ...env,
  });
  const origin = `http://${HOST}:${port}`;
  await waitForHealth(`${origin}/v1/assistants?limit=1`, managed, 45_000, { 'openai-beta': 'assistants=v2' }).catch(async (error: unknown) => {
    await managed.kill();
    throw error;
  });
  return { process: managed, origin, baseUrl: `${origin}/v1` };
}

/** Pids of the direct children of a process (from /proc). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0; it has exited all the same.
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Two full collections through the inspector, as the probes of 2026-12 measured "heap after GC": what the
 * process keeps, not garbage V8 has not collected yet.
 */
export async function forceGc(gateway: Gateway): Promise<void> {
  if (gateway.inspectPort === undefined) throw new Error('the gateway was started without the inspector');
  const list = JSON.parse((await httpRequest(`http://${HOST}:${gateway.inspectPort}/json/list`, { timeoutMs: 5_000 })).text) as Array<{ webSocketDebuggerUrl: string }>;
  const target = list[0]?.webSocketDebuggerUrl;
  if (!target) throw new Error('no inspector target');
  const socket = new WebSocket(target);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  try {
    let id = 0;
    const call = (method: string) =>
      new Promise<void>((resolve, reject) => {
        const mine = ++id;
        const timer = setTimeout(() => reject(new Error(`inspector ${method} timed out`)), 30_000);
        const onMessage = (data: WebSocket.RawData) => {
          const message = JSON.parse(data.toString()) as { id?: number };
          if (message.id !== mine) return;
          clearTimeout(timer);
          socket.off('message', onMessage);
          resolve();
        };
        socket.on('message', onMessage);
        socket.send(JSON.stringify({ id: mine, method }));
      });
    await call('HeapProfiler.enable');
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
  } finally {
    socket.close();
  }
}
