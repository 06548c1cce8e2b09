/**
 * W8: slow and idle connections, as probe 4 did, against the default connection limits. Three attackers, each
 * from its own loopback address (127.0.0.2–4: the gateway still listens on 127.0.0.1 only; the per-address cap
 * is per source address): trickled headers, trickled bodies, and a flood of connections whose request head is
 * complete but whose body never comes. A checker on 127.0.0.1 opens a fresh connection for a query every 250 ms.
 */
import { connect, type Socket } from 'node:net';
import { summary } from '../lib/stats.js';
import { gql, metric } from './clients.js';
import { HOST, startGateway } from './processes.js';
import { defaults, ms, secs, tally, type Family } from './probe.js';

const SLOW_HEADERS = 200;
const SLOW_BODIES = 200;
const IDLE = 3_000;
const CAP_MS = 40_000;

interface Held {
  openedAt: number;
  closedAt?: number;
  got408: boolean;
  /** Closed within 1 s of connecting without an answer: refused on arrival. */
  refusedOnArrival: boolean;
}

function hold(port: number, localAddress: string, head: string, trickle: string | undefined, everyMs: number, timers: NodeJS.Timeout[]): Promise<Held> {
  return new Promise((resolve) => {
    const held: Held = { openedAt: performance.now(), got408: false, refusedOnArrival: false };
    const socket: Socket = connect({ port, host: HOST, localAddress });
    let connectedAt = Number.NaN;
    socket.on('connect', () => {
      connectedAt = performance.now();
      held.openedAt = connectedAt;
      socket.write(head);
      if (trickle !== undefined) {
        const timer = setInterval(() => {
          if (!socket.destroyed) socket.write(trickle);
        }, everyMs);
        timers.push(timer);
        socket.once('close', () => clearInterval(timer));
      }
    });
    socket.on('data', (data) => {
      if (data.toString('latin1').startsWith('HTTP/1.1 408')) held.got408 = true;
    });
    socket.on('error', () => undefined);
    socket.once('close', () => {
      held.closedAt = performance.now();
      held.refusedOnArrival = !held.got408 && held.closedAt - connectedAt < 1_000;
      resolve(held);
    });
    timers.push(setTimeout(() => socket.destroy(), CAP_MS));
  });
}

export const connections: Family = {
  name: 'connections',
  ids: ['W8'],
  async run(log) {
    const gateway = await startGateway({ label: 'gateway (default connection limits)' });
    const timers: NodeJS.Timeout[] = [];
    try {
      const port = Number(new URL(gateway.origin).port);
      const { headersTimeoutMs, requestTimeoutMs, maxConnectionsPerAddress } = defaults.http;
      let checking = true;
      const checks: Array<{ ok: boolean; ms: number; outcome: string }> = [];
      const checker = (async () => {
        while (checking) {
          const answer = await gql(gateway.url, '{ run(threadId: "thread_demo", runId: "run_demo_completed") { status } }', {}, { timeoutMs: 10_000 }).catch((e: NodeJS.ErrnoException) => ({
            code: e.code ?? e.message,
            ms: Number.NaN,
          }));
          checks.push({ ok: answer.code === 'ok', ms: answer.ms, outcome: answer.code });
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      })();

      log(`W8: ${SLOW_HEADERS} trickled heads, ${SLOW_BODIES} trickled bodies, ${IDLE} held connections from one address`);
      const t0 = performance.now();
      const headers = Array.from({ length: SLOW_HEADERS }, (_, i) => hold(port, '127.0.0.2', `GET /health HTTP/1.1\r\nHost: x\r\nX-${i}: a\r\n`, 'X-b: c\r\n', 2_000, timers));
      const bodies = Array.from({ length: SLOW_BODIES }, () =>
        hold(port, '127.0.0.3', 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{', ' ', 1_000, timers),
      );
      const idle: Array<Promise<Held>> = [];
      for (let i = 0; i < IDLE; i += 250) {
        for (let j = i; j < Math.min(IDLE, i + 250); j++) {
          idle.push(hold(port, '127.0.0.4', 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n', undefined, 0, timers));
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const [h, b, d] = await Promise.all([Promise.all(headers), Promise.all(bodies), Promise.all(idle)]);
      const seconds = (performance.now() - t0) / 1000;
      checking = false;
      await checker;
      const refusedMetric = await metric(gateway.origin, 'gateway_http_connections_refused_total', { limit: 'address' });
      const health = await gql(gateway.url, '{ __typename }');

      const lifetimes = (items: Held[]) => summary(items.filter((x) => !x.refusedOnArrival && x.closedAt !== undefined).map((x) => x.closedAt! - x.openedAt));
      const headLife = lifetimes(h);
      const bodyLife = lifetimes(b);
      const idleHeld = d.filter((x) => !x.refusedOnArrival);
      const idleRefused = d.length - idleHeld.length;
      const idleLife = lifetimes(d);
      const checkTimes = summary(checks.filter((c) => c.ok).map((c) => c.ms));
      const checksOk = checks.filter((c) => c.ok).length;
      const closedBy = (items: Held[], bound: number) => items.every((x) => x.closedAt !== undefined && x.closedAt - x.openedAt <= bound);
      const pass =
        closedBy(h, headersTimeoutMs + 2_000) &&
        h.every((x) => x.got408) &&
        closedBy(b, requestTimeoutMs + 2_000) &&
        b.every((x) => x.got408) &&
        idleHeld.length <= maxConnectionsPerAddress &&
        closedBy(idleHeld, requestTimeoutMs + 2_000) &&
        checksOk === checks.length &&
        health.code === 'ok';
      return [
        {
          id: 'W8',
          title: 'slow and idle connections',
          sent: `from 127.0.0.2: ${SLOW_HEADERS} requests trickling a header line every 2 s; from .3: ${SLOW_BODIES} trickling a 100 kB body at 1 byte/s; from .4: ${IDLE} connections with a complete head and no body; a checker on 127.0.0.1 (fresh connection every 0.25 s); ${secs(seconds * 1000)} in all`,
          before: 'slow headers closed (408) at 84.8 s; slow bodies 200/200 still open at 110 s; 2 × 10,000 idle connections took all 20,000 fds: 22/55 checks ok',
          after: `slow headers closed at ${secs(headLife.p50)}–${secs(headLife.max)} (${h.filter((x) => x.got408).length}/${h.length} with 408); slow bodies at ${secs(bodyLife.p50)}–${secs(bodyLife.max)} (${b.filter((x) => x.got408).length}/${b.length} 408); held: ${idleHeld.length} accepted (closed at ${secs(idleLife.max)}), ${idleRefused} closed on arrival (metric: ${refusedMetric ?? 'n/a'}); checker ${checksOk}/${checks.length} ok, p50 ${ms(checkTimes.p50, 1)}, p99 ${ms(checkTimes.p99, 1)}`,
          target: `heads closed with 408 by HTTP_HEADERS_TIMEOUT_MS + 2 s (${secs(headersTimeoutMs + 2_000)}), bodies and held requests by HTTP_REQUEST_TIMEOUT_MS + 2 s (${secs(requestTimeoutMs + 2_000)}); at most ${maxConnectionsPerAddress} from one address; every check answered`,
          pass,
          notes: [`checker outcomes: ${tally(checks.map((c) => c.outcome))}`],
        },
      ];
    } finally {
      for (const timer of timers) {
        clearTimeout(timer);
        clearInterval(timer);
      }
      await gateway.process.kill();
    }
  },
};
