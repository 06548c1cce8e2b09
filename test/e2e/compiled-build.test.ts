import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRunsApi, type RunsApi } from '../../src/runs-api/index.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * The production build (`npm run build`, dist/) as `npm start` and `npm run runs-api` run it: plain `node` on the
 * bundle, no TypeScript at run time. Built here first when dist/ is missing or older than the sources.
 */
const root = new URL('../..', import.meta.url).pathname;

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

const started: Started[] = [];

function startNode(entry: string, env: Record<string, string>): Started {
  let output = '';
  const child = spawn(process.execPath, [`dist/${entry}`], {
    cwd: root,
    // Nothing of the test runner's environment (its NODE_OPTIONS would load tsx): the process sees only this.
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', RUNS_API_PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const process_ = { child, output: () => output, exited: once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]> };
  started.push(process_);
  return process_;
}

async function banner(started_: Started, pattern: RegExp): Promise<RegExpExecArray> {
  await waitUntil(() => pattern.test(started_.output()) || started_.child.exitCode !== null, 20_000).catch(() => undefined);
  const match = pattern.exec(started_.output());
  expect(match, started_.output()).not.toBeNull();
  return match!;
}

async function graphql(url: string, query: string): Promise<{ status: number; body: { data?: Record<string, unknown>; errors?: unknown } }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return { status: response.status, body: (await response.json()) as { data?: Record<string, unknown>; errors?: unknown } };
}

describe('the compiled build', () => {
  let upstream: RunsApi;

  beforeAll(async () => {
    // esbuild, no type check: a few seconds (measured 6 s on 2 busy cores); nothing when dist/ is fresh.
    execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: root, stdio: 'inherit' });
    upstream = await startRunsApi({ port: 0, stepMs: 20, demoData: true });
  }, 120_000);

  afterAll(async () => {
    for (const { child, exited } of started) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    await upstream?.close();
  });

  it('runs the gateway in production mode: serves a query, is ready, and stops cleanly on SIGTERM', async () => {
    const gateway = startNode('index.js', { NODE_ENV: 'production', GATEWAY_AUTH: 'none', UPSTREAM_BASE_URL: upstream.url, READINESS_CACHE_MS: '0', SHUTDOWN_DELAY_MS: '0' });
    const [, url] = await banner(gateway, /GraphQL \(HTTP, SSE\):\s+(\S+)/);
    const origin = url!.replace(/\/graphql$/, '');
    expect(gateway.output()).toMatch(/GraphiQL:\s+off/);

    const served = await graphql(url!, '{ run(threadId: "thread_demo", runId: "run_demo_completed") { status assistant { name } } }');
    expect(served).toMatchObject({ status: 200, body: { data: { run: { status: 'COMPLETED', assistant: { name: expect.any(String) } } } } });
    expect(served.body.errors).toBeUndefined();
    expect((await fetch(`${origin}/health`)).status).toBe(200);
    expect((await fetch(`${origin}/readiness`)).status).toBe(200);
    // Production: no GraphiQL page, a JSON answer instead.
    const page = await fetch(url!, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type') ?? '').not.toMatch(/text\/html/);

    gateway.child.kill('SIGTERM');
    const [code, signal] = await gateway.exited;
    expect({ code, signal }, gateway.output()).toEqual({ code: 0, signal: null });
    expect(gateway.output()).toMatch(/SIGTERM: shutting down/);
  });

  it('runs the gateway in development mode on its embedded runs API, with GraphiQL and the console from dist/', async () => {
    const gateway = startNode('index.js', { NODE_ENV: 'development' });
    const [, url] = await banner(gateway, /GraphQL \(HTTP, SSE\):\s+(\S+)[\s\S]*Upstream:\s+\S+ \(embedded runs API\)/);
    const origin = url!.replace(/\/graphql$/, '');

    const assistants = await graphql(url!, '{ assistants(first: 10) { edges { node { name } } } }');
    expect(assistants.status).toBe(200);
    expect((assistants.body.data?.['assistants'] as { edges: unknown[] }).edges.length).toBeGreaterThan(0);

    const page = await fetch(url!, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('GraphiQL');
    // The console's page names its script and stylesheet by content hash: follow what it references.
    const consolePage = await fetch(`${origin}/console/`);
    expect(consolePage.status).toBe(200);
    const references = [...(await consolePage.text()).matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((match) => match[1]!);
    expect(references.length).toBeGreaterThanOrEqual(2);
    for (const asset of [...references.map((reference) => new URL(reference, `${origin}/console/`).pathname), '/console/graphql-ws/client.js']) {
      const response = await fetch(`${origin}${asset}`);
      expect(response.status, asset).toBe(200);
      expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(0);
    }

    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toEqual([0, null]);
  });

  it('runs the runs API alone: the official SDK reads its demo data, and its spec validators answer bad input', async () => {
    const api = startNode('runs-api.js', { RUNS_API_DEMO_DATA: 'true' });
    const [, url] = await banner(api, /listening on (\S+)/);
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: url!, maxRetries: 0 });

    const assistants = await client.beta.assistants.list();
    expect(assistants.data.length).toBeGreaterThan(0);
    // Checked against the normalised spec (read from dist/ at run time): a wrong type is a 400 that names the field.
    const refused = await client.beta.assistants.create({ model: 'gpt-4o', temperature: 'warm' as unknown as number }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/temperature/);

    api.child.kill('SIGTERM');
    expect(await api.exited).toEqual([0, null]);
  });
});
