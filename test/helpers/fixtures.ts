import type { RunsApi } from '../../src/runs-api/index.js';
import { call, waitForRun } from './runs-api.js';

/** Data set up directly on the embedded runs API (over HTTP), so the gateway is only used for reads. */

export async function createAssistant(api: RunsApi, body: Record<string, unknown> = {}): Promise<any> {
  const response = await call(api, 'POST', '/assistants', { body: { model: 'gpt-4o', ...body } });
  if (response.status !== 200) throw new Error(`create assistant: ${response.status} ${response.text}`);
  return response.body;
}

export async function createThread(api: RunsApi, body: Record<string, unknown> = { messages: [{ role: 'user', content: 'Hello there' }] }): Promise<any> {
  const response = await call(api, 'POST', '/threads', { body });
  if (response.status !== 200) throw new Error(`create thread: ${response.status} ${response.text}`);
  return response.body;
}

export async function createMessage(api: RunsApi, threadId: string, body: Record<string, unknown>): Promise<any> {
  const response = await call(api, 'POST', `/threads/${threadId}/messages`, { body });
  if (response.status !== 200) throw new Error(`create message: ${response.status} ${response.text}`);
  return response.body;
}

export async function createRun(api: RunsApi, threadId: string, body: Record<string, unknown>): Promise<any> {
  const response = await call(api, 'POST', `/threads/${threadId}/runs`, { body });
  if (response.status !== 200) throw new Error(`create run: ${response.status} ${response.text}`);
  return response.body;
}

/** Creates a run and waits until it settles (a thread has one active run at a time). */
export async function settledRun(api: RunsApi, threadId: string, body: Record<string, unknown>, statuses?: string[]): Promise<any> {
  const run = await createRun(api, threadId, body);
  return waitForRun(api, threadId, run.id, statuses, 10_000);
}

export async function cancelRun(api: RunsApi, threadId: string, runId: string): Promise<any> {
  return (await call(api, 'POST', `/threads/${threadId}/runs/${runId}/cancel`)).body;
}

export async function submitToolOutputs(api: RunsApi, threadId: string, runId: string, outputs: Array<{ tool_call_id: string; output: string }>): Promise<any> {
  const response = await call(api, 'POST', `/threads/${threadId}/runs/${runId}/submit_tool_outputs`, { body: { tool_outputs: outputs } });
  if (response.status !== 200) throw new Error(`submit tool outputs: ${response.status} ${response.text}`);
  return response.body;
}

export async function listAll(api: RunsApi, path: string): Promise<any[]> {
  const response = await call(api, 'GET', path);
  if (response.status !== 200) throw new Error(`list ${path}: ${response.status} ${response.text}`);
  return response.body.data;
}

/** Upstream calls made since `mark` (an index into api.requestLog), by `METHOD route`. */
export function callsSince(api: RunsApi, mark: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of api.requestLog.slice(mark)) {
    // Not an API call: a stray request from another test's client to a port this server has since been given.
    if (!entry.path.startsWith('/v1/')) continue;
    const key = `${entry.method} ${entry.route}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export const ROUTES = {
  run: 'GET /threads/{thread_id}/runs/{run_id}',
  runs: 'GET /threads/{thread_id}/runs',
  thread: 'GET /threads/{thread_id}',
  assistant: 'GET /assistants/{assistant_id}',
  assistants: 'GET /assistants',
  steps: 'GET /threads/{thread_id}/runs/{run_id}/steps',
  step: 'GET /threads/{thread_id}/runs/{run_id}/steps/{step_id}',
  messages: 'GET /threads/{thread_id}/messages',
  message: 'GET /threads/{thread_id}/messages/{message_id}',
} as const;

export function globalId(typename: string, localId: string): string {
  return Buffer.from(`${typename}:${localId}`).toString('base64');
}
