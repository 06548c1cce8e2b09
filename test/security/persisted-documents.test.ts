import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PersistedDocuments } from '../../src/security/persisted.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { waitUntil } from '../helpers/wait.js';
import { codes, postJson, upstreamCalls } from './helpers.js';

/** Trusted documents (PERSISTED_DOCUMENTS): only known operations run, over HTTP and WebSocket alike. */

const DOCUMENT = '{ assistants(first: 1) { edges { cursor } } }';
const ID = createHash('sha256').update(DOCUMENT).digest('hex');

describe('persisted documents', () => {
  let stack: Stack;
  beforeAll(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'persisted-')), 'documents.json');
    writeFileSync(file, JSON.stringify({ [ID]: DOCUMENT }));
    stack = await startStack({ env: { PERSISTED_DOCUMENTS: file } });
  });
  afterAll(() => stack?.close());

  it('HTTP: a known id runs; an arbitrary document or an unknown id is refused before any upstream call', async () => {
    expect((await postJson(stack, { documentId: ID })).json!.errors).toBeUndefined();
    expect((await postJson(stack, { extensions: { persistedQuery: { version: 1, sha256Hash: ID } } })).json!.errors).toBeUndefined();
    const { result, calls } = await upstreamCalls(stack, async () => [await postJson(stack, { query: DOCUMENT }), await postJson(stack, { documentId: 'f'.repeat(64) })]);
    expect(codes(result[0]!.json)).toEqual(['PERSISTED_QUERY_ONLY']);
    expect(codes(result[1]!.json)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(calls).toBe(0);
  });

  it('WebSocket: the same rules, as an error for that id', async () => {
    const socket = new WebSocket(stack.gateway.wsUrl, 'graphql-transport-ws');
    const messages: Array<Record<string, any>> = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, any>));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init' }));
    await waitUntil(() => messages.length > 0);
    socket.send(JSON.stringify({ id: 'a', type: 'subscribe', payload: { query: DOCUMENT } }));
    socket.send(JSON.stringify({ id: 'b', type: 'subscribe', payload: { query: '', extensions: { persistedQuery: { version: 1, sha256Hash: ID } } } }));
    await waitUntil(() => messages.filter((message) => message['type'] === 'error' || message['type'] === 'complete').length >= 2);
    const a = messages.find((message) => message['id'] === 'a');
    expect(a?.['payload'][0].extensions.code).toBe('PERSISTED_QUERY_ONLY');
    expect(messages.find((message) => message['id'] === 'b' && message['type'] === 'next')?.['payload'].data.assistants).toBeDefined();
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.close();
  });
});

describe('persisted document ids', () => {
  it('a manifest keyed `sha256:<hex>` (GraphQL Code Generator\'s client preset) and a bare hex id name the same document', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'persisted-')), 'documents.json');
    writeFileSync(file, JSON.stringify({ [`sha256:${ID}`]: DOCUMENT }));
    for (const documents of [PersistedDocuments.load(file), PersistedDocuments.of({ [ID]: DOCUMENT })]) {
      expect(documents.get(ID)).toBe(DOCUMENT);
      expect(documents.get(`sha256:${ID}`)).toBe(DOCUMENT);
      expect(documents.get('f'.repeat(64))).toBeUndefined();
    }
  });
});
