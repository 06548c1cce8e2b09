/**
 * `npm run bench:peers -- <results.json>`: the "peers" section of BENCHMARKS.md from one run of the side-by-side
 * harness (../shared/peers/compare, see its README): its upstream-call and throughput tables as it printed them
 * (the .md beside the .json), and issue 18's ratios and the CPU per request of each gateway computed from its JSON.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeOwnedSection } from './lib/owned-sections.js';

interface Measured {
  reqPerSec: number;
  upstreamPerRequest: number;
  cpuCores: { gateway: number };
}
interface Results {
  startedAt: string;
  machine: { cores: number; cpuModel: string; node: string };
  gateways: Array<{ name: string; versions: Array<{ label?: string; version: string }> }>;
  bench: Array<{ latencyMs: number; results: Record<string, Measured> }>;
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: npm run bench:peers -- <harness results .json>\n');
  process.exit(2);
}
const results = JSON.parse(readFileSync(file, 'utf8')) as Results;
const markdown = readFileSync(file.replace(/\.json$/, '.md'), 'utf8');
/** The harness's own section `title` (up to the next `## `), without its heading. */
const part = (title: string): string => {
  const start = markdown.indexOf(`## ${title}`);
  if (start < 0) return '';
  const end = markdown.indexOf('\n## ', start + 3);
  return markdown.slice(markdown.indexOf('\n', start) + 1, end < 0 ? undefined : end).trim();
};
const at = (latencyMs: number) => results.bench.find((block) => block.latencyMs === latencyMs)?.results ?? {};
const ratio = (a: Measured | undefined, b: Measured | undefined) => (a && b && b.reqPerSec > 0 ? a.reqPerSec / b.reqPerSec : NaN);
const verdict = (value: number, target: number) => (Number.isNaN(value) ? 'not measured' : value >= target ? 'met' : 'not met');
const targets: Array<[string, number, number]> = [
  ['0 ms upstream, both without caches: ours-fresh ÷ tailcall', ratio(at(0)['ours-fresh'], at(0)['tailcall']), 0.5],
  ['20 ms upstream, both with a 1000 ms cache: ours ÷ tailcall-cache', ratio(at(20)['ours'], at(20)['tailcall-cache']), 0.5],
  ['20 ms upstream, read cache off: ours-fresh ÷ direct GET', ratio(at(20)['ours-fresh'], at(20)['direct']), 0.85],
];
const cpuRows = results.bench.flatMap((block) =>
  Object.entries(block.results)
    .filter(([name, measured]) => name !== 'direct' && measured.reqPerSec > 0)
    .map(([name, measured]) => `| ${block.latencyMs} ms | ${name} | ${Math.round(measured.reqPerSec).toLocaleString('en-US')} | ${((measured.cpuCores.gateway * 1e6) / measured.reqPerSec).toFixed(0)} µs |`),
);
const ours = results.gateways.find((gateway) => gateway.name === 'ours')?.versions.find((version) => version.label === 'commit')?.version ?? '?';
const section = [
  '## Side by side with Tailcall (issue 18)',
  '',
  `One run of the harness in ../shared/peers (compare/compare.mjs, gateways ours, ours-fresh, tailcall, tailcall-cache) on ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC,`,
  `this gateway at commit ${ours}; ${results.machine.cores} cores (${results.machine.cpuModel}), Node ${results.machine.node}. The upstream, every gateway and the`,
  'load generator share the cores: compare ratios within the run, not req/s across runs.',
  '',
  '| target (issue 18) | measured | target | |',
  '|---|---|---|---|',
  ...targets.map(([name, value, target]) => `| ${name} | ${Number.isNaN(value) ? '–' : `${value.toFixed(2)}×`} | ≥ ${target}× | ${verdict(value, target)} |`),
  '',
  'CPU of the gateway process per request during the recorded throughput run (its average cores ÷ req/s):',
  '',
  '| upstream latency | gateway | req/s | CPU per request |',
  '|---|---|---|---|',
  ...cpuRows,
  '',
  '### Throughput (the harness\'s table)',
  '',
  part('Throughput: `run` query vs direct GET (autocannon, 50 connections, 10 s)') || part('Throughput'),
  '',
  '### Upstream calls (the harness\'s table)',
  '',
  part('Upstream calls'),
  '',
].join('\n');
writeOwnedSection(fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url)), 'peers', 'npm run bench:peers (bench/peers-section.ts)', section);
process.stdout.write(`${section}\n`);
