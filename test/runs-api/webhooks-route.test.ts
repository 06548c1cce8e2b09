import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startResponsesApi, type ResponsesApi } from '../../src/responses-api/index.js';
import { signWebhook } from '../../src/responses-api/webhooks.js';
import { RESPONSES_WEBHOOK_PATH, type RunsApi } from '../../src/runs-api/index.js';
import { createAssistant, createRun, createThread } from '../helpers/fixtures.js';
import { freePort } from '../helpers/ports.js';
import { call, startTestRunsApi } from '../helpers/runs-api.js';
import { waitUntil } from '../helpers/wait.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const GETS = 'GET /responses/{id}';

/**
 * `POST /webhooks/responses` on the runs API (RUNS_ENGINE=responses, RESPONSES_WEBHOOK_SECRET): the embedded Responses
 * API announces each background response that ends, signed; the engine reads it once and the run moves on, so reads of
 * a run in between ask the upstream nothing (polling is only a safety net, every few seconds).
 */
describe('Responses webhooks on the runs API', () => {
  let responses: ResponsesApi;
  let runs: RunsApi;
  const gets = () => runs.upstreamCalls[GETS] ?? 0;
  const webhookUrl = () => `${runs.url.replace(/\/v1$/, '')}${RESPONSES_WEBHOOK_PATH}`;
  const post = (body: string, headers: Record<string, string>) => fetch(webhookUrl(), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  beforeAll(async () => {
    // The Responses API must know where to announce before the runs API listens. Phases long enough that five reads
    // fit in the first one, even on a loaded machine.
    const port = await freePort();
    responses = await startResponsesApi({ port: 0, stepMs: 200, webhook: { url: `http://127.0.0.1:${port}${RESPONSES_WEBHOOK_PATH}`, secret: SECRET, retryMs: 50 } });
    runs = await startTestRunsApi({ engine: 'responses', stepMs: 200, port, responses: { baseUrl: responses.url }, webhookSecret: SECRET });
  });
  afterAll(async () => {
    await runs?.close();
    await responses?.close();
  });

  it('a run ends on its webhook: reads before it ask the upstream nothing, the delivery costs one GET', async () => {
    const assistant = await createAssistant(runs, { model: 'gpt-4o' });
    const thread = await createThread(runs);
    const before = gets();
    const run = await createRun(runs, thread.id, { assistant_id: assistant.id });
    for (let read = 0; read < 5; read += 1) expect(['queued', 'in_progress']).toContain((await call(runs, 'GET', `/threads/${thread.id}/runs/${run.id}`)).body.status);
    expect(gets()).toBe(before);

    await waitUntil(() => responses.webhookDeliveries.some((delivery) => delivery.state === 'delivered'), 5_000);
    const ended = (await call(runs, 'GET', `/threads/${thread.id}/runs/${run.id}`)).body;
    expect(ended.status).toBe('completed');
    expect(gets()).toBe(before + 1);
    const messages = (await call(runs, 'GET', `/threads/${thread.id}/messages`)).body;
    expect(messages.data[0].role).toBe('assistant');
  });

  it('a delivery with a bad signature is refused and changes nothing; a replayed id is acknowledged and not acted on', async () => {
    const delivered = responses.webhookDeliveries.find((delivery) => delivery.state === 'delivered')!;
    const body = JSON.stringify(delivered.event);
    const now = Math.floor(Date.now() / 1000);
    const before = gets();

    const forged = await post(body, { ...signWebhook(`whsec_${randomBytes(32).toString('base64')}`, 'evt_forged', now, body) });
    expect(forged.status).toBe(401);
    expect((await forged.json()).error.code).toBe('invalid_webhook_signature');
    const stale = await post(body, signWebhook(SECRET, 'evt_stale', now - 3_600, body));
    expect(stale.status).toBe(401);
    const replayed = await post(body, signWebhook(SECRET, delivered.event.id, now, body));
    expect(replayed.status).toBe(200);
    expect(gets()).toBe(before);
    // The API's own routes still want their key and beta header; the webhook route wants neither.
    expect((await call(runs, 'POST', '/threads', { beta: false, body: {} })).status).toBe(400);
  });
});
