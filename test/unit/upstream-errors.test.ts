import { describe, expect, it } from 'vitest';
import { createUpstreamClient } from '../../src/upstream/client.js';
import { errorFromResponse, redactSecrets, type UpstreamError } from '../../src/upstream/errors.js';
import { testUpstreamConfig } from '../helpers/upstream-config.js';

const KEY = 'sk-proj-secretsecretsecret1234';
const body = (message: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code: null, ...extra } });

function map(status: number, text: string, extra: Partial<Parameters<typeof errorFromResponse>[0]> = {}) {
  const error = errorFromResponse({ status, body: text, requestId: 'req_123', secrets: [KEY], ...extra });
  return { message: error.message, extensions: error.extensions };
}

describe('upstream error mapping', () => {
  it('maps 401/403 to UPSTREAM_UNAUTHORIZED without any upstream text', () => {
    for (const status of [401, 403]) {
      const mapped = map(status, body('Incorrect API key provided: sk-proj-***1234. You can find your API key at https://platform.openai.com.'));
      expect(mapped.extensions).toEqual({ code: 'UPSTREAM_UNAUTHORIZED', requestId: 'req_123', upstreamStatus: status });
      expect(JSON.stringify(mapped)).not.toMatch(/sk-|\*\*\*|1234|Incorrect/);
    }
  });

  it('maps 404 to NOT_FOUND', () => {
    expect(map(404, body('No run found with id run_1.')).extensions['code']).toBe('NOT_FOUND');
  });

  it('maps 429 to RATE_LIMITED with retryAfterMs', () => {
    expect(map(429, body('Rate limit reached'), { retryAfterMs: 1200 }).extensions).toEqual({ code: 'RATE_LIMITED', retryAfterMs: 1200, requestId: 'req_123', upstreamStatus: 429 });
  });

  it('maps 400 to BAD_USER_INPUT with param and a sanitised message', () => {
    const mapped = map(400, body(`Invalid value for temperature; key ${KEY} and sk-abc***xyz and Bearer abc.def`, { param: 'temperature', code: 'invalid_value' }));
    expect(mapped.extensions).toEqual({ code: 'BAD_USER_INPUT', param: 'temperature', upstreamCode: 'invalid_value', requestId: 'req_123', upstreamStatus: 400 });
    expect(mapped.message).toContain('(parameter temperature)');
    expect(mapped.message).toContain('Invalid value for temperature');
    expect(mapped.message).not.toMatch(/secret|sk-|\*\*\*|abc\.def/);
  });

  it('recognises the real API\'s state-conflict messages as CONFLICT', () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['Thread thread_abc already has an active run run_def.', { conflict: 'thread_has_active_run', threadId: 'thread_abc', runId: 'run_def' }],
      ["Can't add messages to thread_abc while a run run_def is active.", { conflict: 'thread_locked_by_run', threadId: 'thread_abc', runId: 'run_def' }],
      ['Runs in status "completed" do not accept tool outputs.', { conflict: 'run_not_accepting_tool_outputs', runStatus: 'completed' }],
      ["Cannot cancel run with status 'completed'.", { conflict: 'run_not_cancellable', runStatus: 'completed' }],
    ];
    for (const [message, extensions] of cases) {
      const mapped = map(400, body(message));
      expect(mapped.extensions).toEqual({ code: 'CONFLICT', requestId: 'req_123', upstreamStatus: 400, ...extensions });
      expect(mapped.message).toBe(message);
    }
    expect(map(409, body('whatever')).extensions).toMatchObject({ code: 'CONFLICT', upstreamStatus: 409 });
  });

  it('maps 5xx to UPSTREAM_UNAVAILABLE without upstream text', () => {
    const mapped = map(502, '<html>Bad gateway sk-abc***xyz</html>');
    expect(mapped.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', requestId: 'req_123', upstreamStatus: 502 });
    expect(mapped.message).not.toMatch(/html|sk-/);
  });

  it('redacts key-like text', () => {
    expect(redactSecrets('key sk-abc***xyz and abcdefghijklmnopqrstuvwxyz0123456789ABCD end')).toBe('key [redacted] and [redacted] end');
  });

  it('never carries upstream headers, only x-request-id', async () => {
    const fetch = (async () =>
      new Response(body('Incorrect API key provided: sk-abc***xyz'), {
        status: 401,
        headers: { 'x-request-id': 'req_9', 'set-cookie': 'session=abc', 'x-secret-header': 'nope' },
      })) as typeof globalThis.fetch;
    const config = testUpstreamConfig({ apiKey: 'sk-wrong', maxRetries: 2, retryAfterCapMs: 1000, maxConcurrency: 2 });
    const upstream = createUpstreamClient({ config, fetch });
    const error = (await upstream.getThread('thread_1').catch((e: unknown) => e)) as UpstreamError;
    expect(error.toJSON()).toEqual({
      message: "The upstream API rejected the gateway's credentials.",
      extensions: { code: 'UPSTREAM_UNAUTHORIZED', requestId: 'req_9', upstreamStatus: 401 },
    });
    expect(error.status).toBe(401);
  });

  it('maps an unreadable 200 body and network failures to UPSTREAM_UNAVAILABLE', async () => {
    const config = testUpstreamConfig({ apiKey: undefined, betaHeader: '', retryAfterCapMs: 1000, maxConcurrency: 2 });
    const truncated = createUpstreamClient({ config, fetch: (async () => new Response('{"id": "run_', { status: 200 })) as typeof fetch });
    expect(((await truncated.getThread('t').catch((e: unknown) => e)) as UpstreamError).extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', reason: 'invalid_response' });
    const reset = createUpstreamClient({ config, fetch: (async () => { throw new TypeError('fetch failed', { cause: new Error('ECONNRESET') }); }) as typeof fetch });
    expect(((await reset.getThread('t').catch((e: unknown) => e)) as UpstreamError).extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', reason: 'network' });
  });
});
