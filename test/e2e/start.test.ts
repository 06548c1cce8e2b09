import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../helpers/wait.js';

/** `npm start` as a person runs it: embedded upstream with its demo data, nothing configured. */
describe('npm start', () => {
  const children: ChildProcess[] = [];

  afterAll(async () => {
    for (const child of children) {
      if (child.pid !== undefined && child.exitCode === null) {
        process.kill(-child.pid, 'SIGTERM');
        await once(child, 'exit');
      }
    }
  });

  /** `npm start` with these settings on top of the environment; its output so far and the GraphQL URL it printed. */
  async function npmStart(env: Record<string, string>): Promise<{ output: () => string; graphqlUrl: string | undefined }> {
    let output = '';
    const child = spawn('npm', ['start'], {
      cwd: new URL('../..', import.meta.url).pathname,
      // Port 0 for both servers: the start-up lines tell where they are.
      env: { ...process.env, PORT: '0', RUNS_API_PORT: '0', NODE_ENV: 'development', ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // Up (the banner), or gone (its output says why): the expectations of each test tell which.
    await waitUntil(() => /GraphQL \(HTTP, SSE\):\s+(\S+)/.test(output) || child.exitCode !== null, 25_000).catch(() => undefined);
    return { output: () => output, graphqlUrl: /GraphQL \(HTTP, SSE\):\s+(\S+)/.exec(output)?.[1] };
  }

  it('starts the gateway on its embedded runs API and answers a query', async () => {
    const started = await npmStart({});
    const output = started.output();
    const graphqlUrl = started.graphqlUrl;
    expect(graphqlUrl, output).toMatch(/^http:\/\/localhost:\d+\/graphql$|^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    expect(output).toMatch(/WebSocket:\s+ws:\/\/\S+\/graphql/);
    expect(output).toMatch(/Upstream:\s+http:\/\/\S+\/v1 \(embedded runs API\)/);

    const response = await fetch(graphqlUrl!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ assistants(first: 10) { edges { node { name model } } } }' }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data?: { assistants: { edges: Array<{ node: { name: string | null } }> } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    // The demo data set gives GraphiQL something to show on a fresh start.
    expect(body.data?.assistants.edges.length).toBeGreaterThan(0);

    const demoRun = await fetch(graphqlUrl!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ run(threadId: "thread_demo", runId: "run_demo_completed") { status object thread { id } } }' }),
    });
    expect(await demoRun.json()).toMatchObject({ data: { run: { status: 'COMPLETED', object: 'THREAD_RUN' } } });

    const graphiql = await fetch(graphqlUrl!, { headers: { accept: 'text/html' } });
    expect(graphiql.status).toBe(200);
    const html = await graphiql.text();
    expect(html).toContain('GraphiQL');
    // Offline: no script or stylesheet is loaded from another host.
    expect(html).not.toMatch(/<script[^>]+src="https?:/);
    expect(html).not.toMatch(/<link[^>]+href="https?:/);

    const metrics = await fetch(graphqlUrl!.replace(/\/graphql$/, '/metrics'));
    expect(await metrics.text()).toMatch(/gateway_upstream_requests_total\{method="GET",route="\/assistants",status="200"\} 1\n/);
  });

  it('with RUNS_API_PROFILE=foundry-classic the gateway speaks Foundry classic to it: bearer tokens from its token endpoint, api-version, no /v1', async () => {
    const started = await npmStart({ RUNS_API_PROFILE: 'foundry-classic', RUNS_API_CLIENT_ID: 'local-gateway', RUNS_API_CLIENT_SECRET: 'local-secret-not-shown' });
    const output = started.output();
    expect(started.graphqlUrl, output).toBeDefined();
    expect(output).toMatch(/Upstream:\s+http:\/\/\S+\/api\/projects\/demo \(embedded runs API, presenting Foundry classic, tokens from http:\/\/\S+\/oauth2\/v2\.0\/token\)/);
    expect(output).not.toContain('local-secret-not-shown');
    const response = await fetch(started.graphqlUrl!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ assistants(first: 10) { edges { node { name } } } threads(first: 5) { edges { node { threadId } } } }' }),
    });
    const body = (await response.json()) as { data?: { assistants: { edges: unknown[] }; threads: { edges: unknown[] } }; errors?: unknown };
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    expect(body.data?.assistants.edges.length).toBeGreaterThan(0);
    // Foundry's GET /threads, which the openai profile would refuse unsent.
    expect(body.data?.threads.edges.length).toBeGreaterThan(0);
  });
});
