/**
 * Section 1 (and the page half of section 4): upstream calls per frontend page, counted by the embedded
 * API itself, for the gateway as built, the gateway with loaders and dedupe off, and a hand-written REST client.
 */
import type { Child } from './lib/rpc.js';
import { encodeGlobalId } from '../src/schema/ids.js';
import { clientHeaders, gql } from './lib/graphql.js';
import { restClient, type RestClient } from './lib/fixtures.js';

export const THREAD_PAGE = /* GraphQL */ `
  query ThreadPage($threadId: ID!, $n: Int!) {
    thread(id: $threadId) {
      id threadId createdAt metadata
      runs(first: $n) {
        pageInfo { hasNextPage endCursor }
        edges {
          node {
            id runId status createdAt completedAt model
            assistant { id name model }
            steps(first: 5) { edges { node { stepId type status } } }
            messages(first: 1) { edges { node { messageId role createdAt content { __typename ... on MessageContentText { text { value } } } } } }
          }
        }
      }
    }
  }
`;

export const DASHBOARD = /* GraphQL */ `
  query Dashboard($ids: [ID!]!) {
    nodes(ids: $ids) {
      id
      ... on RunObject { runId threadId status createdAt completedAt model assistant { id name } }
    }
  }
`;

export const RUN_QUERY = 'query Run($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { id runId status model createdAt completedAt assistantId metadata } }';

export interface PageFixtures {
  threadId: string;
  /** Runs of the page thread, newest first (as the page lists them). */
  threadRuns: string[];
  /** Runs in threads of their own, for the dashboard. */
  dashboardRuns: Array<{ threadId: string; runId: string }>;
  assistants: string[];
  /** assistant id of each run id */
  assistantOf: Map<string, string>;
}

/** gateway: as built; no-cache: read cache off (UPSTREAM_READ_CACHE_MS=0), the rest on; off: loaders, dedupe, sharing and cache off. */
export type Mode = 'gateway' | 'no-cache' | 'off' | 'rest';
export const MODES: Mode[] = ['gateway', 'no-cache', 'off', 'rest'];

export class PageBench {
  readonly rest: RestClient;
  constructor(
    private readonly api: Child<{ url: string }>,
    private readonly gateway: Child<{ url: string }>,
    private readonly fx: PageFixtures,
  ) {
    this.rest = restClient(api.ready.url);
  }

  /** Upstream requests made while `work` ran, in total and by route. */
  async calls(work: () => Promise<unknown>): Promise<{ total: number; byRoute: Record<string, number> }> {
    await this.api.call('reset');
    await work();
    const byRoute = await this.api.call<Record<string, number>>('counts');
    return { total: Object.values(byRoute).reduce((a, b) => a + b, 0), byRoute };
  }

  async setMode(mode: Mode): Promise<void> {
    if (mode === 'rest') return;
    await this.gateway.call('mode', mode === 'off' ? { loaders: false, dedupe: false, readCache: false } : { loaders: true, dedupe: true, readCache: mode === 'gateway' });
  }

  distinctThreadPage(n: number): number {
    const runs = this.fx.threadRuns.slice(0, n);
    return 2 + new Set(runs.map((r) => this.fx.assistantOf.get(r))).size + 2 * runs.length;
  }

  distinctDashboard(n: number): number {
    const runs = this.fx.dashboardRuns.slice(0, n);
    return runs.length + new Set(runs.map((r) => this.fx.assistantOf.get(r.runId))).size;
  }

  distinctRun(): number {
    return 1;
  }

  /** The thread page of `n` runs, once per client, all clients at once (each with headers of its own). */
  threadPage(mode: Mode, n: number, clients = 1): Promise<unknown> {
    return Promise.all(
      Array.from({ length: clients }, async (_, i) => {
        if (mode === 'rest') return restThreadPage(restClient(this.api.ready.url, clientHeaders(i)), this.fx.threadId, n);
        const data = await gql(this.gateway.ready.url, THREAD_PAGE, { threadId: this.fx.threadId, n }, clientHeaders(i));
        if (data.thread.runs.edges.length !== n) throw new Error(`thread page: ${data.thread.runs.edges.length} runs, not ${n}`);
        return data;
      }),
    );
  }

  dashboard(mode: Mode, n: number, clients = 1): Promise<unknown> {
    const runs = this.fx.dashboardRuns.slice(0, n);
    const ids = runs.map((r) => encodeGlobalId('RunObject', `${r.threadId}:${r.runId}`));
    return Promise.all(
      Array.from({ length: clients }, async (_, i) => {
        if (mode === 'rest') return restDashboard(restClient(this.api.ready.url, clientHeaders(i)), runs);
        const data = await gql(this.gateway.ready.url, DASHBOARD, { ids }, clientHeaders(i));
        if (data.nodes.filter((node: unknown) => node).length !== n) throw new Error('dashboard: runs missing');
        return data;
      }),
    );
  }

  oneRun(mode: Mode, clients = 1): Promise<unknown> {
    const { threadId } = this.fx;
    const runId = this.fx.threadRuns[0]!;
    return Promise.all(
      Array.from({ length: clients }, async (_, i) => {
        if (mode === 'rest') return restClient(this.api.ready.url, clientHeaders(i)).call('GET', `/threads/${threadId}/runs/${runId}`);
        return gql(this.gateway.ready.url, RUN_QUERY, { t: threadId, r: runId }, clientHeaders(i));
      }),
    );
  }
}

/**
 * What a hand-written frontend does for the thread page: the thread and its runs, then per run its
 * assistant (remembered per page load, as any client-side cache would), steps and last message, all at once.
 */
export async function restThreadPage(rest: RestClient, threadId: string, n: number): Promise<unknown> {
  const [thread, runs] = await Promise.all([rest.call('GET', `/threads/${threadId}`), rest.call('GET', `/threads/${threadId}/runs?limit=${n}&order=desc`)]);
  const assistants = new Map<string, Promise<unknown>>();
  const rows = await Promise.all(
    (runs.data as Array<{ id: string; assistant_id: string }>).map(async (run) => {
      let assistant = assistants.get(run.assistant_id);
      if (!assistant) assistants.set(run.assistant_id, (assistant = rest.call('GET', `/assistants/${run.assistant_id}`)));
      const [a, steps, messages] = await Promise.all([
        assistant,
        rest.call('GET', `/threads/${threadId}/runs/${run.id}/steps?limit=5&order=desc`),
        rest.call('GET', `/threads/${threadId}/messages?run_id=${run.id}&limit=1&order=desc`),
      ]);
      return { run, a, steps, messages };
    }),
  );
  return { thread, rows };
}

export async function restDashboard(rest: RestClient, runs: ReadonlyArray<{ threadId: string; runId: string }>): Promise<unknown> {
  const assistants = new Map<string, Promise<unknown>>();
  return Promise.all(
    runs.map(async ({ threadId, runId }) => {
      const run = await rest.call('GET', `/threads/${threadId}/runs/${runId}`);
      let assistant = assistants.get(run.assistant_id);
      if (!assistant) assistants.set(run.assistant_id, (assistant = rest.call('GET', `/assistants/${run.assistant_id}`)));
      return { run, assistant: await assistant };
    }),
  );
}
