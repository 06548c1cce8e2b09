/**
 * W5, W9, W11: the upstream hangs (a separate runs API, SIGSTOPped: it accepts connections and never answers),
 * as probe 3b did, with open-loop load of distinct run ids, /readiness polled, a WS and an SSE subscriber on a
 * run in requires_action, and a few client aborts; then SIGCONT. /metrics is sampled for what waits.
 */
import { summary } from '../lib/stats.js';
import { gql, httpRequest, metric, scrape, sseSubscribe, wsSubscribe, type GraphqlAnswer, type WsEvent } from './clients.js';
import { metricValue } from '../lib/prometheus.js';
import { startGateway, startRunsApi } from './processes.js';
import { defaults, ms, openLoop, secs, tally, type Family } from './probe.js';

const RATE = 40;
const BEFORE_MS = 3_000;
const STOP_MS = 20_000;
const AFTER_MS = 6_000;
const SUBSCRIPTION = 'subscription { runUpdated(threadId: "thread_demo", runId: "run_demo_requires_action") { status upstreamStatus } }';

interface Sent {
  at: number;
  answer: GraphqlAnswer | { error: string; ms: number };
}

const label = (s: Sent) => ('error' in s.answer ? `socket ${s.answer.error}` : `${s.answer.status} ${s.answer.code}${s.answer.reason ? `/${s.answer.reason}` : ''}`);

export const hungUpstream: Family = {
  name: 'hung upstream',
  ids: ['W5', 'W9', 'W11'],
  async run(log) {
    const api = await startRunsApi('runs API (to be stopped)');
    const gateway = await startGateway({ label: 'gateway (separate upstream)', env: { UPSTREAM_BASE_URL: api.baseUrl } });
    const timers: NodeJS.Timeout[] = [];
    try {
      const { maxConcurrency, maxQueue, operationDeadlineMs } = defaults.upstream;
      const readinessTimeoutMs = defaults.readinessTimeoutMs;
      const outageRetryMs = defaults.live.outageRetryMs;
      await gql(gateway.url, '{ run(threadId: "thread_demo", runId: "run_demo_completed") { status } }');

      const t0 = performance.now();
      let stoppedAt = Number.POSITIVE_INFINITY;
      let resumedAt = Number.POSITIVE_INFINITY;
      const ws = await wsSubscribe(gateway.wsUrl, SUBSCRIPTION, {});
      const sse = sseSubscribe(gateway.url, SUBSCRIPTION, {});
      const readiness: Array<{ at: number; status: number | string; ms: number }> = [];
      const samples: Array<{ at: number; inFlight: number; queued: number; outstanding: number }> = [];
      let outstanding = 0;
      let maxOutstanding = 0;
      let polling = true;
      const pollReadiness = async () => {
        while (polling) {
          const at = performance.now();
          const answer = await httpRequest(`${gateway.origin}/readiness`, { timeoutMs: 5_000 }).catch((e: NodeJS.ErrnoException) => ({ status: e.code ?? 'error', ms: performance.now() - at }));
          readiness.push({ at, status: answer.status, ms: answer.ms });
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      };
      const sampleMetrics = async () => {
        while (polling) {
          const text = await scrape(gateway.origin).catch(() => '');
          samples.push({
            at: performance.now(),
            inFlight: metricValue(text, 'gateway_upstream_in_flight') ?? Number.NaN,
            queued: metricValue(text, 'gateway_upstream_queued') ?? Number.NaN,
            outstanding,
          });
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      };
      const background = [pollReadiness(), sampleMetrics()];

      timers.push(
        setTimeout(() => {
          stoppedAt = performance.now();
          log(`  SIGSTOP to the runs API for ${STOP_MS / 1000} s under ${RATE} req/s`);
          process.kill(api.process.pid, 'SIGSTOP');
        }, BEFORE_MS),
        setTimeout(() => {
          resumedAt = performance.now();
          log('  SIGCONT');
          process.kill(api.process.pid, 'SIGCONT');
        }, BEFORE_MS + STOP_MS),
      );
      // W11: clients that give up while their request waits must not be logged as errors.
      const aborts: Array<Promise<unknown>> = [];
      timers.push(
        setTimeout(() => {
          for (let i = 0; i < 5; i++) {
            const controller = new AbortController();
            aborts.push(gql(gateway.url, `{ run(threadId: "thread_demo", runId: "run_abort_${i}") { status } }`, {}, { signal: controller.signal }).catch(() => undefined));
            setTimeout(() => controller.abort(), 300);
          }
        }, BEFORE_MS + 1_000),
      );

      const sent: Sent[] = [];
      const warnFrom = gateway.process.lines.length;
      await openLoop(RATE, BEFORE_MS + STOP_MS + AFTER_MS, async (i) => {
        const at = performance.now();
        outstanding++;
        maxOutstanding = Math.max(maxOutstanding, outstanding);
        const answer = await gql(gateway.url, `{ run(threadId: "thread_demo", runId: "run_probe_${i}") { status } }`, {}, { timeoutMs: 60_000 }).catch((e: NodeJS.ErrnoException) => ({
          error: e.code ?? e.message,
          ms: performance.now() - at,
        }));
        outstanding--;
        sent.push({ at, answer });
      });
      await Promise.all(aborts);
      polling = false;
      await Promise.all(background);
      ws.close();
      sse.abort();
      const shedTotal = await metric(gateway.origin, 'gateway_upstream_shed_total');
      const breakerState = await metric(gateway.origin, 'gateway_upstream_breaker_state');
      const logLines = gateway.process.lines.slice(warnFrom);

      // ---- W5
      const during = sent.filter((s) => s.at >= stoppedAt && s.at < resumedAt);
      const times = during.map((s) => s.answer.ms);
      const shed = during.filter((s) => !('error' in s.answer) && s.answer.reason === 'overloaded');
      const shed503 = shed.filter((s) => !('error' in s.answer) && s.answer.status === 503 && s.answer.headers['retry-after'] !== undefined);
      // Shed at once (the queue was full) or after waiting in the queue until the deadline could not be met.
      const shedAtOnce = shed.filter((s) => s.answer.ms < operationDeadlineMs / 2);
      const shedTimes = summary(shedAtOnce.map((s) => s.answer.ms));
      const shedLate = summary(shed.filter((s) => s.answer.ms >= operationDeadlineMs / 2).map((s) => s.answer.ms));
      const all = summary(times);
      const hung = samples.filter((s) => s.at >= stoppedAt && s.at < resumedAt);
      const maxInFlight = Math.max(...hung.map((s) => s.inFlight));
      const maxQueued = Math.max(...hung.map((s) => s.queued));
      // Probes answered while it was hung: one that started before SIGCONT and was answered after it saw a live upstream.
      const readyHung = readiness.filter((r) => r.at >= stoppedAt + readinessTimeoutMs && r.at + r.ms < resumedAt);
      const readyMax = Math.max(...readyHung.map((r) => r.ms));
      const answeredWithin = operationDeadlineMs + 1_000;
      const socketErrors = during.filter((s) => 'error' in s.answer).length;
      const w5Pass =
        during.length > 0 &&
        socketErrors === 0 &&
        all.max <= answeredWithin &&
        shedAtOnce.length > 0 &&
        shed503.length === shed.length &&
        shedTimes.p50 < 100 &&
        maxInFlight <= maxConcurrency &&
        maxQueued <= maxQueue &&
        maxOutstanding <= maxConcurrency + maxQueue + 50 &&
        readyHung.length > 0 &&
        readyHung.every((r) => r.status === 503) &&
        readyMax <= readinessTimeoutMs + 1_000;

      // ---- W9
      const firstAfter = <T extends { at: number }>(events: T[], from: number, test: (e: T) => boolean) => events.find((e) => e.at >= from && test(e));
      const wsStatus = (e: WsEvent) => (e.payload as { data?: { runUpdated?: { upstreamStatus?: string } } } | undefined)?.data?.runUpdated?.upstreamStatus;
      const wsDown = firstAfter(ws.events, stoppedAt, (e) => e.kind === 'next' && wsStatus(e) === 'UNAVAILABLE');
      const wsUp = firstAfter(ws.events, resumedAt, (e) => e.kind === 'next' && wsStatus(e) === 'AVAILABLE');
      const sseStatus = (data: string) => {
        try {
          return (JSON.parse(data) as { data?: { runUpdated?: { upstreamStatus?: string } } }).data?.runUpdated?.upstreamStatus;
        } catch {
          return undefined;
        }
      };
      const sseDown = firstAfter(sse.events, stoppedAt, (e) => sseStatus(e.data) === 'UNAVAILABLE');
      const sseUp = firstAfter(sse.events, resumedAt, (e) => sseStatus(e.data) === 'AVAILABLE');
      const firstOk = sent.filter((s) => s.at >= resumedAt && !('error' in s.answer) && (s.answer.code === 'ok' || s.answer.code === 'NOT_FOUND')).sort((a, b) => a.at - b.at)[0];
      const readyAgain = readiness.find((r) => r.at >= resumedAt && r.status === 200);
      const since = (e: { at: number } | undefined, from: number) => (e ? secs(e.at - from) : 'never');
      const resumeBound = outageRetryMs + 1_000;
      const w9Pass =
        wsDown !== undefined && sseDown !== undefined && wsUp !== undefined && sseUp !== undefined && wsUp.at - resumedAt <= resumeBound && sseUp.at - resumedAt <= resumeBound;

      // ---- W11
      const parsed = logLines.map((line) => {
        try {
          return JSON.parse(line) as { level?: number; msg?: string };
        } catch {
          return { level: undefined, msg: line };
        }
      });
      const warns = parsed.filter((l) => l.level === 40);
      const errors = parsed.filter((l) => (l.level ?? 0) >= 50);
      const w11Pass = warns.length >= 1 && warns.length <= 10 && errors.length === 0 && shedTotal !== undefined && breakerState !== undefined;

      return [
        {
          id: 'W5',
          title: 'hung upstream: shedding and bounded waiting',
          sent: `${RATE} req/s of distinct run ids (open loop) for ${secs(BEFORE_MS + STOP_MS + AFTER_MS)}; the upstream SIGSTOPped for ${secs(STOP_MS)}; /readiness every 0.5 s`,
          before: '45 s hung: 0 errors, 1,688 requests waited (p50 24.3 s, max 47.3 s), 1,690 in flight, 1,706 sockets; /readiness hung > 10 s',
          after: `${during.length} requests while hung: ${tally(during.map(label))}; answered p50 ${ms(all.p50, 0)}, max ${secs(all.max)}; shed ${shed.length} (503 + Retry-After: ${shed503.length}): ${shedAtOnce.length} at once, p50 ${ms(shedTimes.p50, 1)}, ${shedLate.n} after queueing until the deadline could not be met, p50 ${secs(shedLate.p50)}; upstream in flight ≤ ${maxInFlight}, queued ≤ ${maxQueued}, client requests open ≤ ${maxOutstanding}; /readiness ${tally(readyHung.map((r) => String(r.status)))}, slowest ${ms(readyMax, 0)}`,
          target: `every request answered within the deadline (${secs(answeredWithin)}); shed ones 503 with Retry-After, those past the queue at once (p50 < 100 ms); in flight ≤ ${maxConcurrency}, queued ≤ ${maxQueue}; /readiness 503 within ${secs(readinessTimeoutMs + 1_000)}`,
          pass: w5Pass,
          notes: [`after SIGCONT: first answered query ${since(firstOk, resumedAt)}, /readiness 200 ${since(readyAgain, resumedAt)}; answers after: ${tally(sent.filter((s) => s.at >= resumedAt).map(label))}`],
        },
        {
          id: 'W9',
          title: 'live subscriptions during an upstream outage',
          sent: `runUpdated on a requires_action run over WS and SSE through the same ${secs(STOP_MS)} hang`,
          before: '45 s outage: 55 s without any event or error; resumed 8.1 s after the upstream answered (queries after 2.2 s)',
          after: `UNAVAILABLE after ${since(wsDown, stoppedAt)} (WS) / ${since(sseDown, stoppedAt)} (SSE) of the hang; AVAILABLE ${since(wsUp, resumedAt)} / ${since(sseUp, resumedAt)} after SIGCONT (queries ${since(firstOk, resumedAt)})`,
          target: `told of the outage while it lasts (upstreamStatus UNAVAILABLE), AVAILABLE within ${secs(resumeBound)} of the upstream answering`,
          pass: w9Pass,
        },
        {
          id: 'W11',
          title: 'observability of an outage',
          sent: `the same hang, and 5 clients aborting their request after 0.3 s while it lasted`,
          before: 'a 45 s outage and an open breaker: 0 log lines at warn, no breaker-state metric; a client abort logged at level 50 with a stack',
          after: `${warns.length} warn lines (${tally(warns.map((w) => w.msg ?? '?'))}); ${errors.length} lines at level ≥ 50; metrics: shed_total ${shedTotal ?? 'absent'}, breaker_state ${breakerState ?? 'absent'}`,
          target: 'the outage and shedding logged at warn once each (1–10 lines, not one per request), 0 error lines for client aborts, shedding and breaker state exported',
          pass: w11Pass,
          notes: errors.length ? [`first error line: ${logLines.find((line) => /"level":(50|60)/.test(line))?.slice(0, 600)}`] : [],
        },
      ];
    } finally {
      for (const timer of timers) clearTimeout(timer);
      await gateway.process.kill();
      await api.process.kill();
    }
  },
};
