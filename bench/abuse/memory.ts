/**
 * W1: the padding flood. `{ __typename }` with a different ~1.9 MB variable each time, from one anonymous client,
 * against a gateway with a 512 MB heap (where the gateway of 2026-12 died after 216 requests). Heap after GC is
 * read from /metrics right after two forced full collections through the inspector, as the probes did.
 */
import { Agent } from 'node:http';
import { gql, metric } from './clients.js';
import { forceGc, startGateway } from './processes.js';
import { mb, tally, type Family } from './probe.js';

const HEAP_METRIC = 'gateway_nodejs_heap_size_used_bytes';
const PAD_BYTES = 1_900_000;
/** Finished results reused by identical queries: 32 MiB in total (README, "Bounds"). */
const RESULTS_BOUND_BYTES = 32 * 1024 * 1024;
const UNDECLARED = 250;
const DECLARED = 100;

export const memory: Family = {
  name: 'memory',
  ids: ['W1'],
  async run(log) {
    const gateway = await startGateway({ label: 'gateway (512 MB heap)', env: { NODE_OPTIONS: '--max-old-space-size=512' }, inspect: true });
    try {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      for (let i = 0; i < 20; i++) await gql(gateway.url, '{ __typename }', {}, { agent });
      await forceGc(gateway);
      const before = (await metric(gateway.origin, HEAP_METRIC)) ?? Number.NaN;
      const pad = 'x'.repeat(PAD_BYTES);
      const codes: string[] = [];
      let peak = before;
      log(`W1: ${UNDECLARED} requests with an undeclared 1.9 MB variable, then ${DECLARED} with a declared one`);
      const t0 = performance.now();
      for (let i = 0; i < UNDECLARED + DECLARED; i++) {
        const declared = i >= UNDECLARED;
        const answer = await gql(gateway.url, declared ? 'query ($s: ID!) { node(id: $s) { id } }' : '{ __typename }', { n: i, s: `${i}${pad}` }, { agent, timeoutMs: 30_000 }).catch(
          (error: NodeJS.ErrnoException) => ({ code: `socket ${error.code ?? error.message}`, status: 0 }),
        );
        codes.push(`${answer.status} ${answer.code}`);
        if (gateway.process.hasExited()) break;
        if (i % 50 === 49) {
          const heap = await metric(gateway.origin, HEAP_METRIC).catch(() => undefined);
          if (heap !== undefined) peak = Math.max(peak, heap);
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      agent.destroy();
      const aliveAfter = !gateway.process.hasExited();
      let after = Number.NaN;
      if (aliveAfter) {
        await forceGc(gateway);
        after = (await metric(gateway.origin, HEAP_METRIC)) ?? Number.NaN;
      }
      const exit = aliveAfter ? undefined : await gateway.process.exited;
      const kept = after - before;
      const sentMb = ((UNDECLARED + DECLARED) * PAD_BYTES) / 1e6;
      const ok = codes.filter((c) => c.startsWith('200 ')).length;
      const pass = aliveAfter && ok === UNDECLARED + DECLARED && kept <= RESULTS_BOUND_BYTES;
      return [
        {
          id: 'W1',
          title: 'padding flood: distinct 1.9 MB variables, 512 MB heap',
          sent: `${UNDECLARED} × \`{ __typename }\` with an undeclared 1.9 MB variable, then ${DECLARED} with it declared and used (\`node(id: $s)\`, refused as BAD_USER_INPUT: an id that long is not one); ${sentMb.toFixed(0)} MB in ${seconds.toFixed(1)} s, one client, \`--max-old-space-size=512\``,
          before: '+1.90 MB heap after GC per request; died after 216 requests (exit 134, "Reached heap limit")',
          after: aliveAfter
            ? `${ok}/${codes.length} answered 200; heap after GC ${mb(before)} → ${mb(after)} (${kept >= 0 ? '+' : ''}${mb(kept)}, ${((kept / (UNDECLARED + DECLARED)) / 1024).toFixed(1)} KiB per request); alive`
            : `died after ${codes.length} requests (exit ${exit?.code ?? exit?.signal})`,
          target: `alive, every request answered, heap after GC within +${mb(RESULTS_BOUND_BYTES, 0)} (the finished-results bound)`,
          pass,
          notes: [`answers: ${tally(codes)}`, `heap used (not collected) peak between samples: ${mb(peak)}`],
        },
      ];
    } finally {
      await gateway.process.kill();
    }
  },
};
