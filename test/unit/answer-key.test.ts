import { PassThrough } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { answerKey } from '../../src/server/answer-cache.js';
import { readBoundedBody } from '../../src/security/http.js';
import type { Identity } from '../../src/security/auth.js';

const alice: Identity = { subject: 'alice', admin: false, method: 'api-key' };

/** A POST as node's server hands it over, its body read (and left parsed) by readBoundedBody. */
async function request(text: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  const stream = new PassThrough() as unknown as IncomingMessage & PassThrough;
  Object.assign(stream, { method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, complete: true });
  (stream as PassThrough).end(text);
  const res = { headersSent: false, destroyed: false, writeHead: () => res, end: () => res, once: () => res, setHeader: () => res } as unknown as ServerResponse;
  expect(await readBoundedBody(stream, res, 1024 * 1024)).toBe(true);
  return stream;
}

const fieldsOf = (req: IncomingMessage) => (req as IncomingMessage & { body: Record<string, unknown> }).body;
const keyOf = async (text: string, identity: Identity = alice, headers?: Record<string, string>) => {
  const req = await request(text, headers);
  return answerKey(req, identity, fieldsOf(req));
};

describe('the answer cache key', () => {
  const body = JSON.stringify({ query: 'query Run($id: ID!) { run(id: $id) { status } }', variables: { id: 'run_1' } });

  it('is the same for the same caller, request headers and body text', async () => {
    expect(await keyOf(body)).toBe(await keyOf(body));
    expect(await keyOf(body)).toMatch(/^k/);
  });

  it('differs with anything the answer depends on: the caller, their rights, the headers, the body', async () => {
    const keys = new Set([
      await keyOf(body),
      await keyOf(body, { ...alice, subject: 'bob' }),
      await keyOf(body, { ...alice, admin: true }),
      await keyOf(body, { ...alice, method: 'jwt' }),
      await keyOf(body, alice, { accept: 'application/graphql-response+json' }),
      await keyOf(body, alice, { 'accept-encoding': 'gzip' }),
      await keyOf(body, alice, { origin: 'https://elsewhere.example' }),
      await keyOf(body.replace('run_1', 'run_2')),
      await keyOf(JSON.stringify({ ...JSON.parse(body), operationName: 'Run' })),
    ]);
    expect(keys.size).toBe(9);
  });

  it('keeps a long key as its hash, apart from every plain key', async () => {
    const long = JSON.stringify({ query: `{ ${'a: __typename '.repeat(400)}}` });
    const key = await keyOf(long);
    expect(key).toMatch(/^h[A-Za-z0-9_-]{43}$/);
    expect(await keyOf(long)).toBe(key);
    expect(await keyOf(long.replace('a:', 'b:'))).not.toBe(key);
  });

  it('without the body text (a body not read by readBoundedBody) is made of its fields; none for variables JSON cannot carry', async () => {
    const req = { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' } } as unknown as IncomingMessage;
    const fields = { query: '{ __typename }', variables: { id: 'x' } };
    expect(answerKey(req, alice, fields)).toBe(answerKey(req, alice, { ...fields }));
    expect(answerKey(req, alice, fields)).not.toBe(answerKey(req, alice, { ...fields, variables: { id: 'y' } }));
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 20_000; i++) deep = { deep };
    expect(answerKey(req, alice, { query: '{ __typename }', variables: deep })).toBeUndefined();
  });
});
