import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { callsSince, createAssistant, settledRun } from '../helpers/fixtures.js';
import { startStack, type GraphQLResponse, type Stack, type StackOptions } from '../helpers/stack.js';
import { nextTurn, waitUntil } from '../helpers/wait.js';

/** Keys of the api-key stacks: alice and bob are tenants, root is an admin. */
export const KEYS = {
  alice: 'alice-key-0123456789abcdef',
  bob: 'bob-key-0123456789abcdef',
  root: 'root-key-0123456789abcdef',
} as const;

export const API_KEY_ENV = {
  GATEWAY_AUTH: 'api-key',
  GATEWAY_API_KEYS: `alice:${KEYS.alice},bob:${KEYS.bob},root:${KEYS.root}`,
  GATEWAY_ADMIN_SUBJECTS: 'root',
};

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: GraphQLResponse<any> | undefined;
}

/** A real HTTP request to the gateway's socket (the body limit sits in front of yoga, so yoga.fetch would skip it). */
export async function http(stack: Stack, init: { method?: string; path?: string; body?: BodyInit; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
  const url = new URL(init.path ?? '/graphql', stack.gateway.url);
  const response = await fetch(url, { method: init.method ?? 'POST', headers: init.headers ?? {}, ...(init.body !== undefined ? { body: init.body } : {}) });
  const text = await response.text();
  let json: GraphQLResponse<any> | undefined;
  try {
    json = JSON.parse(text) as GraphQLResponse<any>;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export const jsonHeaders = (extra: Record<string, string> = {}) => ({ 'content-type': 'application/json', accept: 'application/graphql-response+json', ...extra });

export function postJson(stack: Stack, body: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return http(stack, { body: typeof body === 'string' ? body : JSON.stringify(body), headers: jsonHeaders(headers) });
}

/** Upstream calls made while `body` runs, in total. */
export async function upstreamCalls<T>(stack: Stack, body: () => Promise<T>): Promise<{ result: T; calls: number; byRoute: Record<string, number> }> {
  const mark = stack.api.requestLog.length;
  const result = await body();
  // Anything the operation started has reached the log once the gateway has no upstream request left in flight.
  await nextTurn();
  const { health } = stack.gateway.services.upstream;
  await waitUntil(() => health.active === 0 && health.queued === 0);
  const byRoute = callsSince(stack.api, mark);
  return { result, calls: Object.values(byRoute).reduce((sum, count) => sum + count, 0), byRoute };
}

/** The gateway still answers a plain query: nothing crashed, nothing is wedged. */
export async function stillServes(stack: Stack, headers: Record<string, string> = {}): Promise<boolean> {
  const answer = await postJson(stack, { query: '{ __typename }' }, headers);
  return answer.status === 200 && answer.json?.data?.['__typename'] === 'Query';
}

export function startSecureStack(env: Record<string, string> = {}, options: Omit<StackOptions, 'env'> = {}): Promise<Stack> {
  return startStack({ ...options, env: { ...API_KEY_ENV, ...env } });
}

/** A thread alice created through the gateway (hers under tenancy) with one settled run of a new assistant. */
export async function alicesSettledRun(stack: Stack, assistantName: string): Promise<{ assistantId: string; threadId: string; runId: string }> {
  const assistant = await createAssistant(stack.api, { name: assistantName });
  const created = await stack.query<any>('mutation($m: JSONObject) { createThread(input: { metadata: $m }) { thread { threadId } } }', { m: { topic: 'alice' } }, bearer(KEYS.alice));
  const threadId = created.data!.createThread.thread.threadId as string;
  return { assistantId: assistant.id, threadId, runId: (await settledRun(stack.api, threadId, { assistant_id: assistant.id })).id };
}

export const codes = (response: GraphQLResponse<any> | undefined) => (response?.errors ?? []).map((error) => error.extensions?.['code']);

export interface JwtKit {
  publicKeyPem: string;
  privateKey: CryptoKey;
  sign(claims: Record<string, unknown>, options?: { expiresIn?: string | number; issuer?: string; audience?: string; alg?: string; key?: CryptoKey | Uint8Array }): Promise<string>;
}

export const JWT_ISSUER = 'https://issuer.test/';
export const JWT_AUDIENCE = 'runs-gateway';

export async function jwtKit(): Promise<JwtKit> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const publicKeyPem = await exportSPKI(publicKey);
  return {
    publicKeyPem,
    privateKey,
    async sign(claims, options = {}) {
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: options.alg ?? 'RS256' })
        .setIssuedAt()
        .setIssuer(options.issuer ?? JWT_ISSUER)
        .setAudience(options.audience ?? JWT_AUDIENCE);
      if (options.expiresIn !== undefined) jwt.setExpirationTime(options.expiresIn);
      return jwt.sign(options.key ?? privateKey);
    },
  };
}
