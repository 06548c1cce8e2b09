import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A tiny request/answer protocol over the Node IPC channel, so that the gateway, the embedded API and the
 * WebSocket clients each run in a process of their own (their CPU and memory measured apart).
 */
type Handler = (args: any) => unknown;
interface Request {
  rpc: number;
  cmd: string;
  args: unknown;
}
interface Answer {
  rpc: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/** Monotonic milliseconds, the same clock in every process of this machine (CLOCK_MONOTONIC). */
export const now = (): number => Number(process.hrtime.bigint()) / 1e6;

/** Child side: answers the parent's commands; `ready` is sent once with whatever the child wants to tell. */
export function serve(handlers: Record<string, Handler>, ready: unknown, onExit?: () => Promise<unknown>): void {
  if (!process.send) throw new Error('this script is a benchmark child: run it through bench/index.ts');
  process.on('message', (message: Request) => {
    if (typeof message !== 'object' || message === null || typeof message.rpc !== 'number') return;
    if (message.cmd === 'exit') {
      const forced = setTimeout(() => process.exit(0), 4_000);
      forced.unref();
      void (onExit?.() ?? Promise.resolve()).catch(() => undefined).then(() => process.exit(0));
      return;
    }
    const handler = handlers[message.cmd];
    void (async () => {
      let answer: Answer;
      try {
        if (!handler) throw new Error(`unknown command ${message.cmd}`);
        answer = { rpc: message.rpc, ok: true, result: await handler(message.args) };
      } catch (error) {
        answer = { rpc: message.rpc, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
      }
      process.send?.(answer);
    })();
  });
  // The parent going away ends the child: no stray benchmark processes.
  process.on('disconnect', () => process.exit(0));
  process.send({ ready });
}

export interface Child<R = unknown> {
  readonly process: ChildProcess;
  readonly pid: number;
  /** What the child sent when it was ready. */
  readonly ready: R;
  call<T = any>(cmd: string, args?: unknown, timeoutMs?: number): Promise<T>;
  /** Asks the child to exit, then kills it after a grace period. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  /** Extra node flags (e.g. --expose-gc). */
  nodeFlags?: string[];
  /** Open files for the child (via prlimit, when the current limit is lower). */
  openFiles?: number;
  /** What the child may take to start. */
  startTimeoutMs?: number;
  label: string;
}

const here = fileURLToPath(new URL('..', import.meta.url));
let currentLimit: number | undefined;

/** The soft open-file limit of this process (children inherit it). */
export function openFileLimit(): number {
  if (currentLimit !== undefined) return currentLimit;
  try {
    const text = readFileSync('/proc/self/limits', 'utf8');
    const line = text.split('\n').find((l) => l.startsWith('Max open files'));
    currentLimit = Number(line?.split(/\s{2,}/)[1] ?? 1024);
  } catch {
    currentLimit = 1024;
  }
  return currentLimit;
}

const prlimitAvailable = existsSync('/usr/bin/prlimit') || existsSync('/bin/prlimit');

/** Starts `bench/<script>` under node + tsx with an IPC channel and waits for its `ready`. */
export async function spawnChild<R = unknown>(script: string, options: SpawnOptions): Promise<Child<R>> {
  const nodeArgs = ['--import', 'tsx', ...(options.nodeFlags ?? []), `${here}${script}`];
  const raise = options.openFiles !== undefined && options.openFiles > openFileLimit() && prlimitAvailable;
  const command = raise ? 'prlimit' : process.execPath;
  const args = raise ? [`--nofile=${options.openFiles}:${options.openFiles}`, '--', process.execPath, ...nodeArgs] : nodeArgs;
  const child = spawn(command, args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...options.env },
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
  });
  const pending = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  let next = 1;
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => {
    exited = true;
    for (const { reject, timer } of pending.values()) {
      clearTimeout(timer);
      reject(new Error(`${options.label} exited (${code ?? signal})`));
    }
    pending.clear();
  });
  // A child left behind when the benchmark dies is killed with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));

  const ready = await new Promise<R>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${options.label} did not start within ${options.startTimeoutMs ?? 30_000} ms`)), options.startTimeoutMs ?? 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${options.label} exited at start (${code})`));
    });
    child.on('message', (message: any) => {
      if (message && typeof message === 'object' && 'ready' in message) {
        clearTimeout(timer);
        resolve(message.ready as R);
        return;
      }
      const answer = message as Answer;
      const waiting = pending.get(answer.rpc);
      if (!waiting) return;
      pending.delete(answer.rpc);
      clearTimeout(waiting.timer);
      if (answer.ok) waiting.resolve(answer.result);
      else waiting.reject(new Error(`${options.label}: ${answer.error}`));
    });
  });

  return {
    process: child,
    pid: child.pid ?? -1,
    ready,
    call(cmd, args, timeoutMs = 120_000) {
      if (exited) return Promise.reject(new Error(`${options.label} has exited`));
      const rpc = next++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(rpc);
          reject(new Error(`${options.label}: ${cmd} took longer than ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(rpc, { resolve, reject, timer });
        child.send({ rpc, cmd, args } satisfies Request);
      });
    },
    async stop() {
      if (exited) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      try {
        child.send({ rpc: 0, cmd: 'exit', args: null });
      } catch {
        child.kill('SIGTERM');
      }
      await exit;
      clearTimeout(timer);
    },
  };
}
