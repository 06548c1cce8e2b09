/**
 * W10 and W12: malformed input is a 4xx with a code, never a 500, a masked internal error or an echo of the
 * parser's message. The named cases of 2026-12 first, then a seeded fuzz (mulberry32) over the same kinds of
 * input as probe 5, smaller. Every body carries a marker, so that an echo of it in an answer is found.
 */
import { Agent } from 'node:http';
import { httpRequest, type HttpAnswer } from './clients.js';
import { startGateway } from './processes.js';
import { tally, type Family } from './probe.js';

const SEED = 20261202;
const FUZZ_CASES = 400;
const MARKER = 'ZQXMARK';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  kind: string;
  body: string | Buffer;
  contentType?: string;
}

const RUN_QUERY = 'query ($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { status } }';
const nested = (depth: number, leaf: string) => `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;
const variablesBody = (query: string, variables: string) => `{"query":${JSON.stringify(query)},"variables":${variables}}`;

/** The named cases of probes-2026-12.md (W10, W12). */
function namedCases(): Case[] {
  return [
    { kind: 'variables 6,000 deep', body: variablesBody(RUN_QUERY, `{"t":"thread_demo","r":"run_demo_completed","x":${nested(6_000, `"${MARKER}"`)}}`) },
    { kind: 'variables 100,000 deep', body: variablesBody(RUN_QUERY, `{"t":"thread_demo","r":"run_demo_completed","x":${nested(100_000, '1')}}`) },
    {
      kind: 'tool parameters 6,000 deep',
      body: variablesBody(
        'mutation ($p: JSONObject) { createRun(input: { threadId: "thread_demo_idle", assistantId: "asst_demo_plain", tools: [{ function: { name: "f", parameters: $p } }] }) { run { runId } } }',
        `{"p":${'{"a":'.repeat(6_000)}1${'}'.repeat(6_000)}}`,
      ),
    },
    { kind: 'lone surrogate in runId', body: variablesBody(RUN_QUERY, '{"t":"thread_demo","r":"run_\\ud800x"}') },
    { kind: 'lone surrogate in threadId', body: variablesBody(RUN_QUERY, '{"t":"thread_\\udfff","r":"run_demo_completed"}') },
    { kind: 'invalid JSON: truncated', body: `{"query":"{ __typename }","variables":{"${MARKER}":` },
    { kind: 'invalid JSON: single quotes', body: `{'query': '{ __typename }', '${MARKER}': 1}` },
    { kind: 'invalid JSON: trailing comma', body: `{"query":"{ __typename }","${MARKER}":1,}` },
    { kind: 'invalid JSON: raw bytes', body: Buffer.concat([Buffer.from(`{"query":"${MARKER}`), Buffer.from([0xff, 0xfe, 0x00, 0xc3]), Buffer.from('"}')]) },
    { kind: 'invalid JSON: NUL', body: `{"query":"{ __typename }"\u0000,"${MARKER}":1}` },
    { kind: 'JSON but not an object', body: `["${MARKER}"]` },
    { kind: 'query not a string', body: `{"query":{"${MARKER}":1}}` },
  ];
}

function fuzzCases(count: number): Case[] {
  const random = mulberry32(SEED);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const int = (n: number) => Math.floor(random() * n);
  const tokens = ['{', '}', '(', ')', '[', ']', ':', '$', '@', '...', 'query', 'mutation', 'subscription', 'fragment', 'on', 'run', 'nodes', 'ids', '"x"', '1', 'true', 'null', '#', ',', '=', '!', MARKER];
  const weird = ['../', '%2F', '?', '#', '.', '..', '\u202e', '\u0000', '\ufeff', '\ud83d\ude00', '\\ud800', 'run_\\udc00', 'a'.repeat(int(100_000))];
  const jsonValue = (depth: number): string => {
    const r = random();
    if (depth > 4 || r < 0.3) return pick(['1', '-0', '1e309', 'true', 'null', `"${MARKER}"`, '""', '"\\u0000"']);
    if (r < 0.65) return `[${Array.from({ length: int(4) }, () => jsonValue(depth + 1)).join(',')}]`;
    return `{${Array.from({ length: int(4) }, (_, i) => `"k${i}":${jsonValue(depth + 1)}`).join(',')}}`;
  };
  const kinds: Array<[string, () => Case]> = [
    ['random JSON body', () => ({ kind: 'random JSON body', body: jsonValue(0) })],
    ['token soup', () => ({ kind: 'token soup', body: JSON.stringify({ query: Array.from({ length: 1 + int(40) }, () => pick(tokens)).join(' ') }) })],
    ['random variables', () => ({ kind: 'random variables', body: variablesBody(RUN_QUERY, `{"t":${jsonValue(2)},"r":${jsonValue(2)}}`) })],
    ['deep variables', () => ({ kind: 'deep variables', body: variablesBody(RUN_QUERY, `{"t":"thread_demo","r":${nested(50 + int(20_000), '1')}}`) })],
    ['odd ids', () => ({ kind: 'odd ids', body: variablesBody(RUN_QUERY, `{"t":"thread_${pick(weird)}","r":"run_${pick(weird)}${MARKER}"}`) })],
    ['long lists', () => ({ kind: 'long lists', body: JSON.stringify({ query: 'query ($i: [ID!]!) { nodes(ids: $i) { id } }', variables: { i: Array.from({ length: int(3_000) }, (_, j) => `thread_${MARKER}${j}`) } }) })],
    ['broken JSON', () => ({ kind: 'broken JSON', body: `{"query":"{ run(threadId: \\"${MARKER}\\""${pick(['', ',', '}', ']', '\\', '"x', ':'])}` })],
    ['content types', () => ({ kind: 'content types', body: `{"query":"{ __typename }","x":"${MARKER}"}`, contentType: pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/graphql', 'multipart/form-data; boundary=x']) })],
  ];
  return Array.from({ length: count }, (_, i) => kinds[i % kinds.length]![1]());
}

const isJson = (body: string | Buffer) => {
  try {
    JSON.parse(body.toString());
    return true;
  } catch {
    return false;
  }
};

/**
 * What is wrong with an answer, or undefined when it is a typed 2xx/4xx without echoes. Only answers to bodies
 * that are not JSON must not carry the marker: GraphQL's own messages name the caller's tokens and values.
 */
function flaw(answer: HttpAnswer, body: string | Buffer): string | undefined {
  if (answer.status >= 500) return `HTTP ${answer.status}`;
  if (!isJson(body) && answer.text.includes(MARKER)) return 'echoes the body';
  if (/Unexpected token|JSON at position|is not valid JSON|Unterminated string|Bad control character|Expected property name|originalError/.test(answer.text)) return "echoes the parser's message";
  if (/INTERNAL_SERVER_ERROR|Unexpected error\./.test(answer.text)) return 'masked internal error';
  return undefined;
}

export const input: Family = {
  name: 'input hygiene',
  ids: ['W10', 'W12'],
  async run(log) {
    const gateway = await startGateway({ label: 'gateway' });
    try {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const send = async (c: Case) => {
        const answer = await httpRequest(gateway.url, { agent, body: c.body, headers: { 'content-type': c.contentType ?? 'application/json', accept: 'application/json' }, timeoutMs: 30_000 }).catch(
          (error: NodeJS.ErrnoException) => ({ status: 0, headers: {}, text: `socket ${error.code ?? error.message}`, ms: Number.NaN }),
        );
        const code = /"code":"([A-Z_]+)"/.exec(answer.text)?.[1];
        const message = /"message":"((?:[^"\\]|\\.)*)"/.exec(answer.text)?.[1]?.replace(/(got invalid value|must not be null).*$/, '$1 …') ?? answer.text.slice(0, 60);
        return { kind: c.kind, status: answer.status, code, ms: answer.ms, json: isJson(c.body), message, flaw: answer.status === 0 ? answer.text : flaw(answer, c.body) };
      };
      log(`W10/W12: ${namedCases().length} named cases, then ${FUZZ_CASES} fuzz cases (seed ${SEED})`);
      const named = [];
      for (const c of namedCases()) named.push(await send(c));
      const fuzz = [];
      const t0 = performance.now();
      for (const c of fuzzCases(FUZZ_CASES)) fuzz.push(await send(c));
      const seconds = (performance.now() - t0) / 1000;
      const health = await httpRequest(`${gateway.origin}/health`, { timeoutMs: 5_000 }).catch(() => ({ status: 0 }));
      agent.destroy();
      const errorLines = gateway.process.lines.filter((line) => /"level":(50|60)/.test(line));
      const all = [...named, ...fuzz];
      const flawed = all.filter((r) => r.flaw !== undefined);
      const byFlaw = (f: (r: (typeof all)[number]) => boolean) => all.filter((r) => r.flaw !== undefined && f(r));
      const internal = byFlaw((r) => r.flaw!.startsWith('HTTP') || r.flaw === 'masked internal error' || r.status === 0);
      const echoes = byFlaw((r) => r.flaw!.startsWith('echoes'));
      const slowest = all.reduce((a, b) => (b.ms > a.ms ? b : a));
      const uncoded = all.filter((r) => r.code === undefined && r.status >= 400 && r.status !== 0);
      const uncoded400 = uncoded.filter((r) => r.status === 400);
      const namedText = named.map((r) => `${r.kind} → ${r.status} ${r.code ?? ''}`.trim()).join('; ');
      return [
        {
          id: 'W10',
          title: 'bad input as internal errors',
          sent: `${named.length} named cases (variables 6,000 and 100,000 deep, lone surrogates in ids, broken JSON) and ${FUZZ_CASES} seeded fuzz cases (${seconds.toFixed(1)} s)`,
          before: 'variables ≥ 6,000 deep → HTTP 500; a lone surrogate in an id → masked INTERNAL_SERVER_ERROR; fuzz: 31 × 500 and 25 masked errors in 2,000 cases',
          after: `${internal.length} × 5xx or masked internal error in ${all.length} cases; ${errorLines.length} log lines at level ≥ 50; ${uncoded400.length} × 400 without \`extensions.code\`${uncoded400.length ? ` (${tally(uncoded400.map((r) => r.message.replace(/\\"/g, '"')))})` : ''}, ${uncoded.length - uncoded400.length} other 4xx without one (${tally(uncoded.filter((r) => r.status !== 400).map((r) => `${r.status} ${r.message}`))}); named: ${namedText}; slowest ${slowest.kind} ${slowest.ms.toFixed(0)} ms; /health ${health.status}`,
          target: 'malformed input is a 400 with a code (or 200 with a typed error): 0 × 5xx, 0 masked internal errors, 0 × 400 without a code, 0 error log lines, no crash',
          pass: internal.length === 0 && uncoded400.length === 0 && errorLines.length === 0 && health.status === 200 && named.slice(0, 5).every((r) => r.code === 'BAD_USER_INPUT'),
          notes: [
            `answers: ${tally(all.map((r) => `${r.status} ${r.code ?? ''}`.trim()))}`,
            ...(internal.length ? [`internal: ${tally(internal.map((r) => `${r.kind}: ${r.flaw}`))}`] : [])],
        },
        {
          id: 'W12',
          title: "parser messages echoed in production",
          sent: `the same ${all.length} cases (${all.filter((r) => !r.json).length} of them not JSON), each body carrying a marker`,
          before: "yoga echoed `originalError` (V8's JSON message with an excerpt of the body) for invalid JSON: 111 of 2,000 fuzz answers",
          after: `${echoes.length} answers echo the body or the parser's message${echoes.length ? ` (${tally(echoes.map((r) => r.kind))})` : ''}; bodies that are not JSON answered ${tally(all.filter((r) => !r.json).map((r) => `${r.status} ${r.code ?? ''}`))}`,
          target: "0 echoes: invalid JSON is a 400 BAD_REQUEST with a fixed message",
          pass: echoes.length === 0,
        },
      ];
    } finally {
      await gateway.process.kill();
    }
  },
};
