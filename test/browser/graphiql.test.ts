import { afterEach, describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/stack.js';
import { CHROMIUM_MISSING, chromiumPath, foreignHosts, openBrowser, startBrowserStack, type BrowserSession } from './browser.js';

const WAIT = { timeout: 30_000 };

describe.skipIf(!chromiumPath)(`GraphiQL in chromium${chromiumPath ? '' : ` (skipped: ${CHROMIUM_MISSING})`}`, { timeout: 120_000 }, () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (cleanup.length > 0) await cleanup.pop()!();
  });

  async function openGraphiQL(env?: Record<string, string>): Promise<{ stack: Stack; browser: BrowserSession }> {
    const stack = await startBrowserStack(150, env);
    cleanup.push(() => stack.close());
    const browser = await openBrowser();
    cleanup.push(() => browser.close());
    await browser.page.goto(stack.gateway.url);
    await browser.page.locator('.graphiql-execute-button').waitFor(WAIT);
    return { stack, browser };
  }

  /** The text of the result pane (Monaco renders spaces as no-break spaces). */
  const response = (browser: BrowserSession) => ({
    innerText: async () => (await browser.page.locator('.graphiql-response').innerText()).replace(/\s+/g, ' '),
  });
  async function execute(browser: BrowserSession, operationName: string): Promise<void> {
    // The default tab holds several operations: ▶ asks which one.
    await browser.page.locator('.graphiql-execute-button').click();
    await browser.page.getByRole('menuitem', { name: operationName, exact: true }).click();
  }

  it('shows the schema in the docs explorer, RunObject with its fields, with no host but the gateway contacted', async () => {
    const { stack, browser } = await openGraphiQL();
    const { page } = browser;
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.getByText('RunObject', { exact: true }).first().click();
    await expect.poll(() => docs.locator('.graphiql-doc-explorer-title').innerText(), WAIT).toBe('RunObject');
    for (const field of ['runId', 'status', 'requiredAction', 'lastError', 'usage']) {
      await docs.locator('.graphiql-doc-explorer-field-name', { hasText: new RegExp(`^${field}$`) }).first().waitFor(WAIT);
    }
    await browser.screenshot('graphiql-docs-runobject');
    expect(foreignHosts(browser, stack.gateway.url)).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });

  it('opens with the demo variables; the Run query returns data', async () => {
    const { stack, browser } = await openGraphiQL();
    await expect.poll(() => browser.page.locator('.graphiql-editor-tool .view-lines').first().innerText().then((text) => text.replace(/\s+/g, ' ')), WAIT).toContain('thread_demo_idle');
    await execute(browser, 'Run');
    await expect.poll(() => response(browser).innerText(), WAIT).toContain('"runId": "run_demo_idle_completed"');
    expect(await response(browser).innerText()).toContain('"status": "COMPLETED"');
    await browser.screenshot('graphiql-query');
    expect(foreignHosts(browser, stack.gateway.url)).toEqual([]);
  });

  it('streams a subscription into the result pane until COMPLETED', async () => {
    const { stack, browser } = await openGraphiQL();
    const { page } = browser;
    const streams: string[] = [];
    page.on('request', (request) => {
      if (request.headers()['accept']?.includes('text/event-stream')) streams.push(`${request.method()} ${request.url()}`);
    });

    // A function-tool run waits in REQUIRES_ACTION until its output is submitted: the subscription sees it move on.
    const started = await stack.query<{ createRun: { run: { runId: string } } }>(
      `mutation { createRun(input: { threadId: "thread_demo_idle", assistantId: "asst_demo_weather", additionalMessages: [{ role: USER, content: [{ text: "Weather in Oslo?" }] }] }) { run { runId } } }`,
    );
    const runId = started.data!.createRun.run.runId;
    // Put the new run's id in the variables: select the demo run id (one word) and type over it.
    await page.locator('.graphiql-editor-tool .view-line span[class^=mtk]', { hasText: 'run_demo_idle_completed' }).dblclick();
    await page.keyboard.insertText(runId);
    await execute(browser, 'RunUpdated');
    await expect.poll(() => response(browser).innerText(), WAIT).toContain('"status": "REQUIRES_ACTION"');
    await browser.screenshot('graphiql-subscription-requires-action');

    const run = await stack.query<{ run: { requiredAction: { submitToolOutputs: { toolCalls: Array<{ id: string }> } } } }>(
      `query ($runId: ID!) { run(threadId: "thread_demo_idle", runId: $runId) { requiredAction { submitToolOutputs { toolCalls { id } } } } }`,
      { runId },
    );
    const [call] = run.data!.run.requiredAction.submitToolOutputs.toolCalls;
    const submitted = await stack.query(
      `mutation ($runId: ID!, $callId: ID!) { submitToolOutputs(input: { threadId: "thread_demo_idle", runId: $runId, toolOutputs: [{ toolCallId: $callId, output: "12 °C" }] }) { run { status } } }`,
      { runId, callId: call!.id },
    );
    expect(submitted.errors).toBeUndefined();
    await expect.poll(() => response(browser).innerText(), WAIT).toContain('"status": "COMPLETED"');
    await browser.screenshot('graphiql-subscription-completed');

    // Both states came through one event stream (POST /graphql, Accept: text/event-stream), no WebSocket.
    expect(streams).toEqual([`POST ${stack.gateway.url}`]);
    expect(browser.sockets).toEqual([]);
    expect(foreignHosts(browser, stack.gateway.url)).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });

  it('with GATEWAY_AUTH on, the Authorization typed in the headers editor authenticates queries and subscriptions', async () => {
    const { stack, browser } = await openGraphiQL({ GATEWAY_AUTH: 'api-key', GATEWAY_API_KEYS: 'alice:key-alice-0123456789', GATEWAY_ADMIN_SUBJECTS: 'alice' });
    const { page } = browser;
    await execute(browser, 'Run');
    await expect.poll(() => response(browser).innerText(), WAIT).toContain('UNAUTHENTICATED');

    await page.locator('.graphiql-editor-tools button[data-name="headers"]').click();
    const headers = page.locator('.graphiql-editor-tool .monaco-editor').last();
    await headers.click();
    // Typed as a person would: the editor closes brackets and quotes, and typing the closing one steps over it.
    await page.keyboard.type('{"Authorization": "Bearer key-alice-0123456789"}');
    await expect.poll(() => headers.locator('.view-lines').innerText().then((text) => text.replace(/\s+/g, ' ')), WAIT)
      .toBe('{"Authorization": "Bearer key-alice-0123456789"}');
    await browser.screenshot('graphiql-auth-headers');

    await execute(browser, 'Run');
    await expect.poll(() => response(browser).innerText(), WAIT).toContain('"runId": "run_demo_idle_completed"');
    await execute(browser, 'RunUpdated');
    await expect.poll(() => response(browser).innerText(), WAIT).toContain('"runUpdated": { "runId": "run_demo_idle_completed", "status": "COMPLETED"');
    expect(foreignHosts(browser, stack.gateway.url)).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });
});
