import { afterEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Stack } from '../helpers/stack.js';
import { CHROMIUM_MISSING, chromiumPath, foreignHosts, openBrowser, startBrowserStack, type BrowserSession } from './browser.js';

const WAIT = { timeout: 30_000 };

declare global {
  interface Window {
    /** Every status each run card showed, in order (recorded by the test). */
    statusLog?: Record<string, string[]>;
  }
}

/** Records each status a run card shows, so short-lived ones (QUEUED lasts one 150 ms step) are not missed. */
async function recordStatuses(page: Page): Promise<void> {
  await page.evaluate(() => {
    const log: Record<string, string[]> = (window.statusLog = {});
    const record = () => {
      for (const card of document.querySelectorAll<HTMLElement>('.run')) {
        const status = card.querySelector('.status')?.textContent ?? '';
        const seen = (log[card.dataset['runId']!] ??= []);
        if (status && seen.at(-1) !== status) seen.push(status);
      }
    };
    new MutationObserver(record).observe(document.querySelector('#runs')!, { subtree: true, childList: true, characterData: true });
  });
}
const statusesOf = (page: Page, runId: string) => page.evaluate((id) => window.statusLog?.[id] ?? [], runId);

describe.skipIf(!chromiumPath)(`run console in chromium${chromiumPath ? '' : ` (skipped: ${CHROMIUM_MISSING})`}`, { timeout: 120_000 }, () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (cleanup.length > 0) await cleanup.pop()!();
  });

  async function openConsole(hash = '', stepMs?: number, env?: Record<string, string>): Promise<{ stack: Stack; browser: BrowserSession; page: Page }> {
    const stack = await startBrowserStack(stepMs, env);
    cleanup.push(() => stack.close());
    const browser = await openBrowser();
    cleanup.push(() => browser.close());
    await browser.page.goto(`${stack.gateway.url.replace(/\/graphql$/, '/console')}${hash}`);
    await recordStatuses(browser.page);
    // The assistants are loaded first thing: the page is ready when they are there (or when it says why not).
    await browser.page.locator('#assistant option[value="asst_demo_plain"], #error:not([hidden])').first().waitFor({ state: 'attached', ...WAIT });
    return { stack, browser, page: browser.page };
  }

  async function newThreadAndRun(page: Page, assistantId: string, text: string): Promise<{ threadId: string; runId: string }> {
    await page.getByRole('button', { name: 'New thread' }).click();
    await expect.poll(() => page.locator('#current-thread').textContent(), WAIT).toMatch(/^thread_/);
    const threadId = (await page.locator('#current-thread').textContent())!;
    await page.locator('#assistant').selectOption(assistantId);
    await page.locator('#message').fill(text);
    await page.getByRole('button', { name: 'Send and run' }).click();
    const card = page.locator('.run').first();
    await card.waitFor(WAIT);
    return { threadId, runId: (await card.getAttribute('data-run-id'))! };
  }

  const card = (page: Page, runId: string) => page.locator(`.run[data-run-id="${runId}"]`);

  function expectOnlyTheGateway(stack: Stack, browser: BrowserSession): void {
    expect(foreignHosts(browser, stack.gateway.url)).toEqual([]);
    expect(new Set(browser.sockets)).toEqual(new Set([stack.gateway.wsUrl]));
    expect(browser.pageErrors).toEqual([]);
    expect(browser.requests).toContain(`${stack.gateway.url.replace(/\/graphql$/, '')}/console/graphql-ws/client.js`);
  }

  it('starts a run on a new thread and shows it go QUEUED → IN_PROGRESS → COMPLETED live, with the reply streamed in', async () => {
    const { stack, browser, page } = await openConsole();
    const { threadId, runId } = await newThreadAndRun(page, 'asst_demo_plain', 'Hello from the browser');

    await expect.poll(() => card(page, runId).locator('.status').textContent(), WAIT).toBe('COMPLETED');
    expect(await statusesOf(page, runId)).toEqual(['QUEUED', 'IN_PROGRESS', 'COMPLETED']);
    expect(await card(page, runId).locator('.reply').textContent()).toBe('You said: Hello from the browser');
    // Once the run has ended the reply is a message of the thread, and the list shows it.
    await expect.poll(() => page.locator('#messages li.assistant').allTextContents(), WAIT).toEqual(['assistant You said: Hello from the browser']);
    expect(await card(page, runId).locator('.cancel').isHidden()).toBe(true);
    await browser.screenshot('console-run-completed');

    // The thread is remembered: after a reload it is in the recent list and opens from it.
    await page.goto(page.url().replace(/#.*$/, ''));
    await page.locator('#recent-threads').getByRole('button', { name: threadId }).click();
    await expect.poll(() => card(page, runId).locator('.status').textContent(), WAIT).toBe('COMPLETED');
    expectOnlyTheGateway(stack, browser);
  });

  it('cancels a run: CANCELLED', async () => {
    // 1 s steps: the run stays IN_PROGRESS for two of them, time enough to press Cancel.
    const { stack, browser, page } = await openConsole('', 1000);
    const { runId } = await newThreadAndRun(page, 'asst_demo_plain', 'Never mind');
    await expect.poll(() => card(page, runId).locator('.status').textContent(), WAIT).toBe('IN_PROGRESS');
    await card(page, runId).getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => card(page, runId).locator('.status').textContent(), WAIT).toBe('CANCELLED');
    const statuses = await statusesOf(page, runId);
    expect(statuses.slice(0, 2)).toEqual(['QUEUED', 'IN_PROGRESS']);
    expect(statuses.at(-1)).toBe('CANCELLED');
    expect(statuses).not.toContain('COMPLETED');
    expect(await card(page, runId).locator('.cancel').isHidden()).toBe(true);
    await browser.screenshot('console-run-cancelled');
    expectOnlyTheGateway(stack, browser);
  });

  it('opens the demo thread by id and answers its waiting tool call', async () => {
    const { stack, browser, page } = await openConsole('#thread_demo');
    const waiting = card(page, 'run_demo_requires_action');
    await expect.poll(() => waiting.locator('.status').textContent(), WAIT).toBe('REQUIRES_ACTION');
    expect(await card(page, 'run_demo_failed').locator(':scope > .last-error').textContent()).toMatch(/^SERVER_ERROR: /);
    await expect.poll(() => waiting.locator('.tool-calls').textContent(), WAIT).toContain('get_weather({"location":"Paris","unit":"celsius"})');
    await browser.screenshot('console-tool-call');

    await waiting.locator('.tool-calls textarea').fill('18 °C and sunny');
    await waiting.getByRole('button', { name: 'Submit tool outputs' }).click();
    await expect.poll(() => waiting.locator('.status').textContent(), WAIT).toBe('COMPLETED');
    expect(await statusesOf(page, 'run_demo_requires_action')).toEqual(['REQUIRES_ACTION', 'IN_PROGRESS', 'COMPLETED']);
    await expect.poll(() => waiting.locator('.reply').textContent(), WAIT).toContain('18 °C and sunny');
    expect(await waiting.locator('.tool-calls form').count()).toBe(0);
    await browser.screenshot('console-tool-call-answered');
    expectOnlyTheGateway(stack, browser);
  });

  it('on a fresh start lists the demo threads; a run shows its steps, tool calls and outputs; errors show where they happen', async () => {
    const { stack, browser, page } = await openConsole();
    const listed = page.locator('#thread-list li');
    await expect.poll(() => listed.allTextContents(), WAIT).toEqual(['thread_demodemo', 'thread_demo_idledemo']);
    await page.locator('#thread-list').getByRole('button', { name: 'thread_demo', exact: true }).click();

    // The waiting run's step: the tool call with its arguments, no output yet.
    const waiting = card(page, 'run_demo_requires_action');
    await expect.poll(() => waiting.locator('.steps .tool-call').allTextContents(), WAIT).toEqual(['get_weather({"location":"Paris","unit":"celsius"}) → no output yet']);
    // The failed run: its last_error on the run and on the step where it happened.
    const failed = card(page, 'run_demo_failed');
    expect(await failed.locator(':scope > .last-error').textContent()).toBe('SERVER_ERROR: Sorry, something went wrong.');
    await expect.poll(() => failed.locator('.steps .step .last-error').allTextContents(), WAIT).toEqual(['SERVER_ERROR: Sorry, something went wrong.']);
    await expect.poll(() => card(page, 'run_demo_completed').locator('.steps .step').allTextContents(), WAIT).toEqual([expect.stringMatching(/^COMPLETED wrote message msg_demo_\d+$/)]);

    // A refused action: its GraphQL error next to the form it came from (the waiting run blocks new messages).
    await page.locator('#message').fill('Another question');
    await page.getByRole('button', { name: 'Send and run' }).click();
    const sendError = page.locator('#send .action-error');
    await expect.poll(() => sendError.isVisible(), WAIT).toBe(true);
    expect(await sendError.textContent()).toBe("CONFLICT: Can't add messages to thread_demo while a run run_demo_requires_action is active.");
    expect(await page.locator('#error').isHidden()).toBe(true);
    await browser.screenshot('console-steps-and-errors');

    // Answered, the run moves on and its tool call shows the output given.
    await waiting.locator('.tool-calls textarea').fill('18 °C and sunny');
    await waiting.getByRole('button', { name: 'Submit tool outputs' }).click();
    await expect.poll(() => waiting.locator('.status').textContent(), WAIT).toBe('COMPLETED');
    await expect.poll(() => waiting.locator('.steps .tool-call').allTextContents(), WAIT).toEqual(['get_weather({"location":"Paris","unit":"celsius"}) → 18 °C and sunny']);
    await expect.poll(() => waiting.locator('.steps .step[data-type="MESSAGE_CREATION"]').count(), WAIT).toBe(1);
    await browser.screenshot('console-steps-answered');
    expectOnlyTheGateway(stack, browser);
  });

  it('with GATEWAY_AUTH on, sends the token as a bearer token over HTTP and in connection_init', async () => {
    const { stack, browser, page } = await openConsole('', undefined, { GATEWAY_AUTH: 'api-key', GATEWAY_API_KEYS: 'alice:key-alice-0123456789', GATEWAY_ADMIN_SUBJECTS: 'alice' });
    await expect.poll(() => page.locator('#error').textContent(), WAIT).toMatch(/^UNAUTHENTICATED: /);
    const authorizations: Array<string | undefined> = [];
    page.on('request', (request) => {
      if (request.url() === stack.gateway.url) authorizations.push(request.headers()['authorization']);
    });
    const inits: string[] = [];
    page.on('websocket', (socket) => socket.on('framesent', (frame) => String(frame.payload).includes('connection_init') && inits.push(String(frame.payload))));

    await page.locator('#token').fill('key-alice-0123456789');
    await page.locator('#token').press('Enter');
    await page.locator('#assistant option[value="asst_demo_plain"]').waitFor({ state: 'attached', ...WAIT });
    await page.locator('#thread-id').fill('thread_demo');
    await page.getByRole('button', { name: 'Open' }).click();
    // The waiting demo run is reported live by threadRunsUpdated: the socket was authenticated.
    await expect.poll(() => card(page, 'run_demo_requires_action').locator('.status').textContent(), WAIT).toBe('REQUIRES_ACTION');
    await expect.poll(() => page.locator('#connection').textContent(), WAIT).toBe('live');
    expect(await page.locator('#error').isHidden()).toBe(true);
    expect(authorizations.length).toBeGreaterThan(0);
    expect(new Set(authorizations)).toEqual(new Set(['Bearer key-alice-0123456789']));
    expect(inits.map((init) => JSON.parse(init))).toEqual([{ type: 'connection_init', payload: { Authorization: 'Bearer key-alice-0123456789' } }]);
    await browser.screenshot('console-authenticated');
    expectOnlyTheGateway(stack, browser);
  });
});
