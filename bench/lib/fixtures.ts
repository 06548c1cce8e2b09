/** Data set up directly on the embedded runs API over HTTP (the gateway only reads it). */
import { sleep } from './stats.js';

export interface RestClient {
  base: string;
  call<T = any>(method: string, path: string, body?: unknown): Promise<T>;
}

/** A plain fetch client for the embedded API, with the headers the real API wanted. */
export function restClient(base: string, extraHeaders: Record<string, string> = {}): RestClient {
  return {
    base,
    async call(method, path, body) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { 'content-type': 'application/json', 'openai-beta': 'assistants=v2', ...extraHeaders },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
      return JSON.parse(text);
    },
  };
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'expired', 'incomplete']);

export async function waitForRun(api: RestClient, threadId: string, runId: string, until: (status: string) => boolean, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await api.call('GET', `/threads/${threadId}/runs/${runId}`);
    if (until(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.status} after ${timeoutMs} ms`);
    await sleep(15);
  }
}

export async function createAssistants(api: RestClient, names: readonly string[], tools: unknown[] = []): Promise<string[]> {
  const created = await Promise.all(names.map((name) => api.call('POST', '/assistants', { model: 'gpt-4o', name, tools })));
  return created.map((assistant) => assistant.id as string);
}

/** One thread with `runs` finished runs (one at a time, as the API allows), assistants in turn. */
export async function threadWithRuns(api: RestClient, assistants: readonly string[], runs: number): Promise<{ threadId: string; runIds: string[] }> {
  const thread = await api.call('POST', '/threads', { messages: [{ role: 'user', content: 'Hello there' }] });
  const runIds: string[] = [];
  for (let i = 0; i < runs; i++) {
    if (i > 0) await api.call('POST', `/threads/${thread.id}/messages`, { role: 'user', content: `Question ${i}` });
    const run = await api.call('POST', `/threads/${thread.id}/runs`, { assistant_id: assistants[i % assistants.length] });
    await waitForRun(api, thread.id, run.id, (status) => TERMINAL.has(status));
    runIds.push(run.id);
  }
  return { threadId: thread.id, runIds };
}

/** `count` threads with one run each (created at once), settled in `until`. */
export async function runsInThreads(
  api: RestClient,
  assistants: readonly string[],
  count: number,
  until: (status: string) => boolean,
): Promise<Array<{ threadId: string; runId: string }>> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const run = await api.call('POST', '/threads/runs', {
        assistant_id: assistants[i % assistants.length],
        thread: { messages: [{ role: 'user', content: `What is the weather in city ${i}?` }] },
      });
      await waitForRun(api, run.thread_id, run.id, until, 60_000);
      return { threadId: run.thread_id as string, runId: run.id as string };
    }),
  );
}

export const isTerminal = (status: string) => TERMINAL.has(status);
