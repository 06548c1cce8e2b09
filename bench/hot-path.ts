/**
 * `npm run bench:hot-path` (its own section of BENCHMARKS.md): CPU time of the gateway process per request
 * and per delivered event, the figures of issue 18. CPU time, not req/s: it does not depend on other load on the
 * machine (req/s does). Printed as µs per request:
 * - answer from the cache: 50 connections asking for the same `run` with the read cache on (1000 ms);
 * - full execution: 50 connections, read cache, in-flight dedupe and shared executions off, so that every request parses
 *   nothing new but executes, reads the upstream over HTTP and serialises its own answer; once on the direct path
 *   (src/server/direct-execution.ts) and once with it off (through yoga's HTTP layer), to compare;
 * - per delivered event: 10,000 graphql-ws subscribers on `runUpdated` (BENCH_HOT_SUBSCRIBERS), 100 runs changing.
 * BENCH_HOT_PROFILE=1 writes CPU profiles (bench/.profiles/hot-*.cpuprofile) and prints their top entries.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { fanout, type ParkedRun } from './fanout.js';
import { createAssistants, restClient, runsInThreads, threadWithRuns } from './lib/fixtures.js';
import { summarizeProfile, type ProfileSummary } from './lib/profile.js';
import { spawnChild, type Child } from './lib/rpc.js';
import { gatewayTarget, type LoadTarget } from './overhead.js';

export interface HotPathResult {
  cachedUs: number;
  fullUs: number;
  cachedRequests: number;
  fullRequests: number;
  /** The same full execution with the direct path off: every request through yoga's HTTP layer. */
  fullViaYogaUs?: number;
  event?: { subscribers: number; delivered: number; cpuUsPerDelivery: number; latencyP99: number; rssPerSub: number };
  profiles: Record<string, ProfileSummary>;
}

const env = process.env;
const profileDir = fileURLToPath(new URL('./.profiles/', import.meta.url));

function cannon(target: LoadTarget, connections: number, amount: number): Promise<{ requests: number; errors: number }> {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: target.url, method: target.method, headers: target.headers, ...(target.body ? { body: target.body } : {}), connections, pipelining: 1, amount, timeout: 10 },
      (error, result) => (error ? reject(error) : resolve({ requests: result.requests.total, errors: result.errors + result.timeouts + result.non2xx })),
    );
  });
}

/** Gateway CPU µs per request over `amount` requests (after as many unmeasured). */
async function cpuPerRequest(gateway: Child, target: LoadTarget, connections: number, amount: number, profile?: string): Promise<{ us: number; requests: number; profile?: ProfileSummary }> {
  await cannon(target, connections, amount);
  const before = await gateway.call<{ user: number; system: number }>('cpuUsage');
  const run = await cannon(target, connections, amount);
  const after = await gateway.call<{ user: number; system: number }>('cpuUsage');
  if (run.errors > 0) throw new Error(`${run.errors} requests failed`);
  const us = (after.user + after.system - before.user - before.system) / run.requests;
  if (env["BENCH_HOT_VERBOSE"]) process.stderr.write(`user ${((after.user - before.user) / run.requests).toFixed(0)} µs, system ${((after.system - before.system) / run.requests).toFixed(0)} µs per request\n`);
  let summary: ProfileSummary | undefined;
  if (profile) {
    mkdirSync(profileDir, { recursive: true });
    const path = `${profileDir}${profile}.cpuprofile`;
    await gateway.call('profileStart');
    await cannon(target, connections, amount);
    await gateway.call('profileStop', path);
    summary = summarizeProfile(path, 20);
  }
  return { us, requests: run.requests, ...(summary ? { profile: summary } : {}) };
}

export async function hotPath(gatewayEnv: (upstream: string) => Record<string, string>, options: { requests?: number; subscribers?: number; profile?: boolean } = {}): Promise<HotPathResult> {
  const requests = options.requests ?? Number(env['BENCH_HOT_REQUESTS'] ?? 20_000);
  const subscribers = options.subscribers ?? Number(env['BENCH_HOT_SUBSCRIBERS'] ?? 10_000);
  const profile = options.profile ?? env['BENCH_HOT_PROFILE'] === '1';
  const profiles: Record<string, ProfileSummary> = {};
  const api = await spawnChild<{ url: string }>('api-child.ts', { label: 'runs API', env: { BENCH_API_STEP_MS: '10' } });
  let gateway: Child<{ url: string; wsUrl: string }> | undefined;
  let cached: Awaited<ReturnType<typeof cpuPerRequest>>;
  let full: Awaited<ReturnType<typeof cpuPerRequest>>;
  let fullViaYoga: Awaited<ReturnType<typeof cpuPerRequest>>;
  try {
    const rest = restClient(api.ready.url);
    const assistants = await createAssistants(rest, ['Ada']);
    const thread = await threadWithRuns(rest, assistants, 1);
    gateway = await spawnChild('gateway-child.ts', { label: 'gateway', env: gatewayEnv(api.ready.url), nodeFlags: ['--expose-gc'] });
    const target = gatewayTarget(gateway.ready.url, thread.threadId, thread.runIds[0]!);
    await gateway.call('mode', { loaders: true, dedupe: true, readCache: true });
    cached = await cpuPerRequest(gateway, target, 50, requests, profile ? 'hot-cached' : undefined);
    await gateway.call('mode', { loaders: true, dedupe: false, readCache: false });
    full = await cpuPerRequest(gateway, target, 50, Math.ceil(requests / 2), profile ? 'hot-full' : undefined);
    await gateway.call('mode', { loaders: true, dedupe: false, readCache: false, direct: false });
    fullViaYoga = await cpuPerRequest(gateway, target, 50, Math.ceil(requests / 2), profile ? 'hot-full-yoga' : undefined);
  } finally {
    await gateway?.stop();
    await api.stop();
  }
  if (cached.profile) profiles['cached'] = cached.profile;
  if (full.profile) profiles['full'] = full.profile;
  if (fullViaYoga.profile) profiles['full (direct path off)'] = fullViaYoga.profile;
  const result: HotPathResult = { cachedUs: cached.us, fullUs: full.us, fullViaYogaUs: fullViaYoga.us, cachedRequests: cached.requests, fullRequests: full.requests, profiles };
  if (subscribers > 0) {
    const liveApi = await spawnChild<{ url: string }>('api-child.ts', { label: 'runs API (live)', env: { BENCH_API_STEP_MS: '400' } });
    try {
      const rest = restClient(liveApi.ready.url);
      const [assistant] = await createAssistants(rest, ['Forecaster'], [
        { type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
      ]);
      const runs: ParkedRun[] = await runsInThreads(rest, [assistant!], 100, (status) => status === 'requires_action');
      const profilePath = profile ? `${profileDir}hot-events.cpuprofile` : undefined;
      if (profilePath) mkdirSync(profileDir, { recursive: true });
      const live = await fanout(liveApi, runs, new Map(), {
        subscribers,
        instances: 1,
        changePeriodMs: 2_000,
        windowMs: Number(env['BENCH_HOT_WINDOW_MS'] ?? 8_000),
        clientProcs: 2,
        connectDeadlineMs: 120_000,
        gatewayEnv: gatewayEnv(liveApi.ready.url),
        profilePath,
      });
      result.event = { subscribers: live.subscribed, delivered: live.delivered, cpuUsPerDelivery: live.cpuUsPerDelivery, latencyP99: live.latencyP99, rssPerSub: live.rssPerSub };
      if (profilePath) profiles['events'] = summarizeProfile(profilePath, 20);
    } finally {
      await liveApi.stop();
    }
  }
  return result;
}

export function hotPathLines(r: HotPathResult): string[] {
  const lines = [
    `| measurement | CPU per request or event | target (issue 18) |`,
    `|---|---|---|`,
    `| \`run\` answered from the cache (50 connections, ${r.cachedRequests.toLocaleString('en-US')} requests) | ${r.cachedUs.toFixed(0)} µs | ≤ 100 µs |`,
    `| \`run\` fully executed (read cache, in-flight dedupe and sharing off, 50 connections, ${r.fullRequests.toLocaleString('en-US')} requests) | ${r.fullUs.toFixed(0)} µs | ≤ 200 µs |`,
  ];
  if (r.fullViaYogaUs !== undefined) {
    lines.push(`| \`run\` fully executed as above, direct path off (every request through yoga's HTTP layer) | ${r.fullViaYogaUs.toFixed(0)} µs | — |`);
  }
  if (r.event) {
    lines.push(
      `| delivered event, ${r.event.subscribers.toLocaleString('en-US')} subscribers (${r.event.delivered.toLocaleString('en-US')} delivered; p99 ${r.event.latencyP99.toFixed(1)} ms, RSS ${(r.event.rssPerSub / 1024).toFixed(1)} KiB per subscriber) | ${r.event.cpuUsPerDelivery.toFixed(0)} µs | ≤ 60 µs |`,
    );
  }
  return lines;
}

export function profileTop(name: string, p: ProfileSummary, n = 12): string[] {
  return [
    `**${name}** (self time, share of busy time)`,
    '',
    '| function | self |',
    '|---|---|',
    ...p.bySelf.slice(0, n).map((row) => `| \`${row.name}\` | ${(row.share * 100).toFixed(0)}% |`),
    '',
    '| function (inclusive) | incl. |',
    '|---|---|',
    ...p.byInclusive.filter((row) => !row.name.startsWith('processTicks') && !row.name.startsWith('runMicrotasks')).slice(0, n).map((row) => `| \`${row.name}\` | ${(row.share * 100).toFixed(0)}% |`),
    '',
  ];
}
