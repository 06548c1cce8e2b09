/**
 * `npm run bench:hot-path`: the CPU figures of issue 18 alone (bench/hot-path.ts), printed and written to the
 * "hot-path" section of BENCHMARKS.md. BENCH_HOT_BEFORE=<file>: the printed output of the same bench on an older
 * checkout (its figures and profiles), shown beside these as "before"; BENCH_HOT_BEFORE_LABEL names that checkout.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hotPath, hotPathLines, profileTop } from './hot-path.js';
import { gatewayEnv } from './lib/gateway-env.js';
import { writeOwnedSection } from './lib/owned-sections.js';

const result = await hotPath(gatewayEnv);
const lines = [...hotPathLines(result), ''];
for (const [name, profile] of Object.entries(result.profiles)) lines.push(...profileTop(name, profile));
for (const line of lines) process.stdout.write(`${line}\n`);

const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
const beforeFile = process.env['BENCH_HOT_BEFORE'];
const before = beforeFile && existsSync(beforeFile) ? readFileSync(beforeFile, 'utf8').trim() : undefined;
const section = [
  '## Hot path: CPU per request and per delivered event (issue 18)',
  '',
  `\`npm run bench:hot-path\` at ${commit}, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)} at the end: CPU time of the gateway process`,
  'divided by the requests (or deliveries) it served, so other load on the machine moves it far less than req/s.',
  '',
  ...lines,
  ...(before ? ['', `### Before (${process.env['BENCH_HOT_BEFORE_LABEL'] ?? 'an older checkout'}, same bench, same machine)`, '', before, ''] : []),
].join('\n');
if (process.env['BENCH_HOT_WRITE'] !== '0') writeOwnedSection(fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url)), 'hot-path', 'npm run bench:hot-path (bench/hot-path-main.ts)', section);
process.exit(0);
