import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import type { GraphQLResponse } from '../helpers/stack.js';

/**
 * The tolerant reader of list answers, against a real HTTP server on port 0 that sends the barest envelopes a server
 * of the wire has been seen to send: `{ data }` alone (no `object`, `first_id`, `last_id`, nor `has_more`), and one
 * that is no list at all.
 */

const THREAD = 'thread_bare0000000000000000001';

const message = (id: string, createdAt: number) => ({
  id,
  object: 'thread.message',
  created_at: createdAt,
  thread_id: THREAD,
  status: 'completed',
  incomplete_details: null,
  completed_at: createdAt,
  incomplete_at: null,
  role: 'user',
  content: [{ type: 'text', text: { value: id, annotations: [] } }],
  assistant_id: null,
  run_id: null,
  attachments: [],
  metadata: {},
});

const MESSAGES = [message('msg_1', 1), message('msg_2', 2), message('msg_3', 3)];

describe('list answers with the barest envelope', () => {
  let server: Server;
  let gateway: Gateway;
  const queries: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://upstream');
      queries.push(`${req.method} ${url.pathname}?${url.searchParams}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      if (url.pathname === `/v1/threads/${THREAD}`) {
        res.end(JSON.stringify({ id: THREAD, object: 'thread', created_at: 1, metadata: {}, tool_resources: null }));
      } else if (url.pathname === `/v1/threads/${THREAD}/messages`) {
        const after = url.searchParams.get('after');
        const limit = Number(url.searchParams.get('limit'));
        const start = after ? MESSAGES.findIndex((item) => item.id === after) + 1 : 0;
        res.end(JSON.stringify({ data: MESSAGES.slice(start, start + limit) }));
      } else {
        // Not a list: no `data` array.
        res.end(JSON.stringify({ items: [] }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      UPSTREAM_READ_CACHE_MS: '0',
      UPSTREAM_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
      UPSTREAM_API_KEY: 'sk-test-key-123456',
      UPSTREAM_PROFILE: 'open-assistant-api',
    });
    gateway = createGateway({ config });
  });
  afterAll(async () => {
    await gateway.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function query<T = Record<string, any>>(document: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
    const response = await gateway.yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: document, variables }),
    });
    return (await response.json()) as GraphQLResponse<T>;
  }

  const PAGE = /* GraphQL */ `query($t: ID!, $after: String) { thread(id: $t) { messages(first: 2, after: $after, order: ASC) { edges { cursor } pageInfo { hasNextPage startCursor endCursor } } } }`;

  it('without has_more, a full page means more may follow and a short one means the end: no page is lost', async () => {
    const first = await query(PAGE, { t: THREAD });
    expect(first.errors).toBeUndefined();
    expect(first.data!['thread'].messages).toEqual({
      edges: [{ cursor: 'msg_1' }, { cursor: 'msg_2' }],
      pageInfo: { hasNextPage: true, startCursor: 'msg_1', endCursor: 'msg_2' },
    });
    const second = await query(PAGE, { t: THREAD, after: 'msg_2' });
    expect(second.data!['thread'].messages).toEqual({ edges: [{ cursor: 'msg_3' }], pageInfo: { hasNextPage: false, startCursor: 'msg_3', endCursor: 'msg_3' } });
  });

  it('an answer that is no list is UPSTREAM_UNAVAILABLE (invalid_response), never an empty page', async () => {
    const result = await query(`query($t: ID!) { thread(id: $t) { runs(first: 2) { edges { cursor } } } }`, { t: THREAD });
    expect(result.data).toEqual({ thread: { runs: null } });
    expect(result.errors?.map((error) => error.extensions)).toEqual([{ code: 'UPSTREAM_UNAVAILABLE', reason: 'invalid_response' }]);
  });
});
