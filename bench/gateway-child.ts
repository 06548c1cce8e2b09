/**
 * One gateway instance in a process of its own, so that its memory and CPU are measured apart from the
 * clients'. Settings come from the environment (as for `npm start`); the parent sets UPSTREAM_BASE_URL.
 *
 * With BENCH_OBSERVE=1 it records, per run state, when the gateway first saw it: the moment a poll answer
 * carrying it arrived (a fetch wrapper around the upstream client), and the moment it was published to
 * subscribers. The key of a state is `runId|metadata.seq`, the field the benchmark changes.
 */
import { heapCensus } from './lib/heap-census.js';
import { writeFileSync } from 'node:fs';
import { getHeapSnapshot } from 'node:v8';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.js';
import { createGateway } from '../src/server/app.js';
import { createUpstreamClient } from '../src/upstream/client.js';
import { httpTransport, type Transport } from '../src/upstream/transport.js';
import { now, serve } from './lib/rpc.js';

const observe = process.env['BENCH_OBSERVE'] === '1';
const config = loadConfig(process.env);
const readCacheMs = config.upstream.readCacheMs ?? 0;
const RUN_PATH = /\/threads\/[^/]+\/runs\/[^/?]+(\?|$)/;

/** First time this instance saw each state in a poll answer, and first time it published it. */
const observed = new Map<string, number>();
const published = new Map<string, number>();
const stateKey = (run: { id?: unknown; metadata?: Record<string, unknown> | null } | undefined) =>
  run && typeof run.id === 'string' ? `${run.id}|${String(run.metadata?.['seq'] ?? '')}` : undefined;

/** The gateway's own transport, noting when each run state first arrived in a poll answer. */
const plainTransport = httpTransport({ maxSockets: config.upstream.maxConcurrency });
const observingTransport: Transport = async (url, request) => {
  const response = await plainTransport(url, request);
  if (request.method !== 'GET' || !RUN_PATH.test(url) || !response.ok) return response;
  const text = await response.text();
  const at = now();
  try {
    const key = stateKey(JSON.parse(text) as { id?: unknown; metadata?: Record<string, unknown> | null });
    if (key !== undefined && !observed.has(key)) observed.set(key, at);
  } catch {
    // not a run: nothing to note
  }
  return { ...response, text: () => Promise.resolve(text) };
};

const gateway = createGateway({ config, ...(observe ? { transport: observingTransport } : {}) });
if (observe) {
  const { pubsub } = gateway.services.live;
  const publish = pubsub.publish.bind(pubsub) as (...args: unknown[]) => void;
  (pubsub as { publish: (...args: unknown[]) => void }).publish = (...args: unknown[]) => {
    if (args[0] === 'runUpdated') {
      const key = stateKey((args[2] as { run?: { id?: unknown; metadata?: Record<string, unknown> | null } } | undefined)?.run);
      if (key !== undefined && !published.has(key)) published.set(key, now());
    }
    publish(...args);
  };
}
await gateway.listen(0, '127.0.0.1');

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
let cpuMark = process.cpuUsage();
let wallMark = now();
let eluMark = performance.eventLoopUtilization();
let profiler: Session | undefined;

const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) return;
  for (let i = 0; i < 3; i++) collect();
};

serve(
  {
    /** Per-request loaders and in-flight dedupe on or off (as test/operations/batching.test.ts does). */
    async mode(args: { loaders: boolean; dedupe: boolean; readCache: boolean; direct?: boolean; compiled?: boolean }) {
      gateway.services.loaders = args.loaders;
      // Off: known queries go through yoga's HTTP layer as well (src/server/direct-execution.ts), to compare.
      gateway.direct.enabled = args.direct ?? true;
      // Off: queries run on graphql's own executor, not graphql-jit (src/server/compiled-execution.ts), to compare.
      gateway.compiled.enabled = args.compiled ?? process.env['BENCH_COMPILED'] !== '0';
      // "off" measures each client on its own: no shared executions either.
      gateway.services.sharedExecution = args.dedupe;
      gateway.services.config.upstream.readCacheMs = args.readCache ? readCacheMs : 0;
      // A fresh client has a fresh read cache; results finished under the previous mode expire with this wait.
      await new Promise((resolve) => setTimeout(resolve, readCacheMs + 20));
      gateway.services.upstream = createUpstreamClient({
        config: config.upstream,
        metrics: gateway.metrics,
        dedupe: args.dedupe,
        ...(observe ? { transport: observingTransport } : {}),
      });
      return null;
    },
    /** Memory after a full collection (the node flag --expose-gc is set by the parent). */
    memory() {
      gc();
      const usage = process.memoryUsage();
      return { heapUsed: usage.heapUsed, rss: usage.rss, external: usage.external, arrayBuffers: usage.arrayBuffers };
    },
    /** This process's CPU time so far (µs), for CPU per request over a counted number of requests. */
    cpuUsage() {
      return process.cpuUsage();
    },
    statsStart() {
      cpuMark = process.cpuUsage();
      wallMark = now();
      eluMark = performance.eventLoopUtilization();
      loopDelay.reset();
      loopDelay.enable();
      return null;
    },
    /** CPU since statsStart as a share of one core, event-loop utilisation and delay. */
    stats() {
      const used = process.cpuUsage(cpuMark);
      const wall = now() - wallMark;
      const elu = performance.eventLoopUtilization(eluMark);
      loopDelay.disable();
      return {
        cpu: (used.user + used.system) / 1000 / wall,
        elu: elu.utilization,
        loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
        loopDelayMaxMs: loopDelay.max / 1e6,
      };
    },
    /** When each state was first seen and first published here (never forgotten, so a state is never first seen twice). */
    observations() {
      return { observed: Object.fromEntries(observed), published: Object.fromEntries(published) };
    },
    live() {
      return { pollers: gateway.services.live.runs.polling, observed: gateway.services.live.runs.size };
    },
    /** Live heap by constructor (objects, closures) or kind (strings, arrays…) after a full GC: count and bytes. */
    async census() {
      gc();
      const chunks: Buffer[] = [];
      for await (const chunk of getHeapSnapshot()) chunks.push(chunk as Buffer);
      const census: Record<string, [number, number]> = {};
      for (const row of heapCensus(Buffer.concat(chunks).toString('utf8')).byName.values()) census[row.name] = [row.count, row.bytes];
      return census;
    },
    async profileStart() {
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
      await profiler.post('Profiler.start');
      return null;
    },
    async profileStop(path: string) {
      if (!profiler) return null;
      const { profile } = await profiler.post('Profiler.stop');
      profiler.disconnect();
      profiler = undefined;
      writeFileSync(path, JSON.stringify(profile));
      return path;
    },
  },
  { url: gateway.url, wsUrl: gateway.wsUrl },
  () => gateway.close(),
);
