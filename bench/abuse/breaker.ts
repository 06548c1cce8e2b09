/**
 * W4: one client's bad input must not open the shared circuit. 55 `createRun`s whose tool parameters nest
 * 20,000 deep (120 kB each), under the default rate limit, as in 2026-12; then the breaker state, /readiness and
 * another caller's query.
 */
import { Agent } from 'node:http';
import { classify, gql, httpRequest, metric } from './clients.js';
import { startGateway } from './processes.js';
import { tally, type Family } from './probe.js';

const DEPTH = 20_000;
const COUNT = 55;
const CREATE_RUN =
  'mutation ($p: JSONObject) { createRun(input: { threadId: "thread_demo_idle", assistantId: "asst_demo_plain", tools: [{ function: { name: "f", parameters: $p } }] }) { run { runId } } }';

export const breaker: Family = {
  name: 'breaker',
  ids: ['W4'],
  async run(log) {
    // The default rate limit, as in 2026-12 (55 createRuns fit in one burst).
    const gateway = await startGateway({ label: 'gateway (default rate limit)', env: { RATE_LIMIT_PER_SECOND: undefined } });
    try {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      log(`W4: ${COUNT} createRuns with parameters nested ${DEPTH.toLocaleString('en-US')} deep`);
      const t0 = performance.now();
      const answers: string[] = [];
      for (let i = 0; i < COUNT; i++) {
        // JSON.stringify of this depth would overflow this process's stack too: the body is written by hand.
        const body = `{"query":${JSON.stringify(CREATE_RUN)},"variables":{"p":${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}}}`;
        const answer = await httpRequest(gateway.url, { agent, body, headers: { 'content-type': 'application/json' }, timeoutMs: 30_000 })
          .then(classify)
          .catch((error: NodeJS.ErrnoException) => ({ status: 0, code: error.code ?? 'socket error', reason: undefined }));
        answers.push(`${answer.status} ${answer.code}${answer.reason ? `/${answer.reason}` : ''}`);
      }
      const seconds = (performance.now() - t0) / 1000;
      const state = await metric(gateway.origin, 'gateway_upstream_breaker_state');
      const opened = (await metric(gateway.origin, 'gateway_upstream_breaker_transitions_total', { state: 'open' })) ?? 0;
      const readiness = await httpRequest(`${gateway.origin}/readiness`, { timeoutMs: 5_000 });
      const other = await gql(gateway.url, '{ run(threadId: "thread_demo", runId: "run_demo_completed") { status } }');
      agent.destroy();
      const unavailable = answers.filter((a) => a.includes('UPSTREAM_UNAVAILABLE')).length;
      const refused = answers.filter((a) => a === '400 BAD_USER_INPUT').length;
      return [
        {
          id: 'W4',
          title: "bad client input and the shared circuit breaker",
          sent: `${COUNT} \`createRun\`s whose \`tools[].function.parameters\` nest ${DEPTH.toLocaleString('en-US')} deep (${Math.round((DEPTH * 6) / 1000)} kB each) in ${seconds.toFixed(1)} s, default rate limit; then /readiness and another query`,
          before: '50 × UPSTREAM_UNAVAILABLE/network, the circuit opened: every caller got circuit_open for 4.9 s and /readiness answered 503',
          after: `${tally(answers)}; breaker state ${state ?? 'n/a'} (0 closed), opened ${opened} times; /readiness ${readiness.status}; another caller: ${other.code}`,
          target: 'every one refused as BAD_USER_INPUT before any attempt, 0 UPSTREAM_UNAVAILABLE, circuit closed, /readiness 200, others served',
          pass: refused === COUNT && unavailable === 0 && state === 0 && opened === 0 && readiness.status === 200 && other.code === 'ok',
        },
      ];
    } finally {
      await gateway.process.kill();
    }
  },
};
