import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISOLATION_KEY_HEADER } from '../../src/responses-api/foundry.js';
import { createResponsesClient, type ResponsesClient } from '../../src/runs-api/engines/responses/client.js';
import { withBearer } from '../../src/upstream/request.js';

/** A Responses upstream that answers every call and keeps the headers each came with. */
let server: Server;
const seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> = [];
let client: ResponsesClient;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    if (req.headers.accept === 'text/event-stream' || (req.url ?? '').includes('stream=true')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: {"type":"response.completed","sequence_number":1}\n\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'resp_1', object: 'response', data: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = createResponsesClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, apiKey: 'sk-responses' });
});

afterAll(async () => {
  client.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const last = () => seen.at(-1)!.headers;

describe('the Responses client: headers of one call', () => {
  it('a write carries its Idempotency-Key, a read none, and both the endpoint key', async () => {
    await client.createConversation({ metadata: {} }, 'thread_1.conversation');
    expect(last()['idempotency-key']).toBe('thread_1.conversation');
    expect(last().authorization).toBe('Bearer sk-responses');
    expect(last()[ISOLATION_KEY_HEADER]).toBeUndefined();
    await client.getResponse('resp_1');
    expect(last()['idempotency-key']).toBeUndefined();
    expect(last().authorization).toBe('Bearer sk-responses');
  });

  it("a user's client names that user on every call, reads, writes and streams, and nobody else's does", async () => {
    const alice = client.forUser('key-alice');
    await alice.getResponse('resp_1');
    expect(last()[ISOLATION_KEY_HEADER]).toBe('key-alice');
    await alice.addItems('conv_1', [], 'msg_1.items');
    expect(last()).toMatchObject({ [ISOLATION_KEY_HEADER]: 'key-alice', 'idempotency-key': 'msg_1.items' });
    const events = await alice.streamResponse({ model: 'm' }, 'run_1.0');
    expect(last()).toMatchObject({ [ISOLATION_KEY_HEADER]: 'key-alice', 'idempotency-key': 'run_1.0', authorization: 'Bearer sk-responses' });
    for await (const event of events) expect(event.type).toBe('response.completed');
    // One client per user, made once; nobody's is the client itself.
    expect(client.forUser('key-alice')).toBe(alice);
    expect(alice.forUser(undefined)).toBe(client);
    // Concurrent calls for two users and for nobody keep their own headers.
    const bob = alice.forUser('key-bob');
    expect(bob).not.toBe(alice);
    seen.length = 0;
    await Promise.all([alice.getResponse('resp_a'), bob.getResponse('resp_b'), client.getResponse('resp_c'), alice.forUser(undefined).getResponse('resp_d')]);
    const byUrl = new Map(seen.map((call) => [call.url.split('?')[0], call.headers[ISOLATION_KEY_HEADER]]));
    expect(Object.fromEntries(byUrl)).toEqual({ '/v1/responses/resp_a': 'key-alice', '/v1/responses/resp_b': 'key-bob', '/v1/responses/resp_c': undefined, '/v1/responses/resp_d': undefined });
  });

  it("a request's own headers never replace the endpoint's, and without any the endpoint's object is sent as it is", () => {
    const endpoint = Object.freeze({ authorization: 'Bearer sk-responses', 'content-type': 'application/json' });
    expect(withBearer(endpoint, undefined, undefined, { authorization: 'Bearer forged', 'Idempotency-Key': 'k1' })).toEqual({ authorization: 'Bearer sk-responses', 'content-type': 'application/json', 'Idempotency-Key': 'k1' });
    expect(withBearer(endpoint, 'token-1', 'alice', { 'Idempotency-Key': 'k2' })).toMatchObject({ authorization: 'Bearer token-1', 'Idempotency-Key': 'k2', 'x-gateway-caller': 'alice' });
    expect(withBearer(endpoint, undefined, undefined)).toBe(endpoint);
  });
});
