/**
 * Section 2: what the gateway adds to one `run` read, against a direct GET of the same run on the embedded
 * API, with autocannon (in this process; the gateway and the API run in processes of their own). Latencies
 * are taken per response with sub-millisecond precision (autocannon's own histogram rounds to 1 ms).
 */
import autocannon from 'autocannon';
import type { Child } from './lib/rpc.js';
import { RUN_QUERY } from './pages.js';
import { summary } from './lib/stats.js';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  /** Upstream requests the embedded API answered during the run. */
  upstream: number;
  /** CPU time of the server process (gateway, or the API for a direct GET) per request, in ms: unlike req/s, not lowered by other work on the machine. */
  cpuMsPerRequest: number;
}

export interface LoadTarget {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

export function directTarget(apiUrl: string, threadId: string, runId: string): LoadTarget {
  return { url: `${apiUrl}/threads/${threadId}/runs/${runId}`, method: 'GET', headers: { 'openai-beta': 'assistants=v2' } };
}

export function gatewayTarget(gatewayUrl: string, threadId: string, runId: string): LoadTarget {
  return {
    url: gatewayUrl,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query: RUN_QUERY, variables: { t: threadId, r: runId } }),
  };
}

/** autocannon for `seconds` (after a warm-up of its own), counting what reached the upstream meanwhile. */
export async function load(api: Child, target: LoadTarget, connections: number, seconds: number, warmupSeconds = 1, server?: Child): Promise<LoadResult> {
  if (warmupSeconds > 0) await cannon(target, connections, warmupSeconds);
  await api.call('reset');
  // The server's CPU over the run: the gateway's (statsStart/stats) or the API's own (cpuStart/cpu).
  await (server ? server.call('statsStart') : api.call('cpuStart'));
  const started = process.hrtime.bigint();
  const result = await cannon(target, connections, seconds);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const share = server ? (await server.call<{ cpu: number }>('stats')).cpu : await api.call<number>('cpu');
  const counts = await api.call<Record<string, number>>('counts');
  return { ...result, upstream: Object.values(counts).reduce((a, b) => a + b, 0), cpuMsPerRequest: (share * wallMs) / Math.max(result.requests, 1) };
}

function cannon(target: LoadTarget, connections: number, seconds: number): Promise<Omit<LoadResult, 'upstream' | 'cpuMsPerRequest'>> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: target.url, method: target.method, headers: target.headers, ...(target.body ? { body: target.body } : {}), connections, pipelining: 1, duration: seconds, timeout: 10 },
      (error, result) => {
        if (error) return reject(error);
        const s = summary(latencies);
        resolve({
          rps: result.requests.total / Math.max(result.duration, 1e-9),
          p50: s.p50,
          p99: s.p99,
          requests: result.requests.total,
          errors: result.errors + result.timeouts + result.non2xx,
        });
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}
