import OpenAI, { BadRequestError, NotFoundError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISOLATION_KEY_HEADER } from '../../src/responses-api/index.js';
import { call, startTestResponsesApi, waitForResponse, type ResponsesApi } from './helpers.js';

const API_KEY = 'sk-test-foundry-0123456789';
const AGENT = { type: 'agent_reference', name: 'support-agent', version: '3' } as const;

interface ConversationList {
  object: 'list';
  data: Array<{ id: string; object: 'conversation' }>;
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

/** The SDK's body type has no `agent_reference`: Foundry's samples pass it as an extra body field, as here. */
function withAgent(body: Omit<OpenAI.Responses.ResponseCreateParamsNonStreaming, 'model'>, agent: unknown = AGENT): OpenAI.Responses.ResponseCreateParamsNonStreaming {
  return { ...body, agent_reference: agent } as OpenAI.Responses.ResponseCreateParamsNonStreaming;
}

describe('the embedded Responses API in the foundry presentation (openai SDK as the client)', () => {
  let api: ResponsesApi;
  let alice: OpenAI;
  let bob: OpenAI;
  let anonymous: OpenAI;

  beforeAll(async () => {
    api = await startTestResponsesApi({ apiKey: API_KEY, presentation: 'foundry' });
    const client = (isolationKey?: string) =>
      new OpenAI({ apiKey: API_KEY, baseURL: api.url, maxRetries: 0, ...(isolationKey ? { defaultHeaders: { [ISOLATION_KEY_HEADER]: isolationKey } } : {}) });
    alice = client('alice-key');
    bob = client('bob-key');
    anonymous = client();
  });
  afterAll(async () => {
    await api.close();
  });

  it('runs a background response for the agent named by agent_reference, and echoes it', async () => {
    const conversation = await alice.conversations.create({});
    const created = await alice.responses.create(withAgent({ input: 'Hello agent', conversation: conversation.id, background: true }));
    expect(created.status).toBe('queued');
    expect((created as unknown as { agent_reference: unknown }).agent_reference).toEqual(AGENT);
    expect(created.model).toBe('support-agent');
    expect(created.instructions).toBeNull();
    const ended = await waitForResponse(api, created.id, { headers: { authorization: `Bearer ${API_KEY}`, [ISOLATION_KEY_HEADER]: 'alice-key' } });
    expect(ended.status).toBe('completed');
    const items = await alice.conversations.items.list(conversation.id, { order: 'asc' });
    expect(items.data.map((item) => item.type)).toEqual(['message', 'message']);
  });

  it('requires agent_reference, and refuses model or instructions beside it, naming the field', async () => {
    const refused = async (request: Promise<unknown>) => (await request.then(() => undefined, (error: unknown) => error)) as BadRequestError;
    const missing = await refused(alice.responses.create({ model: 'gpt-4o', input: 'no agent' }));
    expect(missing).toBeInstanceOf(BadRequestError);
    expect(missing.param).toBe('agent_reference');
    expect(missing.code).toBe('missing_required_parameter');
    const withModel = await refused(alice.responses.create({ ...withAgent({ input: 'both' }), model: 'gpt-4o' }));
    expect(withModel.param).toBe('model');
    const withInstructions = await refused(alice.responses.create(withAgent({ input: 'both', instructions: 'Be terse.' })));
    expect(withInstructions.param).toBe('instructions');
    const badType = await refused(alice.responses.create(withAgent({ input: 'x' }, { type: 'agent', name: 'support-agent' })));
    expect(badType.param).toBe('agent_reference.type');
    const badName = await refused(alice.responses.create(withAgent({ input: 'x' }, { type: 'agent_reference', name: 'no spaces allowed' })));
    expect(badName.param).toBe('agent_reference.name');
  });

  it("scopes conversations and responses by x-ms-user-isolation-key: another key's objects are not found", async () => {
    const conversation = await alice.conversations.create({ metadata: { topic: 'private' } });
    const response = await alice.responses.create(withAgent({ input: 'Secret question', conversation: conversation.id, background: true }));

    for (const other of [bob, anonymous]) {
      await expect(other.conversations.retrieve(conversation.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(other.conversations.items.list(conversation.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(other.conversations.items.create(conversation.id, { items: [{ type: 'message', role: 'user', content: 'intrude' }] })).rejects.toBeInstanceOf(NotFoundError);
      await expect(other.conversations.delete(conversation.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(other.responses.retrieve(response.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(other.responses.cancel(response.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(other.responses.inputItems.list(response.id)).rejects.toBeInstanceOf(NotFoundError);
      // Neither can a response of theirs run in, or continue from, the other caller's objects.
      await expect(other.responses.create(withAgent({ input: 'into it', conversation: conversation.id }))).rejects.toMatchObject({ status: 404, param: 'conversation' });
      await expect(other.responses.create(withAgent({ input: 'after it', previous_response_id: response.id }))).rejects.toMatchObject({ status: 400, code: 'previous_response_not_found' });
    }
    expect((await alice.conversations.retrieve(conversation.id)).metadata).toEqual({ topic: 'private' });
    expect((await alice.responses.retrieve(response.id)).id).toBe(response.id);
  });

  it('an Idempotency-Key reused under another isolation key makes a new object, not a replay of the first caller\'s', async () => {
    const key = { headers: { 'Idempotency-Key': 'same-key-both-callers' } };
    const first = await alice.conversations.create({ metadata: { owner: 'alice' } }, key);
    const again = await alice.conversations.create({ metadata: { owner: 'alice' } }, key);
    const other = await bob.conversations.create({ metadata: { owner: 'alice' } }, key);
    expect(again.id).toBe(first.id);
    expect(other.id).not.toBe(first.id);
    await expect(bob.conversations.retrieve(first.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("GET /conversations lists only the caller's conversations, pages with after, and filters by agent", async () => {
    const listing = await startTestResponsesApi({ apiKey: API_KEY, presentation: 'foundry' });
    try {
      const as = (isolationKey: string) => new OpenAI({ apiKey: API_KEY, baseURL: listing.url, maxRetries: 0, defaultHeaders: { [ISOLATION_KEY_HEADER]: isolationKey } });
      const carol = as('carol-key');
      const dave = as('dave-key');
      const carols = [await carol.conversations.create({}), await carol.conversations.create({}), await carol.conversations.create({})];
      const daves = await dave.conversations.create({});
      const other = { type: 'agent_reference', name: 'billing-agent' };
      await carol.responses.create(withAgent({ input: 'for support', conversation: carols[0]!.id }));
      await carol.responses.create(withAgent({ input: 'for billing', conversation: carols[1]!.id }, other));

      const all = await carol.get<ConversationList>('/conversations');
      expect(all.object).toBe('list');
      // Newest first, as lists of this wire are by default.
      expect(all.data.map((conversation) => conversation.id)).toEqual(carols.map((conversation) => conversation.id).reverse());
      expect(all.data.every((conversation) => conversation.object === 'conversation')).toBe(true);

      const first = await carol.get<ConversationList>('/conversations', { query: { limit: 2, order: 'asc' } });
      expect(first.data.map((conversation) => conversation.id)).toEqual([carols[0]!.id, carols[1]!.id]);
      expect(first.has_more).toBe(true);
      const next = await carol.get<ConversationList>('/conversations', { query: { limit: 2, order: 'asc', after: first.last_id } });
      expect(next.data.map((conversation) => conversation.id)).toEqual([carols[2]!.id]);
      expect(next.has_more).toBe(false);

      const bySupport = await carol.get<ConversationList>('/conversations', { query: { agent_name: 'support-agent' } });
      expect(bySupport.data.map((conversation) => conversation.id)).toEqual([carols[0]!.id]);
      const byVersion = await carol.get<ConversationList>('/conversations', { query: { agent_id: 'support-agent:3' } });
      expect(byVersion.data.map((conversation) => conversation.id)).toEqual([carols[0]!.id]);
      const byOtherVersion = await carol.get<ConversationList>('/conversations', { query: { agent_id: 'support-agent:2' } });
      expect(byOtherVersion.data).toEqual([]);

      const davesList = await dave.get<ConversationList>('/conversations');
      expect(davesList.data.map((conversation) => conversation.id)).toEqual([daves.id]);
      // A cursor from another caller's list is not a cursor of this one.
      await expect(dave.get('/conversations', { query: { after: carols[0]!.id } })).rejects.toMatchObject({ status: 400, param: 'after' });
      await expect(carol.get('/conversations', { query: { before: carols[2]!.id } })).rejects.toMatchObject({ status: 400, param: 'before' });
    } finally {
      await listing.close();
    }
  });

  it('the openai presentation keeps its own wire: no conversation list, the header changes nothing, agent_reference is an unknown parameter', async () => {
    const plain = await startTestResponsesApi({ apiKey: API_KEY });
    try {
      const headers = { authorization: `Bearer ${API_KEY}` };
      expect((await call(plain, 'GET', '/conversations', { headers })).status).toBe(404);
      const created = await call<{ id: string }>(plain, 'POST', '/conversations', { headers: { ...headers, [ISOLATION_KEY_HEADER]: 'alice-key' }, body: {} });
      expect(created.status).toBe(200);
      expect((await call(plain, 'GET', `/conversations/${created.body.id}`, { headers: { ...headers, [ISOLATION_KEY_HEADER]: 'bob-key' } })).status).toBe(200);
      const refused = await call<{ error: { param: string } }>(plain, 'POST', '/responses', { headers, body: { model: 'gpt-4o', input: 'x', agent_reference: AGENT } });
      expect(refused.status).toBe(400);
      expect(refused.body.error.param).toBe('agent_reference');
    } finally {
      await plain.close();
    }
  });
});
