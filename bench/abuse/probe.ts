/** What a probe reports, and the small pieces every probe shares. */
import { loadConfig } from '../../src/config.js';
import { ms } from '../lib/stats.js';

export type ProbeId = `W${number}`;

export interface ProbeResult {
  id: ProbeId;
  title: string;
  /** What was sent, in a sentence. */
  sent: string;
  /** The figure of probes-2026-12.md (commit b43fd76). */
  before: string;
  /** What this run measured. */
  after: string;
  /** The bound or target (issue 14's "Done when", or the README's bound). */
  target: string;
  pass: boolean;
  /** The 1-minute load average when the probe's family started (filled in by bench/abuse.ts). */
  load?: string;
  /** Details printed under the table (not written to BENCHMARKS.md). */
  notes?: string[];
}

export interface Family {
  name: string;
  ids: ProbeId[];
  /** `selected`: the probes asked for; a family may skip the parts only the others need. */
  run(log: (line: string) => void, selected: ReadonlySet<ProbeId>): Promise<ProbeResult[]>;
}

export const log = (line: string) => process.stderr.write(`[abuse ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

export const mb = (bytes: number | undefined, digits = 1) => (bytes === undefined || !Number.isFinite(bytes) ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(digits)} MB`);
export const secs = (millis: number) => (Number.isFinite(millis) ? `${(millis / 1000).toFixed(1)} s` : 'n/a');
export { ms };

/** Counts of a list of labels, as `a × 3, b × 1` (most frequent first). */
export function tally(labels: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([label, n]) => `${label} × ${n}`)
    .join(', ') || 'none';
}

/** Runs `work` at `perSecond` (open loop) for `durationMs`; resolves when every started call has settled. */
export async function openLoop(perSecond: number, durationMs: number, work: (i: number) => Promise<void>): Promise<number> {
  const started: Array<Promise<void>> = [];
  const t0 = performance.now();
  let i = 0;
  while (performance.now() - t0 < durationMs) {
    const due = t0 + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    started.push(work(i).catch(() => undefined));
    i++;
  }
  await Promise.all(started);
  return i;
}

/** Calls `work` one after the other until `stop()` is true, at most `perSecond` times a second. */
export async function closedLoop(stop: () => boolean, work: () => Promise<void>, perSecond = Infinity): Promise<void> {
  while (!stop()) {
    const t = performance.now();
    await work().catch(() => undefined);
    const rest = 1000 / perSecond - (performance.now() - t);
    if (rest > 0 && Number.isFinite(rest)) await new Promise((resolve) => setTimeout(resolve, rest));
  }
}

/** The gateway's defaults, from its setting declarations (the probes leave most settings unset). */
export const defaults = loadConfig({ NODE_ENV: 'development' } as NodeJS.ProcessEnv);
