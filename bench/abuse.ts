/**
 * `npm run bench:abuse [-- W2 W5 …]`: re-runs the reliability probes of issue 14 (their method and "before"
 * figures are in probes-2026-12.md) against gateways started as `npm start` runs them, each in a process group
 * of its own on free ports of 127.0.0.1, and prints per probe what was sent, what was measured, the target and
 * PASS/FAIL. Writes the "Abuse probes (issue 14)" section of BENCHMARKS.md (rows of probes not run are kept).
 * Bounded: every loop has a count or a deadline; every process started is killed at the end, on error and on Ctrl-C.
 * Exit code 1 when a probe fails or cannot run.
 */
import { ABUSE_SECTION_END, ABUSE_SECTION_START } from './abuse/section.js';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { breaker } from './abuse/breaker.js';
import { connections } from './abuse/connections.js';
import { cpu } from './abuse/cpu.js';
import { hungUpstream } from './abuse/hung-upstream.js';
import { input } from './abuse/input.js';
import { memory } from './abuse/memory.js';
import { killAll, killAllOnExit, releaseReaper } from './abuse/processes.js';
import { log, type Family, type ProbeId, type ProbeResult } from './abuse/probe.js';
import { shutdown } from './abuse/shutdown.js';
import { websocket } from './abuse/websocket.js';

const FAMILIES: Family[] = [memory, cpu, breaker, input, hungUpstream, connections, websocket, shutdown];
const ALL_IDS = FAMILIES.flatMap((f) => f.ids).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
const OUT = process.env['BENCH_OUT'] ?? fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
const SECTION_START = ABUSE_SECTION_START;
const SECTION_END = ABUSE_SECTION_END;

const requested = process.argv.slice(2).map((arg) => arg.toUpperCase());
const unknown = requested.filter((id) => !ALL_IDS.includes(id as ProbeId));
if (unknown.length > 0) {
  console.error(`unknown probe ${unknown.join(', ')}; probes: ${ALL_IDS.join(' ')}`);
  process.exit(2);
}
const selected = new Set<ProbeId>(requested.length > 0 ? (requested as ProbeId[]) : ALL_IDS);

const load = () => loadavg().map((n) => n.toFixed(2)).join(' / ');
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();

async function main(): Promise<number> {
  killAllOnExit();
  const startedAt = new Date();
  const loadAtStart = load();
  log(`probes ${[...selected].join(' ')}; load average (1/5/15 min) ${loadAtStart} on ${cpus().length} cores`);
  const results: ProbeResult[] = [];
  const failures: string[] = [];
  const t0 = performance.now();
  for (const family of FAMILIES) {
    if (!family.ids.some((id) => selected.has(id))) continue;
    log(`— ${family.name} (${family.ids.join(', ')}), load ${load()}`);
    const familyLoad = loadavg()[0]!.toFixed(1);
    try {
      const rows = await family.run(log, selected);
      for (const row of rows) if (selected.has(row.id)) results.push({ ...row, load: familyLoad });
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`${family.name} could not run: ${message}`);
      failures.push(`${family.name}: ${message.split('\n')[0]}`);
      for (const id of family.ids.filter((i) => selected.has(i))) {
        results.push({ id, title: family.name, sent: '–', before: '–', after: `could not run: ${message.split('\n')[0]}`, target: '–', pass: false });
      }
    } finally {
      killAll();
    }
  }
  results.sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
  const seconds = (performance.now() - t0) / 1000;
  const loadAtEnd = load();

  for (const r of results) {
    console.log(`\n${r.id} ${r.pass ? 'PASS' : 'FAIL'}  ${r.title}${r.load ? `  (load ${r.load})` : ''}`);
    console.log(`  sent:   ${r.sent}`);
    console.log(`  before: ${r.before}`);
    console.log(`  after:  ${r.after}`);
    console.log(`  target: ${r.target}`);
    for (const note of r.notes ?? []) console.log(`  · ${note}`);
  }
  const passed = results.filter((r) => r.pass).length;
  console.log(`\n${passed}/${results.length} probes passed in ${seconds.toFixed(0)} s; load average at start ${loadAtStart}, at the end ${loadAtEnd}`);

  writeSection(results, { startedAt, loadAtStart, loadAtEnd, seconds });
  log(`wrote the "Abuse probes (issue 14)" section of ${OUT}`);
  return passed === results.length && failures.length === 0 ? 0 : 1;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Rewrites only the section between the markers (appended when missing), keeping rows of probes not run now. */
function writeSection(results: ProbeResult[], run: { startedAt: Date; loadAtStart: string; loadAtEnd: string; seconds: number }): void {
  const current = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '# Benchmarks\n';
  const start = current.indexOf(SECTION_START);
  const end = current.indexOf(SECTION_END);
  const old = start >= 0 && end > start ? current.slice(start, end) : '';
  const kept = new Map<string, string>();
  for (const line of old.split('\n')) {
    const id = /^\| (W\d+) /.exec(line)?.[1];
    if (id && !results.some((r) => r.id === id)) kept.set(id, line);
  }
  const rows = new Map<string, string[]>();
  for (const r of results) rows.set(r.id, [r.id, cell(`${r.title}: ${r.sent}`), cell(r.before), cell(r.after), cell(r.target), r.pass ? 'PASS' : '**FAIL**', r.load ?? '']);
  const header = ['probe', 'what was sent', 'before (probes-2026-12.md, b43fd76)', 'after (this run)', 'target', 'result', 'load (1 min)'];
  // Unpadded: the cells are sentences, and padding every row to the longest would make each line kilobytes wide.
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  const fresh = [line(header), line(header.map(() => '---')), ...[...rows.values()].map(line)];
  const ids = [...new Set([...rows.keys(), ...kept.keys()])].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  const body = ids.map((id) => (rows.has(id) ? fresh[2 + [...rows.keys()].indexOf(id)]! : kept.get(id)!));
  const partial = kept.size > 0 ? ` Rows of ${[...kept.keys()].join(', ')} are from an earlier run.` : '';
  const section = [
    SECTION_START,
    '## Abuse probes (issue 14)',
    '',
    'Written by `npm run bench:abuse` (bench/abuse.ts; one probe: `npm run bench:abuse -- W2`). Each probe of',
    '`probes-2026-12.md` (the reliability probes of 2026-12-02 on commit b43fd76; "before" cites its figures) run again',
    'against gateways started as `npm start` runs them (`node --import tsx src/index.ts`, production, `GATEWAY_AUTH=none`,',
    'rate limit off, unless the row says otherwise; W6/W7 through `npm start` itself), each in its own process group on',
    'free ports of 127.0.0.1, with real HTTP, WebSocket and SSE clients. Targets are issue 14\'s "Done when" and the',
    'README\'s bounds. Client and gateways share the machine\'s cores, so latencies depend on other load: see the load average.',
    '',
    `- Run: ${run.startedAt.toISOString()}, commit ${commit}, ${cpus().length} cores, Node ${process.version}; ${run.seconds.toFixed(0)} s.${partial}`,
    '- `npm run bench` writes this file anew without this section: run `npm run bench:abuse` after it.',
    '- "load": the 1-minute load average when the probe started; latencies measured above about 1 per core are those of a busy machine.',
    `- Load average (1/5/15 min) at start ${run.loadAtStart}, at the end ${run.loadAtEnd}${Number(run.loadAtStart.split(' / ')[0]) > cpus().length * 0.5 ? ' — **other work was running: timing figures are noisy**' : ''}.`,
    '',
    [fresh[0], fresh[1], ...body].join('\n'),
    '',
  ].join('\n');
  const next = start >= 0 && end > start ? `${current.slice(0, start)}${section}${current.slice(end)}` : `${current.replace(/\n*$/, '\n\n')}${section}${SECTION_END}\n`;
  writeFileSync(OUT, next);
}

main().then(
  (code) => {
    releaseReaper();
    process.exit(code);
  },
  (error: unknown) => {
    console.error(error);
    releaseReaper();
    process.exit(1);
  },
);
