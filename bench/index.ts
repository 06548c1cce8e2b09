/**
 * `npm run bench`: upstream calls per page, added latency and throughput against direct REST, and live
 * fan-out to many graphql-ws subscribers (one gateway, and two on Redis). Prints the tables and writes
 * BENCHMARKS.md with the machine it ran on. Everything is on 127.0.0.1; every loop is bounded in count
 * and time. See bench/README.md for the settings (BENCH_QUICK=1 for a smoke run).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { ownedSections } from './lib/owned-sections.js';
import { cpus, loadavg, totalmem, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startRedis, redisAvailable, type TestRedis } from '../test/helpers/redis.js';
import { fanout, type FanoutResult, type ParkedRun } from './fanout.js';
import { createAssistants, isTerminal, restClient, runsInThreads, threadWithRuns } from './lib/fixtures.js';
import { summarizeProfile, type ProfileSummary } from './lib/profile.js';
import { openFileLimit, spawnChild, type Child } from './lib/rpc.js';
import { kib, ms, num, pct, ratio, table } from './lib/stats.js';
import { directTarget, gatewayTarget, load, type LoadResult } from './overhead.js';
import { PageBench, type PageFixtures, type Mode } from './pages.js';
import { loadConfig } from '../src/config.js';
import { gatewayEnv } from './lib/gateway-env.js';

// ---------------------------------------------------------------- settings
const env = process.env;
const quick = env['BENCH_QUICK'] === '1';
const list = (name: string, fallback: number[]) => (env[name] ? env[name]!.split(',').map(Number).filter((n) => n > 0) : fallback);
const P = {
  sections: new Set((env['BENCH_SECTIONS'] ?? 'pages,overhead,fanout').split(',').map((s) => s.trim())),
  loadSeconds: Number(env['BENCH_SECONDS'] ?? (quick ? 2 : 5)),
  // A gateway's first seconds under a new load run colder code (measured: ~0.35 ms of CPU per request in the first
  // 3 s after start, ~0.2 ms after): each measurement is preceded by this much of the same load.
  warmupSeconds: Number(env['BENCH_WARMUP_SECONDS'] ?? (quick ? 1 : 3)),
  runsPerPage: list('BENCH_RUNS_PER_PAGE', quick ? [10, 50] : [10, 25, 50, 100]),
  subscribers: list('BENCH_SUBSCRIBERS', quick ? [100, 1_000] : [100, 1_000, 10_000]),
  redisSubscribers: list('BENCH_REDIS_SUBSCRIBERS', quick ? [1_000] : [100, 10_000]),
  runs: Number(env['BENCH_RUNS'] ?? 100),
  windowMs: Number(env['BENCH_WINDOW_MS'] ?? (quick ? 3_000 : 8_000)),
  changePeriodMs: Number(env['BENCH_CHANGE_PERIOD_MS'] ?? 2_000),
  clientProcs: Number(env['BENCH_CLIENT_PROCS'] ?? 2),
  connectDeadlineMs: Number(env['BENCH_CONNECT_DEADLINE_MS'] ?? 120_000),
  redis: env['BENCH_REDIS'] !== '0',
  profile: env['BENCH_PROFILE'] !== '0',
  /** Heap census (by constructor) at this subscriber count, one gateway; 0 turns it off. */
  censusAt: Number(env['BENCH_CENSUS_AT'] ?? 1_000),
  out: env['BENCH_OUT'] ?? fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url)),
};
const PAGE_RUNS = 50;
const DASHBOARD_RUNS = 20;
const CLIENTS = 50;
const profileDir = fileURLToPath(new URL('./.profiles/', import.meta.url));

/** The pages whose calls exceed the distinct resources with the read cache off, or "= distinct everywhere". */
function noCacheSummary(rows: PageRow[]): string {
  const over = rows.filter((r) => r.noCache > r.distinct).map((r) => `${r.page} @${r.latency}: ${r.noCache} for ${r.distinct}`);
  return over.length === 0 ? '= distinct everywhere' : over.slice(0, 3).join('; ');
}

/** The gateway's read cache as the children run it (the default unless the environment sets it). */
const readCacheMs = () => loadConfig({ ...process.env, ...gatewayEnv('http://127.0.0.1:1/v1') } as NodeJS.ProcessEnv).upstream.readCacheMs ?? 0;

const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const started = Date.now();
const out: string[] = [];
const emit = (text = '') => {
  out.push(text);
  process.stdout.write(`${text}\n`);
};
const mark = (ok: boolean | undefined) => (ok === undefined ? '–' : ok ? 'met' : '**not met**');
const targets: Array<{ target: string; measured: string; ok: boolean | undefined }> = [];

// ---------------------------------------------------------------- section 1 and 2
interface OverheadRow {
  latencyMs: number;
  conns: number;
  direct: LoadResult;
  gateway: LoadResult;
  /** The gateway with UPSTREAM_READ_CACHE_MS=0: every query reads the upstream (shared only while in flight). */
  noCache: LoadResult;
}

interface PageRow {
  page: string;
  latency: string;
  distinct: number;
  gateway: number;
  /** The gateway with its read cache off (in-flight dedupe and shared executions only). */
  noCache: number;
  off: number | undefined;
  rest: number;
}

async function pagesAndOverhead(): Promise<{ pages: PageRow[]; growth: PageRow[]; overhead: OverheadRow[]; requestProfile?: ProfileSummary }> {
  log('starting the embedded runs API (stepMs 10) and the fixtures');
  const api = await spawnChild<{ url: string }>('api-child.ts', { label: 'runs API', env: { BENCH_API_STEP_MS: '10' } });
  let gateway: Child<{ url: string; wsUrl: string }> | undefined;
  try {
    const rest = restClient(api.ready.url);
    const assistants = await createAssistants(rest, ['Ada', 'Grace', 'Katherine']);
    const maxRuns = Math.max(...P.runsPerPage, PAGE_RUNS);
    const thread = await threadWithRuns(rest, assistants, maxRuns);
    const dashboard = await runsInThreads(rest, assistants, Math.max(maxRuns, DASHBOARD_RUNS), isTerminal);
    const assistantOf = new Map<string, string>();
    const threadRuns = [...thread.runIds].reverse();
    threadRuns.forEach((runId, i) => assistantOf.set(runId, assistants[(thread.runIds.length - 1 - i) % assistants.length]!));
    dashboard.forEach((r, i) => assistantOf.set(r.runId, assistants[i % assistants.length]!));
    const fx: PageFixtures = { threadId: thread.threadId, threadRuns, dashboardRuns: dashboard, assistants, assistantOf };

    gateway = await spawnChild('gateway-child.ts', { label: 'gateway', env: gatewayEnv(api.ready.url), nodeFlags: ['--expose-gc'] });
    const bench = new PageBench(api, gateway, fx);
    // Warm the gateway (compiled schema, first parse of each document).
    await bench.threadPage('gateway', 10);
    await bench.dashboard('gateway', 10);
    await bench.oneRun('gateway');

    const pages: PageRow[] = [];
    const growth: PageRow[] = [];
    const measureRow = async (page: string, latency: string, distinct: number, work: (mode: Mode) => Promise<unknown>, withOff = true): Promise<PageRow> => {
      await bench.setMode('gateway');
      const gw = await bench.calls(() => work('gateway'));
      await bench.setMode('no-cache');
      const noCache = await bench.calls(() => work('no-cache'));
      await bench.setMode('gateway');
      let off: number | undefined;
      if (withOff) {
        await bench.setMode('off');
        off = (await bench.calls(() => work('off'))).total;
        await bench.setMode('gateway');
      }
      const restCalls = await bench.calls(() => work('rest'));
      return { page, latency, distinct, gateway: gw.total, noCache: noCache.total, off, rest: restCalls.total };
    };

    if (P.sections.has('pages')) {
      log('section 1: upstream calls per page');
      for (const latencyMs of [0, 20]) {
        await api.call('faults', latencyMs ? `* * latency=${latencyMs}` : '');
        const lat = `${latencyMs} ms`;
        if (latencyMs === 0) {
          pages.push(await measureRow(`thread page (${PAGE_RUNS} runs + assistant, steps, last message), 1 client`, lat, bench.distinctThreadPage(PAGE_RUNS), (m) => bench.threadPage(m, PAGE_RUNS)));
          pages.push(await measureRow(`dashboard (${DASHBOARD_RUNS} runs by nodes(ids:)), 1 client`, lat, bench.distinctDashboard(DASHBOARD_RUNS), (m) => bench.dashboard(m, DASHBOARD_RUNS)));
        }
        pages.push(await measureRow(`thread page, ${CLIENTS} clients at once (each with other headers)`, lat, bench.distinctThreadPage(PAGE_RUNS), (m) => bench.threadPage(m, PAGE_RUNS, CLIENTS)));
        pages.push(await measureRow(`dashboard, ${CLIENTS} clients at once`, lat, bench.distinctDashboard(DASHBOARD_RUNS), (m) => bench.dashboard(m, DASHBOARD_RUNS, CLIENTS)));
        pages.push(await measureRow(`one run query, ${CLIENTS} clients at once`, lat, 1, (m) => bench.oneRun(m, CLIENTS)));
      }
      await api.call('faults', '');
      log('section 4: calls as runs per page grow');
      for (const n of P.runsPerPage) {
        growth.push(await measureRow(`thread page, ${n} runs, 1 client`, '0 ms', bench.distinctThreadPage(n), (m) => bench.threadPage(m, n)));
        growth.push(await measureRow(`thread page, ${n} runs, ${CLIENTS} clients`, '0 ms', bench.distinctThreadPage(n), (m) => bench.threadPage(m, n, CLIENTS), false));
        growth.push(await measureRow(`dashboard, ${n} runs, 1 client`, '0 ms', bench.distinctDashboard(n), (m) => bench.dashboard(m, n)));
      }
    }

    const overhead: OverheadRow[] = [];
    let requestProfile: ProfileSummary | undefined;
    if (P.sections.has('overhead')) {
      log('section 2: added latency and throughput (autocannon)');
      await bench.setMode('gateway');
      const runId = fx.threadRuns[0]!;
      const direct = directTarget(api.ready.url, fx.threadId, runId);
      const viaGateway = gatewayTarget(gateway.ready.url, fx.threadId, runId);
      for (const latencyMs of [0, 20]) {
        await api.call('faults', latencyMs ? `* * latency=${latencyMs}` : '');
        for (const conns of [1, CLIENTS]) {
          const d = await load(api, direct, conns, P.loadSeconds, P.warmupSeconds);
          const g = await load(api, viaGateway, conns, P.loadSeconds, P.warmupSeconds, gateway);
          await bench.setMode('no-cache');
          const n = await load(api, viaGateway, conns, P.loadSeconds, P.warmupSeconds, gateway);
          await bench.setMode('gateway');
          log(`  ${latencyMs} ms upstream, ${conns} connections: direct ${num(d.rps)} req/s p50 ${ms(d.p50)}, gateway ${num(g.rps)} req/s p50 ${ms(g.p50)}, upstream ${g.upstream}; read cache off ${num(n.rps)} req/s p50 ${ms(n.p50)}, upstream ${n.upstream}`);
          overhead.push({ latencyMs, conns, direct: d, gateway: g, noCache: n });
        }
      }
      await api.call('faults', '');
      if (P.profile) {
        log('profiling the gateway under load (0 ms upstream, 50 connections)');
        mkdirSync(profileDir, { recursive: true });
        const path = `${profileDir}request.cpuprofile`;
        await gateway.call('profileStart');
        await load(api, viaGateway, CLIENTS, Math.min(P.loadSeconds, 4), 0, gateway);
        await gateway.call('profileStop', path);
        requestProfile = summarizeProfile(path);
      }
    }
    return { pages, growth, overhead, ...(requestProfile ? { requestProfile } : {}) };
  } finally {
    await gateway?.stop();
    await api.stop();
  }
}

// ---------------------------------------------------------------- section 3
async function liveFanout(): Promise<{ results: FanoutResult[]; eventProfile?: ProfileSummary; census?: { subscribers: number; rows: NonNullable<FanoutResult['census']> }; note: string }> {
  log('starting the embedded runs API (stepMs 400) with runs parked in requires_action');
  const api = await spawnChild<{ url: string }>('api-child.ts', { label: 'runs API (live)', env: { BENCH_API_STEP_MS: '400' } });
  let redis: TestRedis | undefined;
  const results: FanoutResult[] = [];
  let eventProfile: ProfileSummary | undefined;
  let census: { subscribers: number; rows: NonNullable<FanoutResult['census']> } | undefined;
  try {
    const rest = restClient(api.ready.url);
    const [assistant] = await createAssistants(rest, ['Forecaster'], [
      { type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
    ]);
    const runs: ParkedRun[] = await runsInThreads(rest, [assistant!], P.runs, (status) => status === 'requires_action');
    const seqs = new Map<string, number>();
    const base = gatewayEnv(api.ready.url);
    const largest = Math.max(...P.subscribers);
    for (const subscribers of P.subscribers) {
      log(`section 3: ${num(subscribers)} subscribers, one gateway`);
      const profilePath = P.profile && subscribers === largest ? `${profileDir}events.cpuprofile` : undefined;
      if (profilePath) mkdirSync(profileDir, { recursive: true });
      const result = await fanout(api, runs, seqs, {
        subscribers,
        instances: 1,
        changePeriodMs: P.changePeriodMs,
        windowMs: P.windowMs,
        clientProcs: P.clientProcs,
        connectDeadlineMs: P.connectDeadlineMs,
        gatewayEnv: base,
        profilePath,
      });
      logFanout(result);
      results.push(result);
      if (profilePath) eventProfile = summarizeProfile(profilePath);
    }
    if (P.censusAt > 0) {
      // A pass of its own: parsing heap snapshots grows the RSS, which would spoil the memory figures above.
      log(`heap census: ${num(P.censusAt)} subscribers, one gateway`);
      const result = await fanout(api, runs, seqs, {
        subscribers: P.censusAt,
        instances: 1,
        changePeriodMs: P.changePeriodMs,
        windowMs: 1_000,
        clientProcs: P.clientProcs,
        connectDeadlineMs: P.connectDeadlineMs,
        gatewayEnv: base,
        census: true,
      });
      if (result.census) census = { subscribers: P.censusAt, rows: result.census };
    }
    if (P.redis && redisAvailable) {
      redis = await startRedis();
      for (const subscribers of P.redisSubscribers) {
        log(`section 3: ${num(subscribers)} subscribers, two gateways on Redis`);
        const result = await fanout(api, runs, seqs, {
          subscribers,
          instances: 2,
          redisUrl: redis.url,
          changePeriodMs: P.changePeriodMs,
          windowMs: P.windowMs,
          clientProcs: P.clientProcs,
          connectDeadlineMs: P.connectDeadlineMs,
          gatewayEnv: base,
        });
        logFanout(result);
        results.push(result);
      }
    } else if (P.redis) log('redis-server is not installed: the two-instance runs are skipped (apt-get install -y redis-server)');
    const note =
      `${P.runs} runs parked in requires_action on the embedded API (stepMs 400: it asks for a poll every 200 ms); each run's metadata changes every ` +
      `${P.changePeriodMs} ms, staggered over the runs (${num((P.runs * 1000) / P.changePeriodMs)} changes/s). One WebSocket per subscriber ` +
      `(as one browser tab each), over ${P.clientProcs} client processes; subscribers spread evenly over the runs (and over both instances on Redis). ` +
      `Window ${P.windowMs / 1000} s per row.`;
    return { results, ...(eventProfile ? { eventProfile } : {}), ...(census ? { census } : {}), note };
  } finally {
    await redis?.stop();
    await api.stop();
  }
}

function logFanout(r: FanoutResult): void {
  log(
    `  ${num(r.subscribers)} subs × ${r.instances}: subscribed ${r.subscribed} in ${ms(r.connectMs, 0)}, upstream ${num(r.upstreamPerSec, 1)}/s, ` +
      `delivered ${r.delivered}/${r.expected}, p50 ${ms(r.latencyP50)} p99 ${ms(r.latencyP99)}, heap ${kib(r.heapPerSub)}/sub rss ${kib(r.rssPerSub)}/sub, cpu ${pct(r.gatewayCpu)}, errors ${r.errors}`,
  );
  if (r.errorSamples.length) log(`  errors: ${r.errorSamples.join(' / ')}`);
}

// ---------------------------------------------------------------- report
const loadAtStart = loadavg();

function gitState(): string {
  try {
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd, encoding: 'utf8' }).trim() !== '';
    return `${commit}${dirty ? ' (with uncommitted changes in src/)' : ''}`;
  } catch {
    return 'unknown';
  }
}

function machine(): string[] {
  const cpu = cpus();
  const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(' / ');
  const busy = loadAtStart[0]! > 0.5 * cpu.length;
  return [
    `- CPU: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores`,
    `- Memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- Node ${process.version}, ${process.platform} ${release()}`,
    `- Open files: ${openFileLimit()} (children raised with prlimit when more are needed)`,
    `- Date: ${new Date().toISOString()}; code: commit ${gitState()}`,
    `- Load average (1/5/15 min) at start: ${load(loadAtStart)}; at the end: ${load(loadavg())}${busy ? ' — **other work was running on this machine: absolute figures are lower than on an idle one, ratios less so**' : ''}`,
  ];
}

function profileLines(title: string, p: ProfileSummary): void {
  emit(`**${title}** (${(p.totalMs / 1000).toFixed(1)} s sampled, busy ${pct(p.busyShare)}; shares of busy time)`);
  emit();
  emit(table(['package or file', 'self'], p.byPackage.slice(0, 12).map((r) => [r.name, pct(r.share)])));
  emit();
  emit(table(['function (self time)', 'self'], p.bySelf.slice(0, 12).map((r) => [`\`${r.name}\``, pct(r.share)])));
  emit();
  emit(table(['function (inclusive)', 'incl.'], p.byInclusive.filter((r) => r.share >= 0.03).slice(0, 24).map((r) => [`\`${r.name}\``, pct(r.share)])));
  emit();
}

async function main(): Promise<void> {
  log(`settings: ${JSON.stringify({ ...P, sections: [...P.sections] })}`);
  if (loadAtStart[0]! > 0.5 * cpus().length) log(`the machine is busy (load ${loadAtStart[0]!.toFixed(2)} on ${cpus().length} cores): figures will be lower than on an idle machine`);
  const first = P.sections.has('pages') || P.sections.has('overhead') ? await pagesAndOverhead() : undefined;
  const live = P.sections.has('fanout') ? await liveFanout() : undefined;

  emit('# Benchmarks');
  emit();
  emit('Written by `npm run bench` (bench/index.ts); do not edit by hand. Everything ran on 127.0.0.1 of one machine: the embedded runs API, ');
  emit('each gateway instance and the load generators in processes of their own (the gateway run as deployed: `NODE_ENV=production`, rate limits off).');
  emit();
  emit(...([] as string[]));
  for (const line of machine()) emit(line);
  emit(`- Settings: ${quick ? 'BENCH_QUICK=1 (smoke run, short windows)' : 'full run'}; load ${P.loadSeconds} s per measurement after ${P.warmupSeconds} s of warm-up; fan-out window ${P.windowMs / 1000} s`);
  emit();

  if (first && first.pages.length) {
    emit('## 1. Upstream calls per page');
    emit();
    emit('Counted by the embedded API (every request it answered while the page loaded). "distinct" is the number of different upstream');
    emit('resources the page needs (the target). REST client: `fetch` against the API as a hand-written frontend would (each run\'s assistant');
    emit('fetched once per page load, steps and last message per run, all in parallel). Clients send different headers (user agent, cookies, request ids).');
    emit();
    emit(`"gateway": as built (UPSTREAM_READ_CACHE_MS=${readCacheMs()}); "read cache off": UPSTREAM_READ_CACHE_MS=0, so clients share only the GETs and`);
    emit('executions in flight at the same moment; "loaders + dedupe off": every client and field on its own.');
    emit();
    const rows = first.pages.map((r) => [r.page, r.latency, String(r.distinct), String(r.gateway), String(r.noCache), r.off === undefined ? '–' : String(r.off), String(r.rest), mark(r.gateway <= r.distinct)]);
    emit(table(['page', 'upstream latency', 'distinct', 'gateway', 'gateway, read cache off', 'gateway, loaders + dedupe off', 'REST client', 'gateway = distinct'], rows));
    emit();
    const pageOk = first.pages.every((r) => r.gateway <= r.distinct) && first.growth.every((r) => r.gateway <= r.distinct);
    const worst = [...first.pages, ...first.growth].filter((r) => r.gateway > r.distinct).map((r) => `${r.page} @${r.latency}: ${r.gateway} for ${r.distinct}`);
    targets.push({
      target: 'Upstream calls = distinct resources, 1 and 50 clients, any headers',
      measured: `${pageOk ? 'every page, 1 and 50 clients, 0 and 20 ms' : `exceeded: ${worst.slice(0, 4).join('; ')}`}; with the read cache off: ${noCacheSummary(first.pages)}`,
      ok: pageOk,
    });
  }

  if (first && first.overhead.length) {
    emit('## 2. Added latency and throughput: `run` query vs direct GET');
    emit();
    emit('autocannon in the benchmark process; latencies per response (sub-millisecond). 1 connection shows the latency the gateway adds;');
    emit(`${CLIENTS} connections all asking for the same run show throughput. "upstream calls" are the GETs the API answered during the gateway's run.`);
    emit('CPU ms per request: CPU time of the server process (the API for the direct GET, the gateway for the query) divided by requests;');
    emit('it does not depend on other load on the machine, and bounds req/s per core (1000 / ms).');
    emit();
    emit(`Each case is measured twice: the gateway as built (UPSTREAM_READ_CACHE_MS=${readCacheMs()}: repeated reads within ${readCacheMs()} ms are answered from`);
    emit('the shared cache) and with the read cache off (every query reads the upstream; identical requests in flight share one GET and one execution).');
    emit();
    const rows = first.overhead.flatMap(({ latencyMs, conns, direct: d, gateway, noCache }) => [['as built', gateway] as const, ['read cache off', noCache] as const].map(([variant, g]) => [
      `${latencyMs} ms`,
      String(conns),
      variant,
      `${ms(d.p50)} / ${ms(d.p99)}`,
      `${ms(g.p50)} / ${ms(g.p99)}`,
      `${ms(g.p50 - d.p50)} / ${ms(g.p99 - d.p99)}`,
      num(d.rps),
      num(g.rps),
      ratio(g.rps / d.rps),
      `${num(d.cpuMsPerRequest, 3)} / ${num(g.cpuMsPerRequest, 3)}`,
      `${num(g.upstream)} (${num(g.requests / Math.max(g.upstream, 1), 1)} req per call)`,
      String(d.errors + g.errors),
    ]));
    emit(table(['upstream latency', 'connections', 'gateway', 'direct p50 / p99', 'gateway p50 / p99', 'added p50 / p99', 'direct req/s', 'gateway req/s', 'gateway / direct', 'CPU ms per request: API (direct) / gateway', 'upstream calls', 'errors'], rows));
    emit();
    const at = (l: number, c: number) => first.overhead.find((o) => o.latencyMs === l && o.conns === c);
    const zero1 = at(0, 1);
    const zeroN = at(0, CLIENTS);
    const twentyN = at(20, CLIENTS);
    if (zero1) {
      const added = zero1.gateway.p50 - zero1.direct.p50;
      const addedNoCache = zero1.noCache.p50 - zero1.direct.p50;
      targets.push({ target: '0 ms upstream: gateway adds < 2 ms at p50', measured: `${ms(added)} (1 connection; read cache off: ${ms(addedNoCache)})`, ok: added < 2 });
    }
    if (zeroN) {
      const r = zeroN.gateway.rps / zeroN.direct.rps;
      const off = zeroN.noCache.rps / zeroN.direct.rps;
      targets.push({ target: '0 ms upstream: ≥ 0.2× direct req/s', measured: `${ratio(r)} (${num(zeroN.gateway.rps)} vs ${num(zeroN.direct.rps)}, ${CLIENTS} connections; read cache off: ${ratio(off)})`, ok: r >= 0.2 });
    }
    if (twentyN) {
      const r = twentyN.gateway.rps / twentyN.direct.rps;
      const off = twentyN.noCache.rps / twentyN.direct.rps;
      targets.push({
        target: `20 ms upstream, ${CLIENTS} connections: within 5% of direct req/s`,
        measured: `${ratio(r)} (${num(twentyN.gateway.rps)} vs ${num(twentyN.direct.rps)}; read cache off: ${ratio(off)}, ${num(twentyN.noCache.rps)} req/s)`,
        ok: r >= 0.95,
      });
      // At most one call in flight for one URL: no more calls than 20 ms waves in the window. Judged with the read
      // cache off, where only in-flight sharing can hold the count down.
      const waves = (P.loadSeconds * 1000) / 20;
      const calls = twentyN.noCache.upstream;
      targets.push({
        target: '20 ms upstream: ≤ 1 upstream call per wave of identical requests',
        measured: `read cache off: ${num(calls)} calls for ${num(twentyN.noCache.requests)} requests in ${P.loadSeconds} s (≤ ${num(waves)} waves of 20 ms; ${num(twentyN.noCache.requests / Math.max(calls, 1), 1)} requests per call); as built: ${num(twentyN.gateway.upstream)} calls`,
        ok: calls <= waves * 1.05,
      });
    }
  }

  if (live && live.results.length) {
    emit('## 3. Live fan-out: graphql-ws subscribers on `runUpdated`');
    emit();
    emit(live.note);
    emit('Delivery latency: from the poll answer that carried a state (stamped in the gateway process) to its receipt in the client process, on the');
    emit('machine-wide monotonic clock. "publish → client" leaves out recording the state (a Redis round trip with two instances). Memory: heap and');
    emit('RSS of the gateway process(es) after a full GC, with the subscribers connected minus before, per subscriber. CPU: share of one core');
    emit('in the window (polling included); per delivery: that CPU time over the events delivered; per subscribe: CPU while the subscribers');
    emit('connected, per subscriber. The CPU-time figures do not depend on other load on the machine; latencies and rates do.');
    emit('"change → poll answer": from the write on the API to the poll answer that carried it (half a poll interval on average when polls run on');
    emit('time; more when the gateway is too busy to poll on time); "change → client" is the whole path.');
    emit();
    const rows = live.results.map((r) => [
      num(r.subscribers),
      r.instances === 1 ? '1' : '2 (Redis)',
      `${num(r.subscribed)} in ${(r.connectMs / 1000).toFixed(1)} s`,
      `${num(r.upstreamPerSec, 1)} (${r.pollers} pollers)`,
      `${num(r.delivered)} / ${num(r.expected)}`,
      `${ms(r.latencyP50, 1)} / ${ms(r.latencyP99, 1)}`,
      `${ms(r.publishP50, 1)} / ${ms(r.publishP99, 1)}`,
      ms(r.latencyMax, 0),
      `${ms(r.stalenessP50, 0)} / ${ms(r.stalenessP99, 0)}`,
      `${ms(r.endToEndP50, 0)} / ${ms(r.endToEndP99, 0)}`,
      kib(r.heapPerSub),
      kib(r.rssPerSub),
      pct(r.gatewayCpu),
      `${num(r.cpuUsPerDelivery)} µs`,
      `${num(r.subscribeCpuMs, 2)} ms`,
      ms(r.loopDelayP99, 1),
      String(r.errors),
    ]);
    emit(
      table(
        ['subscribers', 'instances', 'subscribed', 'upstream GET run/s', 'delivered / expected', 'delivery p50 / p99', 'publish → client p50 / p99', 'max', 'change → poll answer p50 / p99', 'change → client p50 / p99', 'heap / sub', 'RSS / sub', 'gateway CPU', 'CPU per delivery', 'CPU per subscribe', 'loop delay p99', 'errors'],
        rows,
      ),
    );
    emit();
    const single = live.results.filter((r) => r.instances === 1);
    const smallest = single.reduce<FanoutResult | undefined>((a, r) => (!a || r.subscribers < a.subscribers ? r : a), undefined);
    const biggest = single.reduce<FanoutResult | undefined>((a, r) => (!a || r.subscribers > a.subscribers ? r : a), undefined);
    if (smallest && biggest && biggest !== smallest) {
      targets.push({
        target: `${num(biggest.subscribers)} subscribers: upstream calls ≤ those with ${num(smallest.subscribers)}`,
        measured: `${num(biggest.upstreamPerSec, 1)}/s vs ${num(smallest.upstreamPerSec, 1)}/s; ${biggest.pollers} vs ${smallest.pollers} pollers for ${P.runs} runs`,
        ok: biggest.upstreamPerSec <= smallest.upstreamPerSec * 1.05 && biggest.pollers <= P.runs,
      });
    }
    if (biggest) {
      // Polls asked for by the upstream (openai-poll-after-ms) against those made: a saturated gateway polls late, which the
      // delivery latency (measured from the poll answer) does not show but the change → client latency does.
      const pace = smallest && smallest !== biggest ? biggest.upstreamPerSec / smallest.upstreamPerSec : 1;
      targets.push({
        target: `${num(biggest.subscribers)} subscribers: the gateway keeps up (polls on time, CPU < 1 core)`,
        measured: `polls at ${pct(pace)} of the pace with ${num(smallest?.subscribers ?? 0)} subscribers, CPU ${pct(biggest.gatewayCpu)}; change → client p99 ${ms(biggest.endToEndP99, 0)} (${ms(smallest?.endToEndP99 ?? Number.NaN, 0)} with ${num(smallest?.subscribers ?? 0)})`,
        ok: pace >= 0.9 && biggest.gatewayCpu < 1,
      });
      targets.push({ target: `${num(biggest.subscribers)} subscribers: delivery p99 < 250 ms`, measured: `${ms(biggest.latencyP99, 1)} (all delivered: ${biggest.delivered >= biggest.expected ? 'yes' : `no, ${biggest.delivered}/${biggest.expected}`})`, ok: biggest.latencyP99 < 250 && biggest.delivered >= biggest.expected });
      targets.push({ target: `${num(biggest.subscribers)} subscribers: < 20 KB gateway memory per subscriber`, measured: `RSS ${kib(biggest.rssPerSub)}, heap ${kib(biggest.heapPerSub)}`, ok: biggest.rssPerSub < 20_000 && biggest.heapPerSub < 20_000 });
    }
    const clustered = live.results.filter((r) => r.instances === 2);
    const clusterBig = clustered.reduce<FanoutResult | undefined>((a, r) => (!a || r.subscribers > a.subscribers ? r : a), undefined);
    if (clusterBig) {
      const same = single.find((r) => r.subscribers === clusterBig.subscribers);
      targets.push({
        target: `two instances on Redis, ${num(clusterBig.subscribers)} subscribers: one poller per run, p99 < 250 ms`,
        measured: `${clusterBig.pollers} pollers for ${P.runs} runs, ${num(clusterBig.upstreamPerSec, 1)} GET/s${same ? ` (one instance: ${num(same.upstreamPerSec, 1)})` : ''}, p99 ${ms(clusterBig.latencyP99, 1)}`,
        ok: clusterBig.pollers <= P.runs && (!same || clusterBig.upstreamPerSec <= same.upstreamPerSec * 1.05) && clusterBig.latencyP99 < 250,
      });
    }
  }

  if (first && first.growth.length) {
    emit('## 4. How the figures grow');
    emit();
    emit('Runs per page (0 ms upstream):');
    emit();
    emit(table(['page', 'distinct', 'gateway', 'gateway, loaders + dedupe off', 'REST client'], first.growth.map((r) => [r.page, String(r.distinct), String(r.gateway), r.off === undefined ? '–' : String(r.off), String(r.rest)])));
    emit();
  }
  if (live && live.results.length) {
    emit('Subscribers (see section 3 for every column):');
    emit();
    emit(
      table(
        ['subscribers', 'instances', 'upstream GET run/s', 'delivery p99', 'RSS / sub', 'gateway CPU', 'subscribe: first event p50 / p99'],
        live.results.map((r) => [num(r.subscribers), String(r.instances), num(r.upstreamPerSec, 1), ms(r.latencyP99, 1), kib(r.rssPerSub), pct(r.gatewayCpu), `${ms(r.firstEventP50, 1)} / ${ms(r.firstEventP99, 1)}`]),
      ),
    );
    emit();
  }

  if (targets.length) {
    emit('## Targets (issue 10)');
    emit();
    emit(table(['target', 'measured', ''], targets.map((t) => [t.target, t.measured, mark(t.ok)])));
    emit();
  }

  if (first?.requestProfile || live?.eventProfile) {
    emit('## Profiles');
    emit();
    emit('CPU profiles of the gateway process (V8 sampling profiler over the inspector, 200 µs), taken in extra windows so they do not');
    emit('disturb the figures above; the .cpuprofile files are in bench/.profiles/ (open them in Chrome DevTools). `pubsub.publish bench/gateway-child.ts`');
    emit('is the benchmark\'s time stamp around the gateway\'s publish: its inclusive share is the publish (the fan-out to every listener), not the stamp.');
    emit();
    if (first?.requestProfile) profileLines(`Per request: \`run\` query, ${CLIENTS} connections, 0 ms upstream`, first.requestProfile);
    if (live?.eventProfile) profileLines(`Per event: fan-out to ${num(Math.max(...P.subscribers))} subscribers`, live.eventProfile);
  }
  if (live?.census) {
    emit(`**Heap per subscriber by constructor** (one gateway, ${num(live.census.subscribers)} subscribers; heap snapshots after a full GC, after minus before, per subscriber):`);
    emit();
    const total = live.census.rows.reduce((a, r) => a + r.bytes, 0);
    emit(table(['constructor or kind', 'objects / sub', 'bytes / sub'], live.census.rows.slice(0, 20).map((r) => [r.name, num(r.count, 1), num(r.bytes)])));
    emit();
    emit(`Top ${live.census.rows.length} together: ${kib(total)} per subscriber.`);
    emit();
  }
  emit(`_Bench time: ${((Date.now() - started) / 1000).toFixed(0)} s._`);
  const kept = ownedSections(P.out).map((section) => `\n${section}\n`).join('');
  writeFileSync(P.out, `${out.join('\n')}\n${kept}`);
  log(`wrote ${P.out}`);
}

await main();
process.exit(0);
