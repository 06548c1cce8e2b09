/**
 * The embedded runs API in a process of its own (the upstream of every measurement), so that neither the
 * gateway nor the load generator shares its event loop. It counts every request it answers, with the time
 * it arrived, beyond the API's own 10 000-entry request log.
 */
import { startRunsApi, type RequestLogEntry } from '../src/runs-api/index.js';
import { now, serve } from './lib/rpc.js';

const api = await startRunsApi({
  port: 0,
  host: '127.0.0.1',
  stepMs: Number(process.env['BENCH_API_STEP_MS'] ?? 400),
  demoData: false,
  // Runs parked in requires_action for the fan-out must outlive the benchmark.
  requiresActionTimeoutMs: 3_600_000,
});

/** Every request since the last `reset`, with its arrival time (the route is filled in once matched). */
let entries: Array<{ entry: RequestLogEntry; at: number }> = [];
const log = api.requestLog;
const push = log.push.bind(log);
log.push = (...items: RequestLogEntry[]) => {
  const at = now();
  for (const entry of items) entries.push({ entry, at });
  const length = push(...items);
  // The API's own log is not needed here; keeping it short keeps its trimming off the request path.
  if (log.length > 1_000) log.length = 0;
  return length;
};

let cpuMark = process.cpuUsage();
let wallMark = now();

serve(
  {
    reset() {
      entries = [];
      return null;
    },
    /** Requests by `METHOD route` since `reset` (only those that arrived in [from, to] when given). */
    counts(args: { from?: number; to?: number } | null) {
      const counts: Record<string, number> = {};
      for (const { entry, at } of entries) {
        if (args?.from !== undefined && at < args.from) continue;
        if (args?.to !== undefined && at > args.to) continue;
        const key = `${entry.method} ${entry.route}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      return counts;
    },
    faults(rules: string) {
      if (rules === '') api.faults.clear();
      else api.faults.set(rules);
      return api.faults.list().length;
    },
    cpuStart() {
      cpuMark = process.cpuUsage();
      wallMark = now();
      return null;
    },
    /** CPU used since cpuStart, as a share of one core. */
    cpu() {
      const used = process.cpuUsage(cpuMark);
      return (used.user + used.system) / 1000 / (now() - wallMark);
    },
  },
  { url: api.url },
  () => api.close(),
);
