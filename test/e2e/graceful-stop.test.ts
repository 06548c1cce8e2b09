import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { get } from 'node:http';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { subscribeSse } from '../helpers/live-clients.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * SIGTERM to the process `npm start` runs, as a container runtime sends it to its PID 1 (probe 6: W6, W7): the
 * gateway drains in order and exits as soon as it is done.
 */

const SHUTDOWN_TIMEOUT_MS = 20_000;
const DEMO_RUN = { t: 'thread_demo', r: 'run_demo_requires_action' };
const RUN_UPDATED = 'subscription ($t: ID!, $r: ID!) { runUpdated(threadId: $t, runId: $r) { status } }';

/** GET on a connection of its own (no pool): what a load balancer's health check sees. */
function readiness(origin: string): Promise<number | 'refused'> {
  return new Promise((resolve, reject) => {
    const request = get(`${origin}/readiness`, { agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    // A connection still in the accept queue, or accepted a moment before the listener closed and its idle sockets
    // with it, is reset before any answer rather than refused: to a health check both mean nobody listens any more.
    request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET' ? resolve('refused') : reject(error)));
  });
}

describe('SIGTERM to npm start', () => {
  it('stops the gateway gracefully: readiness 503 before the listener closes, queries in flight finish, subscribers are told, it exits at once', async () => {
    let child: ChildProcess | undefined;
    let output = '';
    try {
      child = spawn('npm', ['start'], {
        cwd: new URL('../..', import.meta.url).pathname,
        env: {
          ...process.env,
          PORT: '0',
          RUNS_API_PORT: '0',
          NODE_ENV: 'development',
          LOG_LEVEL: 'warn',
          READINESS_CACHE_MS: '0',
          SHUTDOWN_DELAY_MS: '1000',
          SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
          RUNS_API_FAULT_CONTROL: 'true',
        },
        // Its own process group, so that the finally below can end whatever is left of it.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const npm = child;
      npm.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = once(npm, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      await waitUntil(() => /Upstream:\s+\S+ \(embedded runs API\)/.test(output) || npm.exitCode !== null, 30_000);
      const graphql = /GraphQL \(HTTP, SSE\):\s+(\S+)/.exec(output)![1]!;
      const ws = /WebSocket:\s+(\S+)/.exec(output)![1]!;
      const upstream = /Upstream:\s+(\S+)\/v1 \(embedded runs API\)/.exec(output)![1]!;
      const origin = graphql.replace(/\/graphql$/, '');
      expect(await readiness(origin)).toBe(200);

      // A WebSocket and an SSE subscriber on a run that waits for tool outputs: both stay open until the stop.
      const socket = new WebSocket(ws, 'graphql-transport-ws');
      const wsMessages: string[] = [];
      socket.on('message', (data) => wsMessages.push((JSON.parse(String(data)) as { type: string }).type));
      socket.on('error', () => undefined);
      const wsClosed = once(socket, 'close') as Promise<[number, Buffer]>;
      await once(socket, 'open');
      socket.send(JSON.stringify({ type: 'connection_init' }));
      await waitUntil(() => wsMessages.includes('connection_ack'));
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: RUN_UPDATED, variables: DEMO_RUN } }));
      const sse = subscribeSse(graphql, RUN_UPDATED, DEMO_RUN);
      await waitUntil(() => wsMessages.includes('next') && sse.results.length === 1, 10_000);

      // A query in flight: its upstream read takes 3 s (a fault of the embedded runs API, which must outlive it).
      await fetch(`${upstream}/__control/faults`, { method: 'PUT', body: JSON.stringify({ rules: 'GET /threads/{thread_id}/messages latency=3000 count=1' }) });
      const slow = fetch(graphql, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ thread(id: "thread_demo") { messages(first: 2) { edges { node { id } } } } }' }),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as { data?: unknown; errors?: unknown } }));
      slow.catch(() => undefined); // awaited below; a failure must fail there, not as an unhandled rejection

      const faultsLeft = async () => ((await (await fetch(`${upstream}/__control/faults`)).json()) as { rules: Array<{ count?: number }> }).rules[0]?.count;
      let reachedUpstream = false;
      while (!reachedUpstream) reachedUpstream = (await faultsLeft()) === 0;

      // A busy keep-alive client: one request after another on the same connection, for as long as it is answered.
      let busyAnswers = 0;
      let busyStopped = false;
      const busy = (async (): Promise<string | undefined> => {
        while (!busyStopped) {
          try {
            await (await fetch(`${origin}/health`)).text();
            busyAnswers += 1;
          } catch (error) {
            const cause = (error as Error).cause as NodeJS.ErrnoException | undefined;
            if (cause?.code === 'ECONNRESET' && cause.syscall === 'connect') return 'ECONNREFUSED'; // see readiness()
            return cause?.code ?? String(error);
          }
        }
        return undefined;
      })();

      const signalledAt = Date.now();
      process.kill(npm.pid!, 'SIGTERM');

      // Readiness on new connections: 503 while the listener still accepts (the pre-stop delay), then refused.
      const seen: Array<number | 'refused'> = [];
      while (seen.at(-1) !== 'refused' && Date.now() - signalledAt < SHUTDOWN_TIMEOUT_MS) seen.push(await readiness(origin));
      const first503 = seen.indexOf(503);
      expect(first503, JSON.stringify(seen.slice(0, 20))).toBeGreaterThanOrEqual(0);
      expect(seen.at(-1)).toBe('refused');
      expect(seen.slice(first503).every((status) => status === 503 || status === 'refused'), JSON.stringify(seen.slice(0, 20))).toBe(true);

      const [closeCode] = await wsClosed;
      expect(closeCode).toBe(1001);
      // Over graphql-ws the 1001 is the whole message: no `complete` or error that would end the subscription for good.
      expect(wsMessages.filter((type) => type !== 'connection_ack' && type !== 'next')).toEqual([]);

      await sse.done;
      const last = sse.results.at(-1) as { errors?: Array<{ extensions?: { code?: string } }> };
      expect(last.errors?.[0]?.extensions?.code).toBe('SHUTTING_DOWN');

      const answered = await slow;
      expect(answered.status).toBe(200);
      expect(answered.body.errors).toBeUndefined();
      expect(answered.body.data).toMatchObject({ thread: { messages: { edges: expect.any(Array) } } });

      const [code, signal] = await exited;
      const stoppedAfterMs = Date.now() - signalledAt;
      busyStopped = true;
      // Told to close its connection with each answer while stopping, it was never cut off mid-request: in the end
      // its next connection was refused.
      expect(await busy).toBe('ECONNREFUSED');
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(output).toMatch(/SIGTERM: shutting down/);
      // Drained, not cut off: the busy keep-alive connection did not hold the stop until the timeout.
      expect(output).not.toMatch(/closing requests still in flight/);
      expect(stoppedAfterMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
      expect(busyAnswers).toBeGreaterThan(0);
    } finally {
      // The whole group, whatever the test saw: an orphaned gateway would outlive npm.
      if (child?.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // the group is gone
        }
      }
    }
  }, 90_000);
});
