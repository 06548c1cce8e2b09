import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createWsClient, subscribeWs } from '../helpers/live-clients.js';
import { call } from '../helpers/runs-api.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { ROUTES, createAssistant, createThread as createThreadUpstream, settledRun } from '../helpers/fixtures.js';
import { JWT_AUDIENCE, JWT_ISSUER, KEYS, bearer, codes, jwtKit, postJson, startSecureStack, stillServes, upstreamCalls, type JwtKit } from './helpers.js';

/** Checklist E (44–46, 48, 49) and the issue's tenant rules. */

const CREATE_THREAD = 'mutation($m: JSONObject) { createThread(input: { metadata: $m }) { thread { threadId metadata } } }';

describe('auth and tenants: API keys', () => {
  let stack: Stack;
  let assistantId: string;
  let aliceThread: string;
  let aliceRun: string;
  let outsideThread: string;

  beforeAll(async () => {
    stack = await startSecureStack();
    assistantId = (await createAssistant(stack.api, { name: 'Shared' })).id;
    const created = await stack.query(CREATE_THREAD, { m: { topic: 'alice' } }, bearer(KEYS.alice));
    aliceThread = created.data!.createThread.thread.threadId;
    aliceRun = (await settledRun(stack.api, aliceThread, { assistant_id: assistantId })).id;
    outsideThread = (await createThreadUpstream(stack.api)).id;
  });
  afterAll(() => stack?.close());

  it('44: a missing, malformed or unknown key is 401 UNAUTHENTICATED with no upstream call; the next request works', async () => {
    for (const headers of [{}, { authorization: 'Basic abc' }, bearer('not-a-key-0123456789abcdef'), bearer(`${KEYS.alice}x`)]) {
      const { result, calls } = await upstreamCalls(stack, () => postJson(stack, { query: '{ assistants(first: 1) { edges { cursor } } }' }, headers));
      expect(result.status).toBe(401);
      expect(result.headers.get('www-authenticate')).toBe('Bearer');
      expect(codes(result.json)).toEqual(['UNAUTHENTICATED']);
      expect(calls).toBe(0);
    }
    expect(await stillServes(stack, bearer(KEYS.alice))).toBe(true);
  });

  it('creates threads with the owner in a reserved metadata key that clients never see', async () => {
    const { byRoute } = await upstreamCalls(stack, async () => {
      const result = await stack.query(`query($t: ID!) { thread(id: $t) { metadata } }`, { t: aliceThread }, bearer(KEYS.alice));
      expect(result.data!.thread.metadata).toEqual({ topic: 'alice' });
    });
    // The owner was learnt when the thread was created: reading it is one GET, no extra ownership lookup.
    expect(byRoute[ROUTES.thread]).toBe(1);
    const upstream = await call(stack.api, 'GET', `/threads/${aliceThread}`);
    expect(upstream.body.metadata).toEqual({ topic: 'alice', gateway_owner: 'alice' });
  });

  it('45: another tenant reading a thread, run, message page or step gets exactly what an unknown id gets, without reading it', async () => {
    const query = `query($t: ID!, $r: ID!) { thread(id: $t) { threadId } run(threadId: $t, runId: $r) { runId } node(id: $t) { id } }`;
    const foreign = await upstreamCalls(stack, () => stack.query(query, { t: aliceThread, r: aliceRun }, bearer(KEYS.bob)));
    const unknown = await stack.query(query, { t: 'thread_unknown', r: 'run_unknown' }, bearer(KEYS.bob));
    expect(foreign.result).toEqual({ data: { thread: null, run: null, node: null } });
    expect(foreign.result).toEqual(unknown);
    // Ownership is cached across requests: the foreign run itself is never fetched.
    expect(foreign.byRoute[ROUTES.run]).toBeUndefined();
    const steps = `query($id: ID!) { node(id: $id) { ... on RunObject { steps(first: 1) { edges { cursor } } } } }`;
    const runGlobal = Buffer.from(`RunObject:${aliceThread}:${aliceRun}`).toString('base64');
    expect((await stack.query(steps, { id: runGlobal }, bearer(KEYS.bob))).data).toEqual({ node: null });
    expect((await stack.query(steps, { id: runGlobal }, bearer(KEYS.alice))).data!.node.steps.edges.length).toBe(1);
  });

  it('45: writes to another tenant\'s thread are NOT_FOUND exactly like an unknown thread, and nothing is sent', async () => {
    const mutations = [
      ['createRun', `mutation($t: ID!, $a: ID!) { createRun(input: { threadId: $t, assistantId: $a }) { run { runId } } }`],
      ['createMessage', `mutation($t: ID!) { createMessage(input: { threadId: $t, role: USER, content: { text: "hi" } }) { message { messageId } } }`],
      ['modifyThread', `mutation($t: ID!) { modifyThread(input: { threadId: $t, metadata: { x: "y" } }) { thread { threadId } } }`],
      ['deleteThread', `mutation($t: ID!) { deleteThread(input: { threadId: $t }) { threadId } }`],
      ['cancelRun', `mutation($t: ID!, $r: ID!) { cancelRun(input: { threadId: $t, runId: $r }) { run { runId } } }`],
    ] as const;
    for (const [name, mutation] of mutations) {
      const foreign = await upstreamCalls(stack, () => stack.query(mutation, { t: aliceThread, r: aliceRun, a: assistantId }, bearer(KEYS.bob)));
      const unknown = await stack.query(mutation, { t: 'thread_unknown', r: 'run_unknown', a: assistantId }, bearer(KEYS.alice));
      expect(codes(foreign.result), name).toEqual(['NOT_FOUND']);
      expect(foreign.result.errors![0]!.extensions).toEqual(unknown.errors![0]!.extensions);
      expect(foreign.result.errors![0]!.message).toBe(unknown.errors![0]!.message);
      expect(Object.keys(foreign.byRoute).filter((route) => !route.startsWith('GET')), name).toEqual([]);
    }
    expect((await stack.query(`query($t: ID!) { thread(id: $t) { threadId } }`, { t: aliceThread }, bearer(KEYS.alice))).data!.thread).not.toBeNull();
  });

  it('45: clients can neither set nor change the owner; the validation says 15 pairs are left', async () => {
    const attempts = await upstreamCalls(stack, async () => [
      await stack.query(CREATE_THREAD, { m: { gateway_owner: 'bob' } }, bearer(KEYS.bob)),
      await stack.query(`mutation($t: ID!) { modifyThread(input: { threadId: $t, metadata: { gateway_owner: "bob" } }) { thread { threadId } } }`, { t: aliceThread }, bearer(KEYS.alice)),
      await stack.query(CREATE_THREAD, { m: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v'])) }, bearer(KEYS.bob)),
    ]);
    expect(attempts.calls).toBe(0);
    const [set, change, tooMany] = attempts.result;
    expect(set!.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.metadata.gateway_owner' });
    expect(change!.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.metadata.gateway_owner' });
    expect(tooMany!.errors![0]!.message).toMatch(/at most 15 entries/);
    // 15 pairs are fine, and a metadata change keeps the owner.
    const fifteen = await stack.query(CREATE_THREAD, { m: Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, 'v'])) }, bearer(KEYS.bob));
    expect(fifteen.errors).toBeUndefined();
    const changed = await stack.query(`mutation($t: ID!) { modifyThread(input: { threadId: $t, metadata: { topic: "renamed" } }) { thread { metadata } } }`, { t: aliceThread }, bearer(KEYS.alice));
    expect(changed.data!.modifyThread.thread.metadata).toEqual({ topic: 'renamed' });
    expect((await stack.query(`query($t: ID!) { thread(id: $t) { threadId } }`, { t: aliceThread }, bearer(KEYS.bob))).data!.thread).toBeNull();
  });

  it('threads created outside the gateway are visible to admins only; assistants to everyone authenticated', async () => {
    const query = `query($t: ID!, $a: ID!) { thread(id: $t) { threadId } assistant(id: $a) { name } }`;
    expect((await stack.query(query, { t: outsideThread, a: assistantId }, bearer(KEYS.alice))).data).toEqual({ thread: null, assistant: { name: 'Shared' } });
    expect((await stack.query(query, { t: outsideThread, a: assistantId }, bearer(KEYS.root))).data).toEqual({ thread: { threadId: outsideThread }, assistant: { name: 'Shared' } });
    expect((await stack.query(query, { t: aliceThread, a: assistantId }, bearer(KEYS.root))).data!.thread).toEqual({ threadId: aliceThread });
  });

  it('ownership checks add no upstream call per field: a page of runs with threads costs what it costs without auth', async () => {
    for (let i = 0; i < 2; i++) await settledRun(stack.api, aliceThread, { assistant_id: assistantId });
    const page = `query($t: ID!) { thread(id: $t) { runs(first: 10) { edges { node { runId thread { threadId } steps(first: 1) { edges { cursor } } } } } } }`;
    const { byRoute, result } = await upstreamCalls(stack, () => stack.query(page, { t: aliceThread }, bearer(KEYS.alice)));
    expect(result.errors).toBeUndefined();
    expect(byRoute).toEqual({ [ROUTES.thread]: 1, [ROUTES.runs]: 1, [ROUTES.steps]: 3 });
  });

  it('45: subscriptions to another tenant\'s run or thread are NOT_FOUND before any poller starts', async () => {
    const client = createWsClient(stack.gateway.wsUrl, { authorization: `Bearer ${KEYS.bob}` });
    try {
      const runSub = subscribeWs(client, 'subscription($t: ID!, $r: ID!) { runUpdated(threadId: $t, runId: $r) { status } }', { t: aliceThread, r: aliceRun });
      const threadSub = subscribeWs(client, 'subscription($t: ID!) { threadRunsUpdated(threadId: $t) { status } }', { t: aliceThread });
      const deltas = subscribeWs(client, 'subscription($t: ID!, $r: ID!) { runMessageDeltas(threadId: $t, runId: $r) { text } }', { t: aliceThread, r: aliceRun });
      await Promise.all([runSub.done, threadSub.done, deltas.done]);
      for (const sub of [runSub, threadSub, deltas]) expect(codes(sub.results[0])).toEqual(['NOT_FOUND']);
      expect(stack.gateway.services.live.runs.size).toBe(0);
      expect(stack.gateway.services.live.threads.size).toBe(0);
    } finally {
      await client.dispose();
    }
    const own = createWsClient(stack.gateway.wsUrl, { authorization: `Bearer ${KEYS.alice}` });
    try {
      const sub = subscribeWs(own, 'subscription($t: ID!, $r: ID!) { runUpdated(threadId: $t, runId: $r) { status } }', { t: aliceThread, r: aliceRun });
      await sub.done;
      expect(sub.results[0]?.data).toEqual({ runUpdated: { status: 'COMPLETED' } });
    } finally {
      await own.dispose();
    }
  });

  it('45: a tenant subscribing right after the owner, with the same document, gets NOT_FOUND, never the owner\'s shared event result', async () => {
    const query = 'subscription($t: ID!, $r: ID!) { runUpdated(threadId: $t, runId: $r) { status thread { threadId metadata } } }';
    const own = createWsClient(stack.gateway.wsUrl, { authorization: `Bearer ${KEYS.alice}` });
    const other = createWsClient(stack.gateway.wsUrl, { authorization: `Bearer ${KEYS.bob}` });
    try {
      const mine = subscribeWs(own, query, { t: aliceThread, r: aliceRun });
      await mine.done;
      expect(mine.results).toEqual([{ data: { runUpdated: { status: 'COMPLETED', thread: { threadId: aliceThread, metadata: expect.anything() } } } }]);
      // The same state, within the time alice's result for it is shared (LIVE_SHARED_CACHE_MS).
      const theirs = subscribeWs(other, query, { t: aliceThread, r: aliceRun });
      await theirs.done;
      expect(theirs.results).toHaveLength(1);
      expect(codes(theirs.results[0])).toEqual(['NOT_FOUND']);
      expect(theirs.results[0]?.data ?? null).toBeNull();
    } finally {
      await Promise.all([own.dispose(), other.dispose()]);
    }
  });

  it('idempotency keys are scoped by subject: the same key from two tenants makes two threads', async () => {
    const mutation = 'mutation { createThread(input: { idempotencyKey: "same-key-1" }) { replayed thread { threadId } } }';
    const alice = await stack.query(mutation, undefined, bearer(KEYS.alice));
    const bob = await stack.query(mutation, undefined, bearer(KEYS.bob));
    expect(alice.data!.createThread.replayed).toBe(false);
    expect(bob.data!.createThread.replayed).toBe(false);
    expect(bob.data!.createThread.thread.threadId).not.toBe(alice.data!.createThread.thread.threadId);
  });

  it('46: client Authorization and OpenAI headers are never forwarded; the upstream sees only the server key', async () => {
    const seen: Headers[] = [];
    const spy = await startStack({
      runsApi: { apiKey: 'sk-server-key-0000' },
      env: { GATEWAY_AUTH: 'api-key', GATEWAY_API_KEYS: `alice:${KEYS.alice}` },
      fetch: (input, init) => (seen.push(new Headers(init?.headers)), fetch(input, init)),
    });
    try {
      const result = await spy.query('{ assistants(first: 1) { edges { cursor } } }', undefined, { ...bearer(KEYS.alice), 'openai-organization': 'org-evil', 'openai-beta': 'assistants=v1', 'x-api-key': 'nope' });
      expect(result.errors).toBeUndefined();
      expect(seen.length).toBeGreaterThan(0);
      for (const headers of seen) {
        expect(headers.get('authorization')).toBe('Bearer sk-server-key-0000');
        expect(headers.get('openai-organization')).toBeNull();
        expect(headers.get('openai-beta')).toBe('assistants=v2');
        expect(headers.get('x-api-key')).toBeNull();
      }
    } finally {
      await spy.close();
    }
  });
});

describe('auth and tenants: JWT', () => {
  let kit: JwtKit;
  let stack: Stack;

  beforeAll(async () => {
    kit = await jwtKit();
    stack = await startStack({
      env: { GATEWAY_AUTH: 'jwt', GATEWAY_JWT_PUBLIC_KEY: kit.publicKeyPem, GATEWAY_JWT_ISSUER: JWT_ISSUER, GATEWAY_JWT_AUDIENCE: JWT_AUDIENCE, GATEWAY_JWT_ALGORITHMS: 'RS256' },
    });
  });
  afterAll(() => stack?.close());

  it('accepts a valid token and uses its subject', async () => {
    const token = await kit.sign({ sub: 'carol' }, { expiresIn: '5m' });
    const created = await stack.query(CREATE_THREAD, { m: {} }, bearer(token));
    expect(created.errors).toBeUndefined();
    const threadId = created.data!.createThread.thread.threadId;
    const other = await kit.sign({ sub: 'dave' }, { expiresIn: '5m' });
    expect((await stack.query(`query($t: ID!) { thread(id: $t) { threadId } }`, { t: threadId }, bearer(other))).data).toEqual({ thread: null });
  });

  it('44: expired, wrong issuer or audience, no exp, alg:none and HS256 signed with the public key are 401, no upstream call', async () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'carol', iss: JWT_ISSUER, aud: JWT_AUDIENCE, exp: now + 300 };
    const { createHmac } = await import('node:crypto');
    const hsInput = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
    const tokens = [
      await kit.sign({ sub: 'carol' }, { expiresIn: now - 10 }),
      await kit.sign({ sub: 'carol' }, { expiresIn: '5m', issuer: 'https://evil.test/' }),
      await kit.sign({ sub: 'carol' }, { expiresIn: '5m', audience: 'someone-else' }),
      await kit.sign({ sub: 'carol' }),
      `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`,
      `${hsInput}.${createHmac('sha256', kit.publicKeyPem).update(hsInput).digest('base64url')}`,
      'garbage',
    ];
    for (const token of tokens) {
      const { result, calls } = await upstreamCalls(stack, () => postJson(stack, { query: '{ assistants(first: 1) { edges { cursor } } }' }, bearer(token)));
      expect(result.status, token).toBe(401);
      expect(codes(result.json)).toEqual(['UNAUTHENTICATED']);
      expect(calls).toBe(0);
    }
    expect(await stillServes(stack, bearer(await kit.sign({ sub: 'carol' }, { expiresIn: '5m' })))).toBe(true);
  });
});

describe('auth and tenants: configuration', () => {
  it('48: an exposed host without NODE_ENV=production, and production without GATEWAY_AUTH, are refused at start', () => {
    expect(() => loadConfig({ HOST: '0.0.0.0', NODE_ENV: 'development' })).toThrow(/NODE_ENV=production/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/GATEWAY_AUTH/);
    expect(() => loadConfig({ NODE_ENV: 'production', GATEWAY_AUTH: 'api-key' })).toThrow(ConfigError);
    expect(() => loadConfig({ GATEWAY_AUTH: 'jwt', GATEWAY_JWT_JWKS_URL: 'https://idp.test/jwks' })).toThrow(/ISSUER/);
    expect(() => loadConfig({ GATEWAY_JWT_ALGORITHMS: 'HS256' })).toThrow(/GATEWAY_JWT_ALGORITHMS/);
    expect(() => loadConfig({ GATEWAY_AUTH: 'api-key', GATEWAY_API_KEYS: 'alice:short' })).toThrow(/at least 16/);
    const production = loadConfig({ NODE_ENV: 'production', HOST: '0.0.0.0', GATEWAY_AUTH: 'api-key', GATEWAY_API_KEYS: `alice:${KEYS.alice}` });
    expect(production.graphiql).toBe(false);
    expect(production.security.introspection).toBe(false);
    expect(JSON.stringify(production)).not.toContain(KEYS.alice);
  });
});
