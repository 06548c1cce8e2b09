import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { SECRET, startReceiver } from '../responses-api/helpers.js';
import { waitUntil } from '../helpers/wait.js';

/** `npm run responses-api` as a person runs it: a free port, short steps, a webhook receiver, a key. */
describe('npm run responses-api', () => {
  let child: ChildProcess | undefined;
  let output = '';
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;

  afterAll(async () => {
    if (child?.pid !== undefined && child.exitCode === null) {
      process.kill(-child.pid, 'SIGTERM');
      await once(child, 'exit');
    }
    await receiver?.close();
  });

  it('starts on the port it was given (0: a free one), says where, answers the SDK, signs its webhooks and stops on SIGTERM', async () => {
    receiver = await startReceiver();
    const apiKey = 'sk-e2e-responses-0123456789';
    child = spawn('npm', ['run', 'responses-api'], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: {
        ...process.env,
        RESPONSES_API_PORT: '0',
        RESPONSES_API_STEP_MS: '20',
        RESPONSES_API_KEY: apiKey,
        RESPONSES_API_WEBHOOK_URL: receiver.url,
        RESPONSES_API_WEBHOOK_SECRET: SECRET,
        NODE_ENV: 'development',
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

    const pattern = /Responses API \(embedded\) listening on (http:\/\/127\.0\.0\.1:(\d+)\/v1)/;
    await waitUntil(() => pattern.test(output) || child?.exitCode !== null, 25_000);
    const [, url, port] = pattern.exec(output) ?? [];
    expect(url, output).toBeDefined();
    expect(Number(port)).toBeGreaterThan(0);
    expect(output).toContain('API key: required');
    expect(output).toContain(`webhooks: ${receiver.url}`);
    expect(output).not.toContain(apiKey);
    expect(output).not.toContain(SECRET);

    const client = new OpenAI({ apiKey, baseURL: url, webhookSecret: SECRET });
    const created = await client.responses.create({ model: 'gpt-4o', input: 'Hello from e2e', background: true });
    let response = created;
    while (response.status === 'queued' || response.status === 'in_progress') {
      await new Promise((resolve) => setTimeout(resolve, 10));
      response = await client.responses.retrieve(created.id);
    }
    expect(response.output_text).toBe('You said: Hello from e2e');
    await waitUntil(() => receiver!.received.length > 0);
    const hook = receiver.received[0]!;
    expect(await client.webhooks.unwrap(hook.body, hook.headers)).toMatchObject({ type: 'response.completed', data: { id: created.id } });

    const wrongKey = new OpenAI({ apiKey: 'sk-wrong-0000000000000', baseURL: url, maxRetries: 0 });
    await expect(wrongKey.conversations.create()).rejects.toMatchObject({ status: 401 });

    process.kill(-child.pid!, 'SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });

  it('a webhook URL without its secret is refused before it listens', async () => {
    const refused = spawn('npm', ['run', 'responses-api'], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, RESPONSES_API_PORT: '0', RESPONSES_API_WEBHOOK_URL: 'http://127.0.0.1:9/hook', RESPONSES_API_WEBHOOK_SECRET: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    refused.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const [code] = (await once(refused, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(text).toContain('RESPONSES_API_WEBHOOK_URL and RESPONSES_API_WEBHOOK_SECRET go together');
  });
});
