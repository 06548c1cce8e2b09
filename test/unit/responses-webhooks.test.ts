import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { signWebhook } from '../../src/responses-api/webhooks.js';
import { createWebhookReceiver, WEBHOOK_ID_TTL_MS, WEBHOOK_TOLERANCE_SECONDS } from '../../src/runs-api/engines/responses/webhooks.js';
import { createMemoryStore } from '../../src/runs-api/engines/responses/store/memory.js';
import { adjustableClock } from '../helpers/wait.js';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const otherSecret = `whsec_${randomBytes(32).toString('base64')}`;

function setup(options: { failing?: boolean } = {}) {
  const clock = adjustableClock();
  const store = createMemoryStore(clock.now);
  const ended: Array<[string, string]> = [];
  let failuresLeft = options.failing ? 1 : 0;
  const receiver = createWebhookReceiver({
    secret,
    store,
    clock,
    async onResponseEnded(responseId, type) {
      ended.push([responseId, type]);
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        throw new Error('the engine could not refresh the run');
      }
    },
  });
  const seconds = () => Math.floor(clock.now() / 1000);
  return { clock, store, ended, receiver, seconds };
}

let events = 0;
function eventBody(type: string, responseId = `resp_${++events}`) {
  return JSON.stringify({ id: `evt_${++events}`, object: 'event', type, created_at: Math.floor(Date.now() / 1000), data: { id: responseId } });
}

/** Headers as the embedded Responses API's sender signs them. */
function signed(body: string, options: { id?: string; timestamp: number; key?: string }) {
  return signWebhook(options.key ?? secret, options.id ?? `wh_${++events}`, options.timestamp, body);
}

function expectEnvelope(body: unknown, code: string) {
  expect(body).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param: expect.anything(), code } });
}

describe('Responses webhook receiver', () => {
  it('accepts a signed response.completed and reports the response once', async () => {
    const { receiver, ended, seconds } = setup();
    const body = eventBody('response.completed', 'resp_abc');
    const answer = await receiver.handle(signed(body, { timestamp: seconds() }), body);
    expect(answer).toEqual({ status: 200, body: { received: true } });
    expect(ended).toEqual([['resp_abc', 'response.completed']]);
  });

  it('reports every ending (completed, failed, cancelled, incomplete) and acknowledges other types without acting', async () => {
    const { receiver, ended, seconds } = setup();
    for (const type of ['response.completed', 'response.failed', 'response.cancelled', 'response.incomplete']) {
      const body = eventBody(type, `resp_${type}`);
      expect((await receiver.handle(signed(body, { timestamp: seconds() }), body)).status).toBe(200);
    }
    for (const type of ['batch.completed', 'response.in_progress', 'eval.run.succeeded']) {
      const body = eventBody(type);
      expect(await receiver.handle(signed(body, { timestamp: seconds() }), body)).toEqual({ status: 200, body: { received: true, ignored: type } });
    }
    expect(ended.map(([, type]) => type)).toEqual(['response.completed', 'response.failed', 'response.cancelled', 'response.incomplete']);
  });

  it('a replayed webhook-id is acknowledged without acting again, also when retried with a fresh timestamp', async () => {
    const { receiver, ended, clock, seconds } = setup();
    const body = eventBody('response.completed', 'resp_once');
    const headers = signed(body, { id: 'wh_replayed', timestamp: seconds() });
    expect((await receiver.handle(headers, body)).status).toBe(200);
    expect(await receiver.handle(headers, body)).toEqual({ status: 200, body: { received: true, duplicate: true } });
    clock.advance(3_600_000);
    expect(await receiver.handle(signed(body, { id: 'wh_replayed', timestamp: seconds() }), body)).toEqual({ status: 200, body: { received: true, duplicate: true } });
    expect(ended).toEqual([['resp_once', 'response.completed']]);
    expect(WEBHOOK_ID_TTL_MS).toBeGreaterThanOrEqual(2 * WEBHOOK_TOLERANCE_SECONDS * 1000);
  });

  it('refuses a bad signature with 401 and changes nothing: the id stays free for the real delivery', async () => {
    const { receiver, ended, seconds } = setup();
    const body = eventBody('response.completed', 'resp_real');
    const timestamp = seconds();
    const real = signed(body, { id: 'wh_target', timestamp });
    const forgeries: Array<[Record<string, string>, string]> = [
      [signed(body, { id: 'wh_target', timestamp, key: otherSecret }), body],
      [real, body.replace('resp_real', 'resp_evil')],
      [{ ...real, 'webhook-timestamp': String(timestamp - 1) }, body],
      [{ ...real, 'webhook-id': 'wh_other' }, body],
      [{ ...real, 'webhook-signature': 'v1,' }, body],
      [{ ...real, 'webhook-signature': 'v1,not base64 at all!!' }, body],
      [{ ...real, 'webhook-signature': real['webhook-signature']!.slice(3) }, body],
    ];
    for (const [headers, payload] of forgeries) {
      const answer = await receiver.handle(headers, payload);
      expect(answer.status).toBe(401);
      expectEnvelope(answer.body, 'invalid_webhook_signature');
    }
    expect(ended).toEqual([]);
    expect(await receiver.handle(real, body)).toEqual({ status: 200, body: { received: true } });
    expect(ended).toEqual([['resp_real', 'response.completed']]);
  });

  it('accepts when any v1 signature of a list matches, skipping other versions', async () => {
    const { receiver, ended, seconds } = setup();
    const body = eventBody('response.failed', 'resp_list');
    const headers = signed(body, { timestamp: seconds() });
    const wrong = signed(body, { timestamp: seconds(), key: otherSecret })['webhook-signature'];
    headers['webhook-signature'] = `v1a,c2lnbmF0dXJl ${wrong} ${headers['webhook-signature']}`;
    expect((await receiver.handle(headers, body)).status).toBe(200);
    expect(ended).toEqual([['resp_list', 'response.failed']]);
  });

  it('takes a timestamp up to 300 s old or ahead, and refuses one a second beyond, with 401', async () => {
    const { receiver, ended, seconds } = setup();
    for (const offset of [-WEBHOOK_TOLERANCE_SECONDS, WEBHOOK_TOLERANCE_SECONDS]) {
      const body = eventBody('response.completed');
      expect((await receiver.handle(signed(body, { timestamp: seconds() + offset }), body)).status).toBe(200);
    }
    for (const offset of [-WEBHOOK_TOLERANCE_SECONDS - 1, WEBHOOK_TOLERANCE_SECONDS + 1, -86_400]) {
      const body = eventBody('response.completed');
      const answer = await receiver.handle(signed(body, { timestamp: seconds() + offset }), body);
      expect(answer.status).toBe(401);
      expectEnvelope(answer.body, 'webhook_timestamp_out_of_tolerance');
    }
    expect(ended).toHaveLength(2);
  });

  it('a stale delivery is refused even under an id never seen, and its id is not used up', async () => {
    const { receiver, ended, clock, seconds } = setup();
    const body = eventBody('response.completed', 'resp_late');
    const headers = signed(body, { id: 'wh_late', timestamp: seconds() });
    clock.advance((WEBHOOK_TOLERANCE_SECONDS + 1) * 1000);
    expect((await receiver.handle(headers, body)).status).toBe(401);
    expect((await receiver.handle(signed(body, { id: 'wh_late', timestamp: seconds() }), body)).status).toBe(200);
    expect(ended).toEqual([['resp_late', 'response.completed']]);
  });

  it('answers 400 with the header as param when a header is missing or the timestamp is not a number', async () => {
    const { receiver, ended, seconds } = setup();
    const body = eventBody('response.completed');
    const headers = signed(body, { timestamp: seconds() });
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const answer = await receiver.handle({ ...headers, [name]: undefined }, body);
      expect(answer).toEqual({ status: 400, body: { error: { message: `Missing required header: ${name}.`, type: 'invalid_request_error', param: name, code: 'missing_webhook_header' } } });
    }
    for (const timestamp of ['soon', '12.5', '-5', '']) {
      const answer = await receiver.handle({ ...headers, 'webhook-timestamp': timestamp }, body);
      expect(answer.status).toBe(400);
    }
    expect(ended).toEqual([]);
  });

  it('answers 400 to a correctly signed body that is not a webhook event, and records nothing', async () => {
    const { receiver, ended, seconds } = setup();
    const cases: Array<[string, string | null]> = [
      ['{not json', null],
      ['null', 'type'],
      ['[1,2]', 'type'],
      [JSON.stringify({ object: 'event', data: { id: 'resp_x' } }), 'type'],
      [JSON.stringify({ type: 'response.completed', data: {} }), 'data.id'],
      [JSON.stringify({ type: 'response.completed', data: { id: 42 } }), 'data.id'],
    ];
    for (const [body, param] of cases) {
      const answer = await receiver.handle(signed(body, { id: 'wh_malformed', timestamp: seconds() }), body);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param, code: 'invalid_webhook_payload' } });
    }
    expect(ended).toEqual([]);
    const good = eventBody('response.completed', 'resp_after');
    expect((await receiver.handle(signed(good, { id: 'wh_malformed', timestamp: seconds() }), good)).status).toBe(200);
  });

  it('reads header names in any case', async () => {
    const { receiver, ended, seconds } = setup();
    const body = eventBody('response.cancelled', 'resp_case');
    const headers = Object.fromEntries(Object.entries(signed(body, { timestamp: seconds() })).map(([name, value]) => [name.toUpperCase(), value]));
    expect((await receiver.handle(headers, body)).status).toBe(200);
    expect(ended).toEqual([['resp_case', 'response.cancelled']]);
  });

  it('a failing handler is a 500 in the error envelope, and the delivery is not acted on twice', async () => {
    const { receiver, ended, seconds } = setup({ failing: true });
    const body = eventBody('response.completed', 'resp_fail');
    const headers = signed(body, { timestamp: seconds() });
    const answer = await receiver.handle(headers, body);
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({ error: { message: expect.any(String), type: 'server_error', param: null, code: null } });
    expect((await receiver.handle(headers, body)).status).toBe(200);
    expect(ended).toHaveLength(1);
  });

  it('refuses a secret that is not whsec_ and a base64 key', () => {
    const options = { store: createMemoryStore(), clock: { now: Date.now }, onResponseEnded: async () => undefined };
    expect(() => createWebhookReceiver({ ...options, secret: 'plain-secret' })).toThrow(/whsec_/);
    expect(() => createWebhookReceiver({ ...options, secret: 'whsec_' })).toThrow(/whsec_/);
  });

  it('accepts exactly what the official SDK\'s webhooks.unwrap accepts', async () => {
    const store = createMemoryStore();
    const receiver = createWebhookReceiver({ secret, store, clock: { now: Date.now }, onResponseEnded: async () => undefined });
    const client = new OpenAI({ apiKey: 'sk-test-not-used', webhookSecret: secret });
    const now = () => Math.floor(Date.now() / 1000);
    // Margins of 5 s either side of the tolerance keep a slow second from deciding the case.
    const cases: Array<{ what: string; make: () => [Record<string, string>, string] }> = [
      { what: 'fresh', make: () => { const body = eventBody('response.completed'); return [signed(body, { timestamp: now() }), body]; } },
      { what: 'old within tolerance', make: () => { const body = eventBody('response.incomplete'); return [signed(body, { timestamp: now() - 295 }), body]; } },
      { what: 'ahead within tolerance', make: () => { const body = eventBody('response.failed'); return [signed(body, { timestamp: now() + 295 }), body]; } },
      { what: 'stale', make: () => { const body = eventBody('response.completed'); return [signed(body, { timestamp: now() - 305 }), body]; } },
      { what: 'future', make: () => { const body = eventBody('response.completed'); return [signed(body, { timestamp: now() + 305 }), body]; } },
      { what: 'other key', make: () => { const body = eventBody('response.completed'); return [signed(body, { timestamp: now(), key: otherSecret }), body]; } },
      { what: 'tampered body', make: () => { const body = eventBody('response.completed'); return [signed(body, { timestamp: now() }), body.replace('response.completed', 'response.cancelled')]; } },
      {
        what: 'signature list',
        make: () => {
          const body = eventBody('response.cancelled');
          const headers = signed(body, { timestamp: now() });
          headers['webhook-signature'] = `${signed(body, { timestamp: now(), key: otherSecret })['webhook-signature']} ${headers['webhook-signature']}`;
          return [headers, body];
        },
      },
      { what: 'ignored type', make: () => { const body = eventBody('batch.completed'); return [signed(body, { timestamp: now() }), body]; } },
    ];
    const acceptedBySdk: string[] = [];
    const acceptedByUs: string[] = [];
    for (const { what, make } of cases) {
      const [headers, body] = make();
      if (await client.webhooks.unwrap(body, headers).then(() => true, () => false)) acceptedBySdk.push(what);
      if ((await receiver.handle(headers, body)).status === 200) acceptedByUs.push(what);
    }
    expect(acceptedBySdk).toEqual(['fresh', 'old within tolerance', 'ahead within tolerance', 'signature list', 'ignored type']);
    expect(acceptedByUs).toEqual(acceptedBySdk);
  });
});
