import { afterEach, describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/stack.js';
import { CHROMIUM_MISSING, chromiumPath, foreignHosts, openBrowser, startBrowserStack, type BrowserSession } from './browser.js';

const WAIT = { timeout: 15_000 };

describe.skipIf(!chromiumPath)(`GraphiQL in chromium${chromiumPath ? '' : ` (skipped: ${CHROMIUM_MISSING})`}`, () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (cleanup.length > 0) await cleanup.pop()!();
  });

  async function openGraphiQL(): Promise<{ stack: Stack; browser: BrowserSession }> {
    const stack = await startBrowserStack();
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

  it('streams a subscription into the result pane over graphql-ws until COMPLETED', async () => {
    const { stack, browser } = await openGraphiQL();
    const { page } = browser;
    const received: string[] = [];
    page.on('websocket', (socket) => socket.on('framereceived', (frame) => received.push(String(frame.payload))));

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

    const statuses = received.map((frame) => /"status":"(\w+)"/.exec(frame)?.[1]).filter((status) => status !== undefined);
    expect(statuses.at(-1)).toBe('COMPLETED');
    expect(statuses).toContain('REQUIRES_ACTION');
    expect(received.at(-1)).toContain('"type":"complete"');
    expect(browser.sockets).toEqual([stack.gateway.wsUrl]);
    expect(foreignHosts(browser, stack.gateway.url)).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });
});
