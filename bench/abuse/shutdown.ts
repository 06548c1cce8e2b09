/**
 * W6 and W7: SIGTERM to the pid of `npm start` (what `docker stop` does when npm is the container's command),
 * under load: queries in flight on a slow upstream read (the embedded API's fault control: 4 s on
 * GET /threads/{thread_id}/messages), WS and SSE subscribers, HTTP workers on fresh connections and a
 * /readiness poller. Then: who exited when, with what, whether anything of the process group is left, and what
 * every client saw.
 */
import { alive, childPids, startGateway } from './processes.js';
import { gql, httpRequest, sseSubscribe, wsSubscribe, type WsSubscription } from './clients.js';
import { defaults, secs, tally, type Family } from './probe.js';

const DELAY_MS = 1_000;
const SLOW_MS = 4_000;
const SLOW_QUERY = '{ thread(id: "thread_demo") { messages(first: 1) { edges { node { id } } } } }';
const SUBSCRIPTION = 'subscription { runUpdated(threadId: "thread_demo", runId: "run_demo_requires_action") { status } }';

export const shutdown: Family = {
  name: 'shutdown',
  ids: ['W6', 'W7'],
  async run(log) {
    const gateway = await startGateway({
      label: 'npm start',
      via: 'npm',
      env: { RUNS_API_FAULT_CONTROL: 'true', SHUTDOWN_DELAY_MS: String(DELAY_MS), LOG_LEVEL: 'info' },
    });
    let stopWorkers = false;
    try {
      const npmPid = gateway.process.pid;
      const serverPid = childPids(npmPid)[0];
      if (serverPid === undefined) throw new Error('npm start has no child process');
      const timeoutMs = defaults.shutdownTimeoutMs;
      const fault = await httpRequest(`${gateway.apiOrigin}/__control/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(`GET /threads/{thread_id}/messages latency=${SLOW_MS}`),
      });
      if (fault.status !== 200) throw new Error(`fault control answered ${fault.status}: ${fault.text}`);

      const subscribers: WsSubscription[] = [];
      for (let i = 0; i < 5; i++) subscribers.push(await wsSubscribe(gateway.wsUrl, SUBSCRIPTION, {}));
      const sse = Array.from({ length: 3 }, () => sseSubscribe(gateway.url, SUBSCRIPTION, {}));
      const worker: Array<{ at: number; outcome: string }> = [];
      const readiness: Array<{ at: number; outcome: string }> = [];
      const workers = Array.from({ length: 4 }, async () => {
        while (!stopWorkers) {
          const at = performance.now();
          const answer = await gql(gateway.url, '{ run(threadId: "thread_demo", runId: "run_demo_completed") { status } }', {}, { timeoutMs: 15_000 }).catch(
            (e: NodeJS.ErrnoException) => ({ code: e.code ?? e.message, status: 0 }),
          );
          worker.push({ at, outcome: answer.status ? `${answer.status} ${answer.code}` : String(answer.code) });
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      });
      const poller = (async () => {
        while (!stopWorkers) {
          const at = performance.now();
          const answer = await httpRequest(`${gateway.origin}/readiness`, { timeoutMs: 5_000 }).catch((e: NodeJS.ErrnoException) => ({ status: e.code ?? 'error', text: '' }));
          readiness.push({ at, outcome: `${answer.status}${/shuttingDown"?:\s*true/.test(answer.text) ? ' shuttingDown' : ''}` });
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const slow = Array.from({ length: 5 }, () =>
        gql(gateway.url, SLOW_QUERY, {}, { timeoutMs: 30_000 }).then(
          (a) => a.code,
          (e: NodeJS.ErrnoException) => e.code ?? e.message,
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));

      log(`  SIGTERM to npm (pid ${npmPid}; the server is pid ${serverPid}), ${SLOW_MS / 1000 - 1} s left on 5 slow queries`);
      const t0 = performance.now();
      process.kill(npmPid, 'SIGTERM');
      let serverGoneAt: number | undefined;
      const watchServer = (async () => {
        while (performance.now() - t0 < timeoutMs + DELAY_MS + 10_000) {
          if (!alive(serverPid)) {
            serverGoneAt = performance.now();
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      const npmExit = await Promise.race([gateway.process.exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), timeoutMs + DELAY_MS + 10_000))]);
      await watchServer;
      // An orphan would still be serving after npm is gone: look once more a moment later.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const orphan = alive(serverPid);
      let groupLeft = false;
      try {
        process.kill(-npmPid, 0);
        groupLeft = true;
      } catch {
        groupLeft = false;
      }
      stopWorkers = true;
      const slowOutcomes = await Promise.all(slow);
      await Promise.all([...workers, poller]);
      await Promise.all(subscribers.map((s) => Promise.race([s.closed, new Promise((resolve) => setTimeout(resolve, 1_000))])));
      await Promise.all(sse.map((s) => Promise.race([s.ended, new Promise((resolve) => setTimeout(resolve, 1_000))])));
      for (const s of sse) s.abort();

      const rel = (at: number | undefined) => (at === undefined ? 'never' : `+${secs(at - t0)}`);
      const wsCloses = subscribers.map((s) => s.events.find((e) => e.kind === 'close'));
      const wsText = tally(wsCloses.map((c) => (c ? `${c.code} at ${rel(c.at)}` : 'open')));
      const sseEnds = sse.map((s) => {
        const after = s.events.filter((e) => e.at >= t0);
        if (after.some((e) => e.data.includes('SHUTTING_DOWN'))) return 'SHUTTING_DOWN';
        if (after.some((e) => e.event === 'complete')) return 'bare complete';
        return 'nothing';
      });
      const afterTerm = (items: Array<{ at: number; outcome: string }>, from: number, to = Number.POSITIVE_INFINITY) => items.filter((i) => i.at >= from && i.at < to).map((i) => i.outcome);
      const duringDelay = afterTerm(readiness, t0, t0 + DELAY_MS);
      const exitAfter = serverGoneAt === undefined ? Number.POSITIVE_INFINITY : serverGoneAt - t0;
      const drainBound = DELAY_MS + SLOW_MS + 2_000;
      const npmText = npmExit ? `npm exited ${npmExit.code ?? npmExit.signal} at ${rel(npmExit.at)}` : 'npm still running';
      const shuttingLine = gateway.process.lines.some((l) => /SIGTERM: shutting down/.test(l));
      const w6Pass = npmExit !== undefined && npmExit.code === 0 && !orphan && !groupLeft && shuttingLine && exitAfter <= drainBound;
      const w7Pass =
        slowOutcomes.every((o) => o === 'ok') &&
        wsCloses.every((c) => c?.code === 1001) &&
        sseEnds.every((e) => e === 'SHUTTING_DOWN') &&
        duringDelay.some((o) => o === '503 shuttingDown') &&
        !duringDelay.some((o) => o.startsWith('ECONN')) &&
        !afterTerm(worker, t0, t0 + DELAY_MS).some((o) => o.startsWith('ECONN')) &&
        exitAfter < DELAY_MS + timeoutMs;
      return [
        {
          id: 'W6',
          title: 'SIGTERM to `npm start`',
          sent: `SIGTERM to the pid of \`npm start\` (its own process group) under load (5 slow queries in flight, 5 WS + 3 SSE subscribers, 4 HTTP workers)`,
          before: 'npm gone at +0.01 s; the gateway kept serving as an orphan (7,895 answers in 25 s, readiness 200), never logged a shutdown',
          after: `${npmText}; the server (npm's child) logged the shutdown${shuttingLine ? '' : ' — no, it did not'} and was gone at ${rel(serverGoneAt)}; ${orphan ? 'orphan left serving' : 'no orphan'}, ${groupLeft ? 'processes of the group left' : 'nothing of the process group left'}`,
          target: `npm and the server exit 0 after the drain (≤ ${secs(drainBound)}: delay + the slowest request in flight + 2 s), no process left`,
          pass: w6Pass,
        },
        {
          id: 'W7',
          title: 'the drain on SIGTERM',
          sent: `the same stop, \`SHUTDOWN_DELAY_MS=${DELAY_MS}\`; the embedded API ${SLOW_MS / 1000} s slow on message reads; /readiness polled on fresh connections every 0.1 s`,
          before: '(a) 5/5 in-flight queries UPSTREAM_UNAVAILABLE/network; (b) new connections refused from +0.07 s, 203 ECONNREFUSED; (c) SSE got a bare `complete` at +0.02 s; (d) exit at +10.06 s (full SHUTDOWN_TIMEOUT_MS, "9 open sockets")',
          after: `(a) slow queries in flight: ${tally(slowOutcomes)}; (b) /readiness during the delay: ${tally(duringDelay)}, after it: ${tally(afterTerm(readiness, t0 + DELAY_MS))}; workers during the delay: ${tally(afterTerm(worker, t0, t0 + DELAY_MS))}, after it: ${tally(afterTerm(worker, t0 + DELAY_MS))}; (c) WS ${wsText}; SSE ${tally(sseEnds)}; (d) exit at ${rel(serverGoneAt)}`,
          target: `(a) in-flight work finishes; (b) during the delay new connections are served and /readiness is 503 shuttingDown; (c) WS 1001, SSE a SHUTTING_DOWN error; (d) exit once drained, before delay + SHUTDOWN_TIMEOUT_MS (${secs(DELAY_MS + timeoutMs)})`,
          pass: w7Pass,
        },
      ];
    } finally {
      stopWorkers = true;
      await gateway.process.kill();
    }
  },
};
