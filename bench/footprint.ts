/**
 * `npm run bench:footprint` (also the last step of `npm run bench`): how quickly the processes start and what
 * they hold at rest, as operators run them. Each start is a fresh `node` process:
 * - the gateway in production mode (`NODE_ENV=production`, GraphiQL off) on an upstream in another process:
 *   time from spawn to the first 200 from `/health`, then RSS after a rest with no traffic;
 * - the embedded runs API alone (`npm run runs-api`): time to its "listening" line, RSS at rest;
 * - one more start of each with `--heapsnapshot-signal`: the heap at rest by constructor (a snapshot is taken
 *   after a full GC).
 * Variants: `compiled` (node dist/…, what `npm start` runs) and `source` (node --import tsx src/…, what it ran
 * before issue 22). Writes its section of BENCHMARKS.md between the footprint markers; the rest is left as it is.
 */
import { freePort } from './abuse/processes.js';
import { heapCensus, type CensusRow } from './lib/heap-census.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { FOOTPRINT_SECTION_END, FOOTPRINT_SECTION_START } from './footprint-section.js';
import { ms, num, table } from './lib/stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = process.env;
const P = {
  /** Starts per variant and process; the table shows the median (and the range). */
  starts: Number(env['BENCH_FOOTPRINT_STARTS'] ?? 3),
  /** How long a process rests, with no traffic, before its RSS is read. */
  restMs: Number(env['BENCH_FOOTPRINT_REST_MS'] ?? 3_000),
  variants: (env['BENCH_FOOTPRINT_VARIANTS'] ?? 'compiled,source').split(',').map((v) => v.trim()) as Variant[],
  census: env['BENCH_FOOTPRINT_CENSUS'] !== '0',
  out: env['BENCH_OUT'] ?? join(root, 'BENCHMARKS.md'),
};

type Variant = 'compiled' | 'source';
/** The entry point: the gateway, or the runs API alone. */
type Entry = 'gateway' | 'runs-api';

/** Measured on commit 9b65e37 (before issue 22: `node --import tsx src/…`, everything loaded at start-up), this machine. */
const BEFORE = {
  commit: '9b65e37',
  gatewayHealthMs: 4_600,
  gatewayRssMb: 271,
  runsApiRssMb: 82,
};

const TARGETS = { gatewayHealthMs: 1_500, gatewayRssMb: 120, runsApiRssMb: 60 };

/** As package.json's scripts run them: `npm start` / `npm run runs-api` (compiled), or the sources through tsx (before). */
function nodeArgs(variant: Variant, entry: Entry): string[] {
  if (variant === 'compiled') return [join(root, 'dist', entry === 'gateway' ? 'index.js' : 'runs-api.js')];
  return ['--import', 'tsx', join(root, 'src', entry === 'gateway' ? 'index.ts' : 'runs-api/main.ts')];
}


const rssBytes = (pid: number): number => {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return line ? Number(line[1]) * 1024 : Number.NaN;
};

/** CPU time (user + system) the process has used so far: start-up cost on a machine whose other load varies. */
const cpuMs = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
};
/** USER_HZ, 100 on Linux. */
const CLOCK_TICKS = 100;

const sleep = (ms_: number) => new Promise<void>((resolve) => setTimeout(resolve, ms_));

interface Started {
  child: ChildProcess;
  /** Spawn → ready (the gateway's first 200 from /health; the runs API's "listening" line). */
  readyMs: number;
  /** CPU the process used until then. */
  readyCpuMs: number;
  url: string;
  output: () => string;
}

function spawnNode(variant: Variant, entry: Entry, extraEnv: Record<string, string>, extraArgs: string[] = []): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [...extraArgs, ...nodeArgs(variant, entry)], {
    cwd: root,
    env: { PATH: env['PATH'] ?? '', HOME: env['HOME'] ?? '', LOG_LEVEL: 'silent', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string, child: ChildProcess, output: () => string): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (child.exitCode !== null) throw new Error(`${what}: the process exited (${child.exitCode}):\n${output()}`);
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms:\n${output()}`);
    await sleep(5);
  }
}

async function startRunsApi(variant: Variant, extraArgs: string[] = []): Promise<Started> {
  const started = performance.now();
  const { child, output } = spawnNode(variant, 'runs-api', { RUNS_API_PORT: '0', RUNS_API_DEMO_DATA: 'true' }, extraArgs);
  const url = await until(() => /listening on (\S+)/.exec(output())?.[1], 30_000, 'runs API start', child, output);
  return { child, readyMs: performance.now() - started, readyCpuMs: cpuMs(child.pid!), url, output };
}

async function startGateway(variant: Variant, upstream: string, extraArgs: string[] = []): Promise<Started> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const { child, output } = spawnNode(
    variant,
    'gateway',
    { NODE_ENV: 'production', GATEWAY_AUTH: 'none', GRAPHIQL: 'false', HOST: '127.0.0.1', PORT: String(port), UPSTREAM_BASE_URL: upstream },
    extraArgs,
  );
  await until(
    async () => {
      try {
        const response = await fetch(`${origin}/health`);
        return response.status === 200 ? true : undefined;
      } catch {
        return undefined;
      }
    },
    30_000,
    'gateway /health',
    child,
    output,
  );
  return { child, readyMs: performance.now() - started, readyCpuMs: cpuMs(child.pid!), url: `${origin}/graphql`, output };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(forced);
}

/** A query that reaches the upstream, so a "started" gateway is known to serve (it is not counted in the figures). */
async function checkServes(gatewayUrl: string): Promise<void> {
  const response = await fetch(gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ assistants(first: 1) { edges { node { name } } } }' }) });
  const body = (await response.json()) as { errors?: unknown };
  if (response.status !== 200 || body.errors) throw new Error(`the gateway did not serve a query: ${response.status} ${JSON.stringify(body)}`);
}

interface Census {
  totalBytes: number;
  rows: CensusRow[];
  /** The biggest single objects (strings shown by their first characters). */
  largest: CensusRow[];
}

/** A .heapsnapshot's census: the 15 largest rows and the 8 largest single objects. */
function censusOf(file: string): Census {
  const { totalBytes, byName, large } = heapCensus(readFileSync(file, 'utf8'));
  return {
    totalBytes,
    rows: [...byName.values()].sort((a, b) => b.bytes - a.bytes).slice(0, 15),
    largest: large.sort((a, b) => b.bytes - a.bytes).slice(0, 8),
  };
}

/** One more start with `--heapsnapshot-signal`; the snapshot is taken on SIGUSR2, after the rest. */
async function takeCensus(start: (extraArgs: string[]) => Promise<Started>, poke: (started: Started) => Promise<unknown>): Promise<Census> {
  const dir = mkdtempSync(join(tmpdir(), 'footprint-'));
  const started = await start(['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`]);
  try {
    await sleep(P.restMs);
    started.child.kill('SIGUSR2');
    const file = await until(() => readdirSync(dir).find((name) => name.endsWith('.heapsnapshot')), 30_000, 'heap snapshot', started.child, started.output);
    // The snapshot is written on the main thread: once the process answers again, the file is complete.
    await until(() => poke(started).then(() => true, () => undefined), 60_000, 'answer after the snapshot', started.child, started.output);
    return censusOf(join(dir, file));
  } finally {
    await stop(started.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Figures {
  variant: Variant;
  gatewayReadyMs: number[];
  gatewayReadyCpuMs: number[];
  gatewayRss: number[];
  runsApiReadyMs: number[];
  runsApiReadyCpuMs: number[];
  runsApiRss: number[];
  gatewayCensus?: Census;
  runsApiCensus?: Census;
}

async function measure(variant: Variant): Promise<Figures> {
  const figures: Figures = { variant, gatewayReadyMs: [], gatewayReadyCpuMs: [], gatewayRss: [], runsApiReadyMs: [], runsApiReadyCpuMs: [], runsApiRss: [] };
  // The gateway's upstream: a runs API of its own, in another process, for every start of the gateway.
  const upstream = await startRunsApi(variant);
  try {
    for (let i = 0; i < P.starts; i++) {
      const gateway = await startGateway(variant, upstream.url);
      try {
        await sleep(P.restMs);
        figures.gatewayReadyMs.push(gateway.readyMs);
        figures.gatewayReadyCpuMs.push(gateway.readyCpuMs);
        figures.gatewayRss.push(rssBytes(gateway.child.pid!));
        await checkServes(gateway.url);
      } finally {
        await stop(gateway.child);
      }
      console.log(`footprint ${variant}: gateway start ${i + 1}: /health after ${ms(gateway.readyMs, 0)} (CPU ${ms(gateway.readyCpuMs, 0)}), RSS at rest ${mb(figures.gatewayRss.at(-1)!)}`);
    }
    for (let i = 0; i < P.starts; i++) {
      const api = await startRunsApi(variant);
      try {
        await sleep(P.restMs);
        figures.runsApiReadyMs.push(api.readyMs);
        figures.runsApiReadyCpuMs.push(api.readyCpuMs);
        figures.runsApiRss.push(rssBytes(api.child.pid!));
      } finally {
        await stop(api.child);
      }
      console.log(`footprint ${variant}: runs API start ${i + 1}: listening after ${ms(api.readyMs, 0)} (CPU ${ms(api.readyCpuMs, 0)}), RSS at rest ${mb(figures.runsApiRss.at(-1)!)}`);
    }
    if (P.census) {
      figures.gatewayCensus = await takeCensus(
        (args) => startGateway(variant, upstream.url, args),
        (started) => fetch(started.url.replace(/\/graphql$/, '/health')),
      );
      figures.runsApiCensus = await takeCensus(
        (args) => startRunsApi(variant, args),
        (started) => fetch(`${started.url}/assistants`),
      );
    }
  } finally {
    await stop(upstream.child);
  }
  return figures;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const spread = (values: number[], format: (value: number) => string) => `${format(median(values))} (${format(Math.min(...values))}–${format(Math.max(...values))})`;

function build(): void {
  const started = performance.now();
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--if-stale'], { cwd: root, stdio: 'inherit' });
  console.log(`footprint: build checked in ${ms(performance.now() - started, 0)}`);
}

function section(results: Figures[], startedAt: Date, seconds: number, loadAtStart: string): string {
  const commit = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  const lines: string[] = [
    FOOTPRINT_SECTION_START,
    '## Footprint (issue 22)',
    '',
    'Written by `npm run bench:footprint` (bench/footprint.ts; also the last step of `npm run bench`). Each start is a',
    'fresh process: the gateway in production mode (`NODE_ENV=production`, `GRAPHIQL=false`, `GATEWAY_AUTH=none`) on a runs',
    'API in another process, timed from spawn to the first 200 from `/health`; the runs API alone (`npm run runs-api`), timed',
    `to its "listening" line; the CPU the process used until then (user + system, /proc) does not depend on the machine's other load. RSS is read from /proc after ${P.restMs / 1000} s at rest (no traffic). Medians of ${P.starts} starts (range).`,
    '`compiled` is what `npm start` runs now (`node dist/index.js`, the esbuild bundle of `npm run build`); `source` runs the same code',
    `through tsx, as \`npm start\` did before. "Before" is commit ${BEFORE.commit} through tsx (the figures of issue 22).`,
    '',
    `- Run: ${startedAt.toISOString()}, commit ${commit}, ${cpus().length} cores, Node ${process.version}; ${seconds.toFixed(0)} s; load average at start ${loadAtStart}.`,
    '',
  ];
  const header = ['figure', 'target', `before (${BEFORE.commit}, tsx)`, ...results.map((r) => r.variant)];
  const compiled = results.find((r) => r.variant === 'compiled');
  lines.push(
    table(header, [
      ['gateway: spawn → /health 200', `≤ ${ms(TARGETS.gatewayHealthMs, 0)}`, ms(BEFORE.gatewayHealthMs, 0), ...results.map((r) => spread(r.gatewayReadyMs, (v) => ms(v, 0)))],
      ['gateway: CPU used until then', '', 'n/a', ...results.map((r) => spread(r.gatewayReadyCpuMs, (v) => ms(v, 0)))],
      ['gateway: RSS at rest', `≤ ${TARGETS.gatewayRssMb} MB`, `${BEFORE.gatewayRssMb} MB`, ...results.map((r) => spread(r.gatewayRss, mb))],
      ['runs API alone: spawn → listening', '', 'n/a', ...results.map((r) => spread(r.runsApiReadyMs, (v) => ms(v, 0)))],
      ['runs API alone: CPU used until then', '', 'n/a', ...results.map((r) => spread(r.runsApiReadyCpuMs, (v) => ms(v, 0)))],
      ['runs API alone: RSS at rest', `≤ ${TARGETS.runsApiRssMb} MB`, `${BEFORE.runsApiRssMb} MB`, ...results.map((r) => spread(r.runsApiRss, mb))],
    ]),
    '',
  );
  if (compiled) {
    const verdict = (ok: boolean) => (ok ? 'PASS' : '**FAIL**');
    lines.push(
      `Targets (compiled): /health ${verdict(median(compiled.gatewayReadyMs) <= TARGETS.gatewayHealthMs)}, gateway RSS ${verdict(median(compiled.gatewayRss) <= TARGETS.gatewayRssMb * 1024 * 1024)}, runs API RSS ${verdict(median(compiled.runsApiRss) <= TARGETS.runsApiRssMb * 1024 * 1024)}.`,
      '',
    );
  }
  for (const result of results) {
    for (const [what, census] of [
      ['gateway (production)', result.gatewayCensus],
      ['runs API alone', result.runsApiCensus],
    ] as const) {
      if (!census) continue;
      lines.push(`**Heap at rest by constructor: ${what}, ${result.variant}** (heap snapshot after ${P.restMs / 1000} s at rest; live heap ${mb(census.totalBytes)}):`, '');
      lines.push(table(['constructor or kind', 'objects', 'bytes'], census.rows.map((r) => [r.name, num(r.count), mb(r.bytes)])), '');
      if (census.largest.length > 0) {
        lines.push(`Largest single objects: ${census.largest.map((r) => `${r.name} ${mb(r.bytes)}`).join('; ')}.`, '');
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Puts the section between its markers, or appends it; the rest of the file is left as it is. */
function writeSection(text: string): void {
  const current = existsSync(P.out) ? readFileSync(P.out, 'utf8') : '# Benchmarks\n';
  const start = current.indexOf(FOOTPRINT_SECTION_START);
  const end = current.indexOf(FOOTPRINT_SECTION_END);
  const next = start >= 0 && end > start ? `${current.slice(0, start)}${text}${current.slice(end)}` : `${current.replace(/\n*$/, '\n\n')}${text}${FOOTPRINT_SECTION_END}\n`;
  writeFileSync(P.out, next);
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadAtStart = loadavg().map((v) => v.toFixed(2)).join(' / ');
  if (P.variants.includes('compiled')) build();
  const results: Figures[] = [];
  for (const variant of P.variants) results.push(await measure(variant));
  const text = section(results, startedAt, (Date.now() - startedAt.getTime()) / 1000, loadAtStart);
  console.log(text);
  writeSection(text);
  console.log(`footprint: wrote ${P.out}`);
}

await main();
