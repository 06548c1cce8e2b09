import type { IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAssistant, createRun, createThread } from '../helpers/fixtures.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { nextTurn, waitUntil } from '../helpers/wait.js';

/** Checklist 43: a client that disconnects cancels the upstream reads made for it alone; shared reads go on for the others. */
describe('upstream faults: client disconnect', () => {
  let stack: Stack;
  let threadId: string;
  let runId: string;
  beforeAll(async () => {
    stack = await startStack({ env: { RATE_LIMIT_PER_SECOND: '0' } });
    const assistant = await createAssistant(stack.api);
    const thread = await createThread(stack.api);
    threadId = thread.id;
    runId = (await createRun(stack.api, thread.id, { assistant_id: assistant.id })).id;
  });
  afterAll(() => stack.close());
  // A failed expectation must not leave the latency on for the next test.
  afterEach(() => stack.api.faults.clear());

  const upstreamOutcomes = async (): Promise<Record<string, number>> => {
    const text = await stack.gateway.metrics.registry.metrics();
    const outcomes: Record<string, number> = {};
    for (const match of text.matchAll(/gateway_upstream_requests_total\{method="GET",route="\/threads\/\{thread_id\}\/runs\/\{run_id\}",status="(\w+)"\} (\d+)/g)) outcomes[match[1]!] = Number(match[2]);
    return outcomes;
  };
  const ask = (signal: AbortSignal) =>
    fetch(stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ run(threadId: "${threadId}", runId: "${runId}") { status } }` }),
      signal,
    });
  /** Resolves once the upstream has received `count` GETs of the run since `mark` (the gateway's reads are under way). */
  const callsOfRun = (mark: number) => stack.api.requestLog.slice(mark).filter((entry) => entry.method === 'GET' && entry.route === '/threads/{thread_id}/runs/{run_id}').length;
  const runGetsArrived = (mark: number, count: number) => waitUntil(() => callsOfRun(mark) >= count, 5_000);

  it('43: the upstream GET of a client that left is aborted, long before the upstream would answer', async () => {
    stack.api.faults.set('GET /threads/{thread_id}/runs/{run_id} latency=2000');
    const before = await upstreamOutcomes();
    const mark = stack.api.requestLog.length;
    const client = new AbortController();
    const pending = ask(client.signal).catch((error: unknown) => error);
    await runGetsArrived(mark, 1);
    client.abort();
    expect(await pending).toBeInstanceOf(Error);
    // The gateway's attempt ends (as "error": aborted) well before the 2 s the upstream takes.
    const aborted = async () => ((await upstreamOutcomes())['error'] ?? 0) > (before['error'] ?? 0);
    await waitUntil(aborted, 1_500);
    const after = await upstreamOutcomes();
    expect((after['error'] ?? 0) - (before['error'] ?? 0)).toBe(1);
    expect(after['200'] ?? 0).toBe(before['200'] ?? 0);
  });

  it('43: a GET shared by two clients goes on when one of them leaves', async () => {
    stack.api.faults.set('GET /threads/{thread_id}/runs/{run_id} latency=500');
    const before = await upstreamOutcomes();
    const mark = stack.api.requestLog.length;
    let bodiesRead = 0;
    const countBodies = (request: IncomingMessage) => void request.once('end', () => (bodiesRead += 1));
    stack.gateway.server.on('request', countBodies);
    const leaving = new AbortController();
    const staying = new AbortController();
    try {
      // The staying client's read reaches the upstream first; the leaving client's identical query then joins it.
      const stays = ask(staying.signal);
      await runGetsArrived(mark, 1);
      const left = ask(leaving.signal).catch((error: unknown) => error);
      await waitUntil(() => bodiesRead === 2);
      await nextTurn();
      leaving.abort();
      expect(await left).toBeInstanceOf(Error);
      const answer = await stays;
      expect(await answer.json()).toEqual({ data: { run: { status: expect.any(String) } } });
    } finally {
      stack.gateway.server.off('request', countBodies);
    }
    const after = await upstreamOutcomes();
    expect((after['200'] ?? 0) - (before['200'] ?? 0)).toBe(1);
    expect(after['error'] ?? 0).toBe(before['error'] ?? 0);
    expect(callsOfRun(mark)).toBe(1);
  });
});
