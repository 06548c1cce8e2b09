import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../helpers/wait.js';

/** `npm start` as a person runs it: embedded upstream with its demo data, nothing configured. */
describe('npm start', () => {
  let child: ChildProcess | undefined;
  let output = '';

  afterAll(async () => {
    if (child?.pid !== undefined && child.exitCode === null) {
      process.kill(-child.pid, 'SIGTERM');
      await once(child, 'exit');
    }
  });

  it('starts the gateway on its embedded runs API and answers a query', async () => {
    child = spawn('npm', ['start'], {
      cwd: new URL('../..', import.meta.url).pathname,
      // Port 0 for both servers: the start-up lines tell where they are.
      env: { ...process.env, PORT: '0', RUNS_API_PORT: '0', NODE_ENV: 'development' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

    // Up (the banner), or gone (its output says why): the expectations below tell which.
    await waitUntil(() => /GraphQL \(HTTP, SSE\):\s+(\S+)/.test(output) || child?.exitCode !== null, 25_000).catch(() => undefined);
    const graphqlUrl = /GraphQL \(HTTP, SSE\):\s+(\S+)/.exec(output)?.[1];
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
});
