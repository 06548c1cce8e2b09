/**
 * Section 3 (and the subscriber half of section 4): graphql-ws subscribers over 100 runs parked in
 * requires_action on the embedded API. A driver changes each run's metadata (`seq`) on a fixed period,
 * staggered over the runs, straight on the API; the gateway sees each change on its next poll and fans it
 * out. Delivery latency is from the poll answer that carried a state (stamped in the gateway process) to
 * each client's receipt (stamped in the client process), on the machine-wide monotonic clock.
 */
import { restClient, type RestClient } from './lib/fixtures.js';
import { now, spawnChild, type Child } from './lib/rpc.js';
import { sleep, summary } from './lib/stats.js';

export interface FanoutParams {
  subscribers: number;
  instances: 1 | 2;
  redisUrl?: string;
  /** How often each run changes. */
  changePeriodMs: number;
  windowMs: number;
  clientProcs: number;
  /** No new subscriber is opened after this long. */
  connectDeadlineMs: number;
  gatewayEnv: Record<string, string>;
  /** Heap census of the (first) gateway before and after subscribing: what a subscriber costs, by constructor. */
  census?: boolean;
  /** Write a CPU profile of the (first) gateway during an extra window. */
  profilePath?: string | undefined;
}

export interface FanoutResult {
  subscribers: number;
  instances: number;
  connectMs: number;
  subscribed: number;
  firstEventP50: number;
  firstEventP99: number;
  /** GET run requests per second during the window. */
  upstreamPerSec: number;
  upstreamTotalPerSec: number;
  changes: number;
  expected: number;
  delivered: number;
  latencyP50: number;
  latencyP99: number;
  latencyMax: number;
  /** From the gateway's publish (after recording the state) to receipt. */
  publishP50: number;
  publishP99: number;
  /** Poll answer → publish. */
  observeToPublishP99: number;
  /** Upstream change (the driver's write) → the gateway's poll answer carrying it: the poll interval and how late polls run. */
  stalenessP50: number;
  stalenessP99: number;
  /** Upstream change → client. */
  endToEndP50: number;
  endToEndP99: number;
  heapPerSub: number;
  rssPerSub: number;
  /** Summed over the instances, as a share of one core. */
  gatewayCpu: number;
  /** Gateway CPU in the window (polls included) per delivered event, µs. */
  cpuUsPerDelivery: number;
  /** Gateway CPU while the subscribers connected, per subscriber, ms. */
  subscribeCpuMs: number;
  /** Runs polled by the instances together (one per run is the design). */
  pollers: number;
  gatewayElu: number;
  loopDelayP99: number;
  apiCpu: number;
  errors: number;
  errorSamples: string[];
  /** Per subscriber on the first instance: what the heap gained, by constructor. */
  census?: Array<{ name: string; count: number; bytes: number }> | undefined;
}

export interface ParkedRun {
  threadId: string;
  runId: string;
}

/** Changes run i's metadata every `periodMs`, run i starting i/runs of a period late. Stops by itself at `untilMs`. */
function drive(rest: RestClient, runs: readonly ParkedRun[], periodMs: number, seqs: Map<string, number>, changedAt: Map<string, number>): { stop: () => Promise<void> } {
  const timers: NodeJS.Timeout[] = [];
  const inFlight = new Set<Promise<unknown>>();
  runs.forEach((run, i) => {
    const change = () => {
      const seq = (seqs.get(run.runId) ?? 0) + 1;
      seqs.set(run.runId, seq);
      const sent = now();
      const p = rest
        .call('POST', `/threads/${run.threadId}/runs/${run.runId}`, { metadata: { seq: String(seq) } })
        .then(() => void changedAt.set(`${run.runId}|${seq}`, sent))
        .catch(() => undefined);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    };
    timers.push(
      setTimeout(() => {
        change();
        timers.push(setInterval(change, periodMs));
      }, Math.round((i * periodMs) / runs.length)),
    );
  });
  return {
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      await Promise.all(inFlight);
    },
  };
}

export async function fanout(api: Child<{ url: string }>, runs: readonly ParkedRun[], seqs: Map<string, number>, p: FanoutParams): Promise<FanoutResult> {
  const rest = restClient(api.ready.url);
  const gateways: Array<Child<{ url: string; wsUrl: string }>> = [];
  const clients: Child[] = [];
  // One key prefix for all instances of this row (they must share leases, states and channels), a new one per row.
  const redisPrefix = `bench-${process.pid}-${Date.now()}:`;
  let driver: { stop: () => Promise<void> } | undefined;
  try {
    for (let i = 0; i < p.instances; i++) {
      gateways.push(
        await spawnChild('gateway-child.ts', {
          label: `gateway ${i + 1}`,
          nodeFlags: ['--expose-gc', '--max-old-space-size=4096'],
          openFiles: p.subscribers + 4_096,
          env: { ...p.gatewayEnv, BENCH_OBSERVE: '1', ...(p.redisUrl ? { REDIS_URL: p.redisUrl, REDIS_KEY_PREFIX: redisPrefix } : {}) },
        }),
      );
    }
    const perProc = Math.ceil(p.subscribers / p.clientProcs);
    for (let i = 0; i < Math.min(p.clientProcs, p.subscribers); i++) {
      clients.push(await spawnChild('clients-child.ts', { label: `clients ${i + 1}`, openFiles: perProc + 4_096, nodeFlags: ['--max-old-space-size=4096'] }));
    }
    // The gateways warm up (schema, first subscription) before the memory baseline.
    await warmUp(gateways, runs[0]!);
    const before = await Promise.all(gateways.map((g) => g.call<{ heapUsed: number; rss: number }>('memory')));
    const censusBefore = p.census ? await gateways[0]!.call<Record<string, [number, number]>>('census', null, 300_000) : undefined;

    // Subscriber g watches run g % runs on instance (g + floor(g / runs)) % instances: every run has watchers on every instance.
    const targets = Array.from({ length: p.subscribers }, (_, g) => {
      const run = runs[g % runs.length]!;
      const gateway = gateways[(g + Math.floor(g / runs.length)) % gateways.length]!;
      return { url: gateway.ready.wsUrl, threadId: run.threadId, runId: run.runId };
    });
    const subscribersOf = new Map<string, number>();
    for (const t of targets) subscribersOf.set(t.runId, (subscribersOf.get(t.runId) ?? 0) + 1);
    await Promise.all(gateways.map((g) => g.call('statsStart')));
    if (p.profilePath) await gateways[0]!.call('profileStart');
    const started = now();
    const connected = await Promise.all(
      clients.map((c, i) => c.call<{ initial: number; errors: number; open: number }>('connect', { targets: targets.filter((_, g) => g % clients.length === i), parallel: 100, deadlineMs: p.connectDeadlineMs }, p.connectDeadlineMs + 120_000)),
    );
    const connectMs = now() - started;
    if (p.profilePath) await gateways[0]!.call('profileStop', p.profilePath.replace(/\.cpuprofile$/, '-subscribe.cpuprofile'));
    const connectStats = await Promise.all(gateways.map((g) => g.call<{ cpu: number }>('stats')));
    const subscribeCpuMs = (connectStats.reduce((a, st) => a + st.cpu, 0) * connectMs) / Math.max(p.subscribers, 1);
    const subscribed = connected.reduce((a, c) => a + c.initial, 0);
    const firstEvents = (await Promise.all(clients.map((c) => c.call<number[]>('firstEvents')))).flat();

    await sleep(500);
    const after = await Promise.all(gateways.map((g) => g.call<{ heapUsed: number; rss: number }>('memory')));
    let census: FanoutResult['census'];
    if (censusBefore) {
      const censusAfter = await gateways[0]!.call<Record<string, [number, number]>>('census', null, 300_000);
      const onFirst = targets.filter((t) => t.url === gateways[0]!.ready.wsUrl).length || 1;
      census = Object.entries(censusAfter)
        .map(([name, [count, bytes]]) => ({ name, count: (count - (censusBefore[name]?.[0] ?? 0)) / onFirst, bytes: (bytes - (censusBefore[name]?.[1] ?? 0)) / onFirst }))
        .filter((e) => e.bytes > 0)
        .sort((a, b) => b.bytes - a.bytes)
        .slice(0, 25);
    }

    // The measured window.
    const changedAt = new Map<string, number>();
    driver = drive(rest, runs, p.changePeriodMs, seqs, changedAt);
    await sleep(Math.min(1_000, p.changePeriodMs)); // let the driver reach every run once
    await Promise.all(clients.map((c) => c.call('record')));
    await Promise.all([...gateways.map((g) => g.call('statsStart')), api.call('cpuStart'), api.call('reset')]);
    const windowStart = now();
    await sleep(p.windowMs);
    const windowEnd = now();
    const pollers = (await Promise.all(gateways.map((g) => g.call<{ pollers: number }>('live')))).reduce((a, l) => a + l.pollers, 0);
    const [stats, apiCpu, counts] = await Promise.all([
      Promise.all(gateways.map((g) => g.call<{ cpu: number; elu: number; loopDelayP99Ms: number }>('stats'))),
      api.call<number>('cpu'),
      api.call<Record<string, number>>('counts', { from: windowStart, to: windowEnd }),
    ]);
    // No change after the window: what was seen in it is all there is to deliver. Then wait until deliveries
    // stop arriving (bounded: 15 s), so that late ones count as late, not as lost.
    await driver.stop();
    for (let last = -1, waited = 0; waited < 15_000; waited += 500) {
      await sleep(500);
      const received = (await Promise.all(clients.map((c) => c.call<number>('received')))).reduce((a, n) => a + n, 0);
      if (received === last) break;
      last = received;
    }
    const observations = await Promise.all(gateways.map((g) => g.call<{ observed: Record<string, number>; published: Record<string, number> }>('observations')));
    const collected = await Promise.all(clients.map((c) => c.call<{ receipts: Record<string, number[]>; errors: number; errorSamples: string[] }>('collect')));

    if (p.profilePath) {
      const again = drive(rest, runs, p.changePeriodMs, seqs, new Map());
      await sleep(Math.min(p.changePeriodMs, 1_000));
      await gateways[0]!.call('profileStart');
      await sleep(Math.min(p.windowMs, 5_000));
      await gateways[0]!.call<string>('profileStop', p.profilePath);
      await again.stop();
    }

    // First sight of each state over the instances (only the leader of a run polls it).
    const observedAt = new Map<string, number>();
    const publishedAt = new Map<string, number>();
    for (const o of observations) {
      for (const [key, at] of Object.entries(o.observed)) observedAt.set(key, Math.min(at, observedAt.get(key) ?? Infinity));
      for (const [key, at] of Object.entries(o.published)) publishedAt.set(key, Math.min(at, publishedAt.get(key) ?? Infinity));
    }
    const latencies: number[] = [];
    const fromPublish: number[] = [];
    const observeToPublish: number[] = [];
    const endToEnd: number[] = [];
    const staleness: number[] = [];
    let expected = 0;
    let delivered = 0;
    let changes = 0;
    const receipts = new Map<string, number[]>();
    for (const c of collected) for (const [key, times] of Object.entries(c.receipts)) receipts.set(key, [...(receipts.get(key) ?? []), ...times]);
    for (const [key, seen] of observedAt) {
      if (seen < windowStart || seen > windowEnd) continue;
      const runId = key.split('|')[0]!;
      changes += 1;
      expected += subscribersOf.get(runId) ?? 0;
      const times = receipts.get(key) ?? [];
      delivered += times.length;
      const published = publishedAt.get(key);
      if (published !== undefined) observeToPublish.push(published - seen);
      const changed = changedAt.get(key);
      if (changed !== undefined) staleness.push(seen - changed);
      for (const t of times) {
        latencies.push(t - seen);
        if (changed !== undefined) endToEnd.push(t - changed);
        if (published !== undefined) fromPublish.push(t - published);
      }
    }
    const windowS = (windowEnd - windowStart) / 1000;
    const runGets = counts['GET /threads/{thread_id}/runs/{run_id}'] ?? 0;
    const allButDriver = Object.entries(counts)
      .filter(([route]) => route !== 'POST /threads/{thread_id}/runs/{run_id}')
      .reduce((a, [, n]) => a + n, 0);
    const lat = summary(latencies);
    const pub = summary(fromPublish);
    const first = summary(firstEvents);
    const heap = after.reduce((a, m, i) => a + m.heapUsed - before[i]!.heapUsed, 0);
    const rss = after.reduce((a, m, i) => a + m.rss - before[i]!.rss, 0);
    return {
      subscribers: p.subscribers,
      instances: p.instances,
      connectMs,
      subscribed,
      firstEventP50: first.p50,
      firstEventP99: first.p99,
      upstreamPerSec: runGets / windowS,
      upstreamTotalPerSec: allButDriver / windowS,
      changes,
      expected,
      delivered,
      latencyP50: lat.p50,
      latencyP99: lat.p99,
      latencyMax: lat.max,
      publishP50: pub.p50,
      publishP99: pub.p99,
      observeToPublishP99: summary(observeToPublish).p99,
      stalenessP50: summary(staleness).p50,
      stalenessP99: summary(staleness).p99,
      endToEndP50: summary(endToEnd).p50,
      endToEndP99: summary(endToEnd).p99,
      heapPerSub: heap / p.subscribers,
      rssPerSub: rss / p.subscribers,
      gatewayCpu: stats.reduce((a, s) => a + s.cpu, 0),
      cpuUsPerDelivery: (stats.reduce((a, s) => a + s.cpu, 0) * (windowEnd - windowStart) * 1000) / Math.max(delivered, 1),
      subscribeCpuMs,
      pollers,
      gatewayElu: Math.max(...stats.map((s) => s.elu)),
      loopDelayP99: Math.max(...stats.map((s) => s.loopDelayP99Ms)),
      apiCpu,
      errors: collected.reduce((a, c) => a + c.errors, 0) + connected.reduce((a, c) => a + c.errors, 0),
      errorSamples: collected.flatMap((c) => c.errorSamples).slice(0, 3),
      census,
    };
  } finally {
    await driver?.stop();
    await Promise.all(clients.map(async (c) => {
      await c.call('closeAll').catch(() => undefined);
      await c.stop();
    }));
    await Promise.all(gateways.map((g) => g.stop()));
  }
}

/** One query and one short subscription on each instance, so the baseline memory has the schema and code loaded. */
async function warmUp(gateways: ReadonlyArray<Child<{ url: string; wsUrl: string }>>, run: ParkedRun): Promise<void> {
  const { default: WebSocket } = await import('ws');
  for (const gateway of gateways) {
    await fetch(gateway.ready.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { status } }', variables: { t: run.threadId, r: run.runId } }),
    }).then((r) => r.text());
    await new Promise<void>((resolve) => {
      const ws = new WebSocket(gateway.ready.wsUrl, 'graphql-transport-ws');
      const timer = setTimeout(() => ws.terminate(), 5_000);
      ws.on('open', () => ws.send('{"type":"connection_init"}'));
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string };
        if (message.type === 'connection_ack') {
          ws.send(JSON.stringify({ id: 'w', type: 'subscribe', payload: { query: 'subscription($t: ID, $r: ID!) { runUpdated(threadId: $t, runId: $r) { status } }', variables: { t: run.threadId, r: run.runId } } }));
        } else if (message.type === 'next') ws.close(1000);
      });
      ws.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.on('error', () => undefined);
    });
  }
  await sleep(300);
}
