/**
 * `npm run bench:compression`: what response compression costs and saves. A real gateway over the embedded runs API
 * answers a thread page of 50 runs with their steps and messages (bench/pages.ts's THREAD_PAGE) and a small answer
 * just over COMPRESSION_MIN_BYTES, each asked with `Accept-Encoding` br, gzip and none: the bytes on the wire. Then
 * the plugin's own compress() (brotli quality 4, gzip level 6) on the same bodies, one at a time: CPU per response
 * (process.cpuUsage counts libuv's pool threads too) and wall time.
 */
import { performance } from 'node:perf_hooks';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { loadConfig } from '../src/config.js';
import { startRunsApi } from '../src/runs-api/index.js';
import { createGateway } from '../src/server/app.js';
import { compress } from '../src/server/compression.js';
import type { ContentEncoding } from '../src/server/static-assets.js';
import { createAssistants, restClient, threadWithRuns } from './lib/fixtures.js';
import { writeOwnedSection } from './lib/owned-sections.js';
import { THREAD_PAGE } from './pages.js';

const RUNS = 50;
/** Long enough for the CPU clock (µs) to be read to 1 %; the whole bench stays well under a minute. */
const BUDGET_MS = 2_000;

const api = await startRunsApi({ port: 0, stepMs: 2, demoData: false });
const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', UPSTREAM_BASE_URL: api.url, UPSTREAM_READ_CACHE_MS: '0', RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000' });
const gateway = createGateway({ config });
await gateway.listen(0, '127.0.0.1');

interface Answer {
  body: Buffer;
  wire: Record<ContentEncoding | 'identity', number>;
}

/** One operation asked three times, once per encoding: the encoded length each time, checked to decode to the same JSON. */
async function ask(query: string, variables: Record<string, unknown>): Promise<Answer> {
  const send = async (acceptEncoding: string) => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', 'accept-encoding': acceptEncoding },
      body: JSON.stringify({ query, variables }),
    });
    const raw = Buffer.from(await response.arrayBuffer());
    return { raw, encoding: response.headers.get('content-encoding'), length: Number(response.headers.get('content-length')) };
  };
  const identity = await send('identity');
  const br = await send('br');
  const gzip = await send('gzip');
  const body = identity.raw;
  if ((JSON.parse(String(body)) as { errors?: unknown }).errors) throw new Error(`the operation failed: ${String(body).slice(0, 300)}`);
  for (const [name, answer] of [['br', br], ['gzip', gzip]] as const) {
    if (answer.encoding !== name) throw new Error(`asked for ${name}, got ${answer.encoding ?? 'none'} (${body.length} bytes)`);
  }
  return { body, wire: { identity: identity.length || body.length, br: br.length, gzip: gzip.length } };
}

/** fetch decodes br and gzip itself (the sizes above are the Content-Length sent): this checks the forms decode back to the body. */
async function checkDecodes(body: Buffer): Promise<void> {
  const [br, gzip] = await Promise.all([compress(body, 'br'), compress(body, 'gzip')]);
  if (!brotliDecompressSync(br).equals(body) || !gunzipSync(gzip).equals(body)) throw new Error('a compressed form does not decode to the body');
}

function cpuPerResponse(body: Buffer, encoding: ContentEncoding): Promise<{ cpuUs: number; wallUs: number; count: number }> {
  return (async () => {
    for (let warm = 0; warm < 20; warm += 1) await compress(body, encoding);
    const cpu = process.cpuUsage();
    const started = performance.now();
    let count = 0;
    while (performance.now() - started < BUDGET_MS) {
      await compress(body, encoding);
      count += 1;
    }
    const wallUs = ((performance.now() - started) * 1000) / count;
    const used = process.cpuUsage(cpu);
    return { cpuUs: (used.user + used.system) / count, wallUs, count };
  })();
}

try {
  const rest = restClient(api.url);
  const assistants = await createAssistants(rest, ['Bench one', 'Bench two']);
  const { threadId } = await threadWithRuns(rest, assistants, RUNS);
  const page = await ask(THREAD_PAGE, { threadId, n: RUNS });
  // The smallest page of this thread that is still compressed: a body just over the threshold.
  let small: Answer | undefined;
  for (let n = 1; n <= RUNS && small === undefined; n += 1) {
    const query = `query Runs($threadId: ID!, $n: Int!) { thread(id: $threadId) { runs(first: $n) { edges { node { id runId status createdAt completedAt model } } } } }`;
    const answer = await ask(query, { threadId, n }).catch(() => undefined);
    if (answer && answer.body.length >= config.compression.minBytes) small = answer;
  }
  if (small === undefined) throw new Error('no answer reached the threshold');

  const rows: string[] = [];
  for (const [label, answer] of [[`thread page, ${RUNS} runs with steps and a message each`, page], [`just over the threshold (COMPRESSION_MIN_BYTES=${config.compression.minBytes})`, small]] as const) {
    await checkDecodes(answer.body);
    for (const encoding of ['br', 'gzip'] as const) {
      const cost = await cpuPerResponse(answer.body, encoding);
      const sent = answer.wire[encoding];
      const saved = answer.body.length - sent;
      rows.push(
        `| ${label} | ${encoding} | ${answer.body.length.toLocaleString('en')} | ${sent.toLocaleString('en')} (${((100 * sent) / answer.body.length).toFixed(1)} %) | ${saved.toLocaleString('en')} | ${cost.cpuUs.toFixed(0)} | ${cost.wallUs.toFixed(0)} | ${(saved / cost.cpuUs).toFixed(1)} |`,
      );
    }
  }
  const lines = [
    '## Response compression (issue 19)',
    '',
    '`npm run bench:compression`: a real gateway (`COMPRESSION=on`, the default) over the embedded runs API; each answer asked with `Accept-Encoding: br`, `gzip` and `identity` (bytes: the `Content-Length` sent), then the plugin\'s compress() on the same body, one call at a time (brotli quality 4, gzip level 6, in libuv\'s pool; CPU from process.cpuUsage, all threads).',
    '',
    '| answer | encoding | body bytes | sent bytes | saved bytes | CPU µs / response | wall µs / response | bytes saved per µs CPU |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Server-Sent Events and multipart (incremental) answers are never compressed (test/e2e/compression.test.ts checks they stream).',
  ];
  console.log(lines.join('\n'));
  writeOwnedSection(process.env['BENCH_OUT'] ?? 'BENCHMARKS.md', 'compression', 'npm run bench:compression (bench/compression.ts)', lines.join('\n'));
} finally {
  await gateway.close();
  await api.close();
}
process.exit(0);
