import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createUpstreamClient } from '../../src/upstream/client.js';
import { UpstreamError } from '../../src/upstream/errors.js';
import { ENTRA_TOKEN_URL } from '../../src/upstream/profiles.js';
import { resolveResponsesUpstream } from '../../src/runs-api/engines/responses/profile.js';
import { testUpstreamConfig } from '../helpers/upstream-config.js';

const BASE = { NODE_ENV: 'test', UPSTREAM_BASE_URL: 'https://res.services.ai.azure.com/api/projects/p1' };
const FOUNDRY = { ...BASE, UPSTREAM_PROFILE: 'foundry-classic', UPSTREAM_TENANT_ID: 'tenant-1', UPSTREAM_CLIENT_ID: 'app-1', UPSTREAM_CLIENT_SECRET: 'secret-value-1234' };

function recordingFetch(reply: () => Response) {
  const calls: Array<{ url: string; method: string; headers: Headers }> = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), method: init?.method ?? 'GET', headers: new Headers(init?.headers) });
    return reply();
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (cause: unknown) => cause,
  );
  expect(error).toBeInstanceOf(GraphQLError);
  return error as UpstreamError;
}

describe('upstream profiles: the settings each implies', () => {
  it('openai is the default: the beta header, no api-version, a static key, every operation but the thread list', () => {
    const { upstream } = loadConfig({ ...BASE, UPSTREAM_API_KEY: 'sk-1234567890' });
    expect(upstream.profile).toBe('openai');
    expect(upstream.betaHeader).toBe('assistants=v2');
    expect(upstream.queryParams).toEqual({});
    expect(upstream.auth).toEqual({ mode: 'key' });
    expect([...upstream.capabilities].sort()).toEqual(['cancel_run', 'list_runs', 'modify_run', 'run_steps']);
  });

  it("foundry-classic: no beta header, api-version, Entra's client credentials with the tenant in the URL, the thread list and tool approvals", () => {
    const { upstream } = loadConfig(FOUNDRY);
    expect(upstream.betaHeader).toBe('');
    expect(upstream.queryParams).toEqual({ 'api-version': '2025-05-01' });
    expect(upstream.auth).toEqual({
      mode: 'client-credentials',
      tokenUrl: ENTRA_TOKEN_URL.replace('{tenant}', 'tenant-1'),
      clientId: 'app-1',
      clientSecret: 'secret-value-1234',
      scope: 'https://ai.azure.com/.default',
      timeoutMs: 5_000,
      refreshMarginMs: 300_000,
    });
    expect(upstream.capabilities.has('list_threads')).toBe(true);
    expect(upstream.capabilities.has('tool_approvals')).toBe(true);
  });

  it('every implied setting can be overridden on its own', () => {
    const { upstream } = loadConfig({
      ...FOUNDRY,
      UPSTREAM_API_VERSION: '2025-05-15-preview',
      UPSTREAM_BETA_HEADER: 'assistants=v2',
      UPSTREAM_TOKEN_URL: 'http://127.0.0.1:9/token',
      UPSTREAM_TOKEN_SCOPE: 'api://other/.default',
      UPSTREAM_CAPABILITIES: '-cancel_run,+list_runs,-list_threads',
    });
    expect(upstream.queryParams).toEqual({ 'api-version': '2025-05-15-preview' });
    expect(upstream.betaHeader).toBe('assistants=v2');
    expect(upstream.auth).toMatchObject({ tokenUrl: 'http://127.0.0.1:9/token', scope: 'api://other/.default' });
    expect(upstream.capabilities.has('cancel_run')).toBe(false);
    expect(upstream.capabilities.has('list_threads')).toBe(false);
    // `none` turns a profile's default off; an api-version in UPSTREAM_QUERY_PARAMS wins over the setting.
    expect(loadConfig({ ...FOUNDRY, UPSTREAM_API_VERSION: 'none' }).upstream.queryParams).toEqual({});
    expect(loadConfig({ ...BASE, UPSTREAM_BETA_HEADER: 'none' }).upstream.betaHeader).toBe('');
    expect(loadConfig({ ...FOUNDRY, UPSTREAM_QUERY_PARAMS: 'api-version=v1' }).upstream.queryParams).toEqual({ 'api-version': 'v1' });
    expect(loadConfig({ ...FOUNDRY, UPSTREAM_AUTH: 'key', UPSTREAM_API_KEY: 'k-1234567890' }).upstream.auth).toEqual({ mode: 'key' });
  });

  it('look-alikes say what they lack', () => {
    expect([...loadConfig({ ...BASE, UPSTREAM_PROFILE: 'astra' }).upstream.capabilities]).toEqual(['list_runs']);
    expect([...loadConfig({ ...BASE, UPSTREAM_PROFILE: 'cogitator' }).upstream.capabilities]).toEqual(['cancel_run']);
    expect(loadConfig({ ...BASE, UPSTREAM_PROFILE: 'cogitator' }).upstream.betaHeader).toBe('');
  });

  it('refuses incomplete or contradictory settings, naming them, with the secret hidden', () => {
    expect(() => loadConfig({ ...BASE, UPSTREAM_PROFILE: 'foundry-classic' })).toThrow(/UPSTREAM_TENANT_ID, UPSTREAM_CLIENT_ID, UPSTREAM_CLIENT_SECRET/);
    expect(() => loadConfig({ ...FOUNDRY, UPSTREAM_API_KEY: 'sk-1234567890' })).toThrow(/set one of them/);
    expect(() => loadConfig({ ...BASE, UPSTREAM_PROFILE: 'azure' })).toThrow(/unknown profile "azure"; accepted: openai, foundry-classic/);
    // The Responses engine's grant is resolved by the same code, its settings named RESPONSES_…, Entra's by default under foundry.
    const token = { url: undefined, tenantId: undefined, clientId: 'app-1', clientSecret: undefined, scope: undefined };
    const responses = { profile: 'foundry' as const, apiVersion: undefined, agentName: undefined, agentVersion: undefined, userIsolation: false, isolationSecret: undefined };
    expect(() => resolveResponsesUpstream({ ...responses, token }, { apiKey: undefined, runsApiAuthenticates: true })).toThrow(/RESPONSES_CLIENT_ID \(client credentials\) needs RESPONSES_TENANT_ID, RESPONSES_CLIENT_SECRET\./);
    const resolved = resolveResponsesUpstream({ ...responses, token: { ...token, tenantId: 'tenant 1', clientSecret: 'secret-1' } }, { apiKey: undefined, runsApiAuthenticates: true });
    expect(resolved.credentials).toEqual({ tokenUrl: ENTRA_TOKEN_URL.replace('{tenant}', 'tenant%201'), clientId: 'app-1', clientSecret: 'secret-1', scope: 'https://ai.azure.com/.default', timeoutMs: 5_000, refreshMarginMs: 300_000 });
    expect(() => resolveResponsesUpstream({ ...responses, profile: 'openai', token }, { apiKey: undefined, runsApiAuthenticates: true })).toThrow(/needs RESPONSES_TOKEN_URL, RESPONSES_CLIENT_SECRET, RESPONSES_TOKEN_SCOPE\./);
    expect(() => loadConfig({ ...BASE, UPSTREAM_CAPABILITIES: '-cancel' })).toThrow(/unknown capability "cancel"/);
    try {
      loadConfig({ ...FOUNDRY, UPSTREAM_CLIENT_SECRET: 'secret-value-1234', UPSTREAM_TOKEN_TIMEOUT_MS: '-1' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect(String(error)).not.toContain('secret-value-1234');
    }
  });
});

describe('upstream profiles: on the wire', () => {
  it('sends no OpenAI-Beta and the api-version on every call when the profile says so', async () => {
    const { fetch, calls } = recordingFetch(() => Response.json({ id: 'thread_1', object: 'thread' }));
    const upstream = createUpstreamClient({ config: testUpstreamConfig({ betaHeader: '', queryParams: { 'api-version': 'v1' } }), fetch });
    await upstream.getThread('thread_1');
    expect(calls[0]!.url).toBe('http://upstream.test/v1/threads/thread_1?api-version=v1');
    expect(calls[0]!.headers.has('openai-beta')).toBe(false);
  });

  it('an operation the profile lacks is refused before sending with UPSTREAM_UNSUPPORTED, streams included', async () => {
    const { fetch, calls } = recordingFetch(() => Response.json({}));
    const upstream = createUpstreamClient({ config: testUpstreamConfig({ profile: 'cogitator', capabilities: new Set(['cancel_run']) }), fetch });
    const steps = await rejection(upstream.listRunSteps('thread_1', 'run_1'));
    expect(steps.extensions).toEqual({ code: 'UPSTREAM_UNSUPPORTED', capability: 'run_steps', profile: 'cogitator' });
    expect(steps.message).toBe("The upstream (profile cogitator) does not support reading a run's steps.");
    expect((await rejection(upstream.listRuns('thread_1'))).extensions['capability']).toBe('list_runs');
    expect((await rejection(upstream.listThreads())).extensions['capability']).toBe('list_threads');
    expect((await rejection(upstream.request({ method: 'POST', route: '/threads/{thread_id}/runs/{run_id}', params: { thread_id: 't', run_id: 'r' }, body: {} }))).extensions['capability']).toBe('modify_run');
    expect(calls).toHaveLength(0);
    expect(upstream.supports('cancel_run')).toBe(true);
    expect(upstream.supports('run_steps')).toBe(false);
  });

  it('the thread list reads an envelope without object or first_id', async () => {
    const { fetch, calls } = recordingFetch(() => Response.json({ data: [{ id: 'thread_b', object: 'thread' }], last_id: 'thread_b', has_more: false }));
    const upstream = createUpstreamClient({ config: testUpstreamConfig({ capabilities: new Set(['list_threads']) }), fetch });
    const page = await upstream.listThreads({ limit: 5, order: 'desc' });
    expect(page.data.map((thread) => thread.id)).toEqual(['thread_b']);
    expect(calls[0]!.url).toBe('http://upstream.test/v1/threads?limit=5&order=desc');
  });

  it("a look-alike's 201 on create is a success", async () => {
    const { fetch } = recordingFetch(() => Response.json({ id: 'run_1', object: 'thread.run', thread_id: 'thread_1', status: 'queued' }, { status: 201 }));
    const upstream = createUpstreamClient({ config: testUpstreamConfig(), fetch });
    const created = await upstream.request<{ id: string }>({ method: 'POST', route: '/threads/{thread_id}/runs', params: { thread_id: 'thread_1' }, body: { assistant_id: 'asst_1' } });
    expect(created).toMatchObject({ status: 201, data: { id: 'run_1' } });
  });
});
