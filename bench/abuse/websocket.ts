/**
 * W13 (and probe 1's lifecycle check): WebSocket churn with a pool as large as the per-client cap, each worker
 * reconnecting the moment it has asked to close (without waiting for the close to complete). Cycle kinds as in
 * probe 1: 60 % a finished run (wait for `complete`), 30 % a run in requires_action (close after the first
 * `next`), 10 % the TCP socket terminated right after `subscribe`. Heap after GC before and after.
 */
import { summary } from '../lib/stats.js';
import { metric, wsSubscribe, type WsSubscription } from './clients.js';
import { forceGc, startGateway } from './processes.js';
import { defaults, mb, ms, tally, type Family } from './probe.js';

const CYCLES = 1_200;
const HEAP_METRIC = 'gateway_nodejs_heap_size_used_bytes';
const finished = 'subscription { runUpdated(threadId: "thread_demo", runId: "run_demo_completed") { status } }';
const waiting = 'subscription { runUpdated(threadId: "thread_demo", runId: "run_demo_requires_action") { status } }';

export const websocket: Family = {
  name: 'websocket churn',
  ids: ['W13'],
  async run(log) {
    const cap = defaults.security.wsMaxConnectionsPerClient;
    const gateway = await startGateway({ label: 'gateway (default WebSocket cap)', inspect: true });
    try {
      await forceGc(gateway);
      const heapBefore = (await metric(gateway.origin, HEAP_METRIC)) ?? Number.NaN;
      log(`W13: ${CYCLES} connect → subscribe → close cycles, pool ${cap} = the per-client cap`);
      const outcomes: string[] = [];
      const durations: number[] = [];
      let next = 0;
      const t0 = performance.now();
      const cycle = (kind: 'finished' | 'waiting' | 'terminate') =>
        new Promise<string>((resolve) => {
          let done = false;
          let subscription: WsSubscription | undefined;
          const finish = (outcome: string) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            // Close without waiting for the close to complete: the next cycle connects at once.
            subscription?.close();
            resolve(outcome);
          };
          const timer = setTimeout(() => finish('timeout'), 10_000);
          wsSubscribe(gateway.wsUrl, kind === 'finished' ? finished : waiting, {}, {
            onEvent: (event) => {
              if (kind === 'finished' && event.kind === 'complete') finish('complete');
              else if (kind === 'waiting' && event.kind === 'next') finish('next');
              else if (event.kind === 'error') finish('graphql error');
              else if (event.kind === 'close') finish(`closed ${event.code}`);
            },
          }).then(
            (opened) => {
              subscription = opened;
              if (done) opened.close();
              else if (kind === 'terminate') {
                opened.terminate();
                finish('terminated');
              }
            },
            (error: { code?: unknown; message?: string }) => finish(typeof error.code === 'number' ? `refused ${error.code}` : (error.message ?? 'error')),
          );
        });
      const worker = async () => {
        while (next < CYCLES) {
          const i = next++;
          const started = performance.now();
          outcomes.push(await cycle(i % 10 < 6 ? 'finished' : i % 10 < 9 ? 'waiting' : 'terminate'));
          durations.push(performance.now() - started);
        }
      };
      await Promise.all(Array.from({ length: cap }, worker));
      const seconds = (performance.now() - t0) / 1000;
      // Let the last closes complete, then see what the gateway still holds.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const subscriptions = await metric(gateway.origin, 'gateway_active_subscriptions');
      await forceGc(gateway);
      const heapAfter = (await metric(gateway.origin, HEAP_METRIC)) ?? Number.NaN;
      const refused1008 = outcomes.filter((o) => o.includes('1008')).length;
      const bad = outcomes.filter((o) => !['complete', 'next', 'terminated'].includes(o)).length;
      const cycleTimes = summary(durations);
      return [
        {
          id: 'W13',
          title: 'close-then-reconnect at the per-client WebSocket cap',
          sent: `${CYCLES} cycles (60 % finished run, 30 % requires_action, 10 % TCP terminate) by a pool of ${cap} = WS_MAX_CONNECTIONS_PER_CLIENT, each reconnecting as soon as it closes; ${seconds.toFixed(1)} s`,
          before: '3 of 1,200 cycles refused with 1008 at pool = cap = 50 (probe 1: 15,200 cycles, heap after GC flat at 67.6 → 69.1 MB)',
          after: `${refused1008} refused with 1008; ${tally(outcomes)}; cycle p50 ${ms(cycleTimes.p50, 1)}, p99 ${ms(cycleTimes.p99, 1)}; active subscriptions after ${subscriptions ?? 'n/a'}; heap after GC ${mb(heapBefore)} → ${mb(heapAfter)}`,
          target: '0 refused, every cycle completes, no subscription left, heap after GC within +10 MB',
          pass: refused1008 === 0 && bad === 0 && subscriptions === 0 && heapAfter - heapBefore <= 10 * 1024 * 1024,
        },
      ];
    } finally {
      await gateway.process.kill();
    }
  },
};
