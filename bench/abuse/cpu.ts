/**
 * W2 and W3: what one client's expensive requests cost the others. A victim (its own API key, so its own rate
 * limit) sends a small cached query 8 times a second on a keep-alive connection while an attacker, with another
 * key and the default rate limit, sends as fast as the gateway lets it:
 *  - W2: 2 MB bodies, invalid JSON (1 and 4 connections, as in 2026-12) and valid JSON with a 2 MB unused variable;
 *  - W3: `nodes(ids:)` with 50,000 unknown ids, and with 120,000 copies of one id.
 * Each level runs for LEVEL_MS; the victim's latencies are taken per level.
 */
import { Agent } from 'node:http';
import { summary } from '../lib/stats.js';
import { classify, gql, httpRequest, JSON_HEADERS } from './clients.js';
import { startGateway } from './processes.js';
import { closedLoop, defaults, ms, tally, type Family, type ProbeResult } from './probe.js';

const LEVEL_MS = 6_000;
const VICTIM_PER_SECOND = 8;
const VICTIM_P50_TARGET_MS = 50;
const BODY_BYTES = 2_000_000;
const KEYS = { victim: 'victim-key-0123456789abcdef', bodies: 'bodies-key-0123456789abcdef', nodes: 'nodes-key-0123456789abcdef' };
const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const VICTIM_QUERY = '{ run(threadId: "thread_demo", runId: "run_demo_completed") { status assistant { name } } }';

/** The gateway's default rate (this probe leaves RATE_LIMIT_PER_SECOND unset). */
const perSecond = defaults.security.rateLimit.perSecond;

type Attack = (agent: Agent) => Promise<{ status: number; code: string; ms: number; bytes: number }>;

/** At most `rate` calls a second from each connection (the closed loop still waits for each answer). */
function pacedBy(rate: number, attack: Attack): Attack {
  let next = performance.now();
  return async (agent) => {
    const wait = next - performance.now();
    next = Math.max(next, performance.now()) + 1000 / rate;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    return attack(agent);
  };
}

/** Spends a client's burst with cheap operations until it is refused; how many it took. */
async function drainBucket(url: string, key: string): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  let sent = 0;
  try {
    for (let round = 0; round < 100; round++) {
      const answers = await Promise.all(Array.from({ length: 8 }, () => gql(url, '{ __typename }', {}, { agent, headers: auth(key) })));
      sent += answers.length;
      if (answers.some((a) => a.status === 429)) return sent;
    }
    return sent;
  } finally {
    agent.destroy();
  }
}

interface Level {
  label: string;
  victim: ReturnType<typeof summary>;
  victimErrors: number;
  attacker: { requests: number; bytes: number; answers: string[]; ms: ReturnType<typeof summary> };
}

export const cpu: Family = {
  name: 'cpu per request',
  ids: ['W2', 'W3'],
  async run(log, selected) {
    const gateway = await startGateway({
      label: 'gateway (api keys, default rate limit)',
      env: {
        GATEWAY_AUTH: 'api-key',
        GATEWAY_API_KEYS: Object.entries(KEYS).map(([subject, key]) => `${subject}:${key}`).join(','),
        // The default rate limit: the attacker sends as fast as it allows.
        RATE_LIMIT_PER_SECOND: undefined,
      },
    });
    try {
      const victimAgent = new Agent({ keepAlive: true, maxSockets: 1 });
      for (let i = 0; i < 10; i++) await gql(gateway.url, VICTIM_QUERY, {}, { agent: victimAgent, headers: auth(KEYS.victim) });

      const level = async (label: string, connections: number, attack: Attack | undefined): Promise<Level> => {
        log(`  ${label}`);
        let stop = false;
        const latencies: number[] = [];
        let victimErrors = 0;
        const attacker = { requests: 0, bytes: 0, answers: [] as string[], times: [] as number[] };
        const agents = Array.from({ length: connections }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
        const victim = closedLoop(
          () => stop,
          async () => {
            const answer = await gql(gateway.url, VICTIM_QUERY, {}, { agent: victimAgent, headers: auth(KEYS.victim), timeoutMs: 15_000 }).catch(() => undefined);
            if (answer?.code === 'ok') latencies.push(answer.ms);
            else victimErrors++;
          },
          VICTIM_PER_SECOND,
        );
        const attackers = attack
          ? agents.map((agent) =>
              closedLoop(
                () => stop,
                async () => {
                  const answer = await attack(agent);
                  attacker.requests++;
                  attacker.bytes += answer.bytes;
                  attacker.answers.push(`${answer.status} ${answer.code}`);
                  attacker.times.push(answer.ms);
                },
              ),
            )
          : [];
        await new Promise((resolve) => setTimeout(resolve, LEVEL_MS));
        stop = true;
        await Promise.all([victim, ...attackers]);
        for (const agent of agents) agent.destroy();
        return { label, victim: summary(latencies), victimErrors, attacker: { requests: attacker.requests, bytes: attacker.bytes, answers: attacker.answers, ms: summary(attacker.times) } };
      };

      const invalidBody = Buffer.alloc(BODY_BYTES, 'x');
      invalidBody.write('{"query":"{ __typename }","variables":{"s":"', 0);
      const validBody = Buffer.from(`{"query":"{ __typename }","variables":{"s":"${'x'.repeat(BODY_BYTES - 50)}"}}`);
      const post = (body: Buffer, key: string) => async (agent: Agent) => {
        const answer = await httpRequest(gateway.url, { agent, headers: { ...JSON_HEADERS, ...auth(key) }, body, timeoutMs: 30_000 })
          .then(classify)
          .catch((error: NodeJS.ErrnoException) => ({ status: 0, code: error.code ?? 'socket error', ms: Number.NaN }));
        return { status: answer.status, code: answer.code, ms: answer.ms, bytes: body.length };
      };
      const nodesBody = (ids: string[]) => Buffer.from(JSON.stringify({ query: 'query ($i: [ID!]!) { nodes(ids: $i) { id } }', variables: { i: ids } }));
      const unknownIds = nodesBody(Array.from({ length: 50_000 }, (_, j) => `thread_x${j}`));
      const sameId = nodesBody(Array.from({ length: 120_000 }, () => 'thread_demo'));

      const baseline = await level('baseline: the victim alone', 0, undefined);
      const results: ProbeResult[] = [];
      const rate = (l: Level) => `${(l.attacker.requests / (LEVEL_MS / 1000)).toFixed(1)} req/s, ${(l.attacker.bytes / 1e6 / (LEVEL_MS / 1000)).toFixed(1)} MB/s`;
      const victimText = (l: Level) => `victim p50 ${ms(l.victim.p50, 1)} (p99 ${ms(l.victim.p99, 1)}, n ${l.victim.n}${l.victimErrors ? `, ${l.victimErrors} failed` : ''})`;
      const victimOk = (l: Level) => l.victim.p50 < VICTIM_P50_TARGET_MS && l.victimErrors === 0 && l.victim.n > 0;
      const notes = (ls: Level[]) => [
        `baseline: ${victimText(baseline)}`,
        ...ls.map((l) => `${l.label}: attacker ${rate(l)}, answers ${tally(l.attacker.answers)} (p50 ${ms(l.attacker.ms.p50, 1)}); ${victimText(l)}`),
      ];
      if (selected.has('W2')) {
        const invalidOne = await level('2 MB invalid-JSON bodies, 1 connection', 1, post(invalidBody, KEYS.bodies));
        const invalidFour = await level('2 MB invalid-JSON bodies, 4 connections', 4, post(invalidBody, KEYS.bodies));
        // "As fast as its rate limit allows": the burst spent first, then one operation per token as it arrives.
        const drained = await drainBucket(gateway.url, KEYS.bodies);
        const paced = await level(`2 MB valid bodies at the rate limit (${perSecond}/s, burst spent)`, 1, pacedBy(perSecond, post(validBody, KEYS.bodies)));
        // A client that ignores 429 and keeps sending: every refused body is still read and parsed.
        const ignoring = await level('2 MB valid bodies, 4 connections ignoring 429', 4, post(validBody, KEYS.bodies));
        const w2 = [invalidOne, invalidFour, paced];
        results.push({
          id: 'W2',
          title: 'CPU per body byte: one client sends 2 MB bodies as fast as allowed',
          sent: `one client (own key, default rate limit) sending 2 MB bodies for ${LEVEL_MS / 1000} s per level: invalid JSON in a closed loop on 1 and 4 connections; valid JSON (\`{ __typename }\` and a 2 MB unused variable) at its rate limit after spending its burst; the same on 4 connections ignoring 429; a victim with another key at ${VICTIM_PER_SECOND} req/s`,
          before: 'victim p50 4.8 → 349 / 1,317 / 2,909 ms with 1 / 2 / 4 connections of 1.9 MB invalid-JSON bodies (attacker 2.5 req/s, 5 MB/s); p99 up to 3.8 s',
          after: `victim p50 ${ms(baseline.victim.p50, 1)} alone → ${w2.map((l) => ms(l.victim.p50, 1)).join(' / ')} (p99 ${w2.map((l) => ms(l.victim.p99, 0)).join(' / ')}) with invalid JSON on 1 / 4 connections / valid at the rate limit; attacker ${w2.map(rate).join(' / ')}. Ignoring 429 on 4 connections (${rate(ignoring)}): victim p50 ${ms(ignoring.victim.p50, 1)}`,
          target: `victim p50 < ${VICTIM_P50_TARGET_MS} ms while the attacker sends invalid JSON (1, 4 connections) and valid bodies at its rate limit; no victim request failed (the 429-ignoring level is reported, not judged)`,
          pass: w2.every(victimOk),
          notes: [...notes([...w2, ignoring]), `burst spent first with ${drained} cheap operations`],
        });
      }
      if (selected.has('W3')) {
        const w3 = [
          await level('nodes(ids:) 50,000 unknown ids, 1 connection', 1, post(unknownIds, KEYS.nodes)),
          await level('nodes(ids:) 120,000 copies of one id, 1 connection', 1, post(sameId, KEYS.nodes)),
        ];
        const refused = (l: Level) => l.attacker.requests > 0 && l.attacker.answers.every((a) => a === '400 BAD_USER_INPUT' || a.startsWith('429 '));
        results.push({
          id: 'W3',
          title: 'unbounded list argument: nodes(ids:)',
          sent: `one client posting \`nodes(ids:)\` with 50,000 unknown ids (0.79 MB), then 120,000 copies of one id, in a closed loop for ${LEVEL_MS / 1000} s each; a victim at ${VICTIM_PER_SECOND} req/s`,
          before: '50,000 ids: 3.2–4.0 s of event loop per request; others got 3 answers in 20 s (2 timed out at 10 s); 120,000 copies: 3.3 s and a 4.08 MB answer',
          after: `${w3.map((l) => `${tally(l.attacker.answers)} (p50 ${ms(l.attacker.ms.p50, 1)})`).join('; ')}; ${w3.map(victimText).join('; ')}`,
          target: `refused with BAD_USER_INPUT (at most ${defaults.security.inputBounds.maxListItems} list items, 100 ids) before any work; victim p50 < ${VICTIM_P50_TARGET_MS} ms`,
          pass: w3.every((l) => refused(l) && victimOk(l)),
          notes: notes(w3),
        });
      }
      victimAgent.destroy();
      return results;
    } finally {
      await gateway.process.kill();
    }
  },
};
