import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startStack, type Stack } from '../helpers/stack.js';

/** The system chromium (Debian's package): never a browser downloaded by playwright. */
export const chromiumPath = process.env['CHROMIUM_PATH'] || findOnPath('chromium');
export const CHROMIUM_MISSING = 'chromium is not installed: sudo apt-get update && sudo apt-get install -y chromium';
if (!chromiumPath) console.warn(`browser tests skipped: ${CHROMIUM_MISSING}`);

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/browser/', import.meta.url));

function findOnPath(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The embedded runs API with its demo data and short steps, polled often enough to see every state. */
export function startBrowserStack(stepMs = 150, env: Record<string, string> = {}): Promise<Stack> {
  return startStack({ runsApi: { stepMs, demoData: true }, env: { LIVE_POLL_INTERVAL_MS: '75', ...env } });
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Every URL the pages requested (HTTP, workers, blobs) and every WebSocket they opened, in order. */
  requests: string[];
  sockets: string[];
  /** Uncaught errors of the pages. */
  pageErrors: string[];
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** A fresh headless chromium with a throwaway profile: no first-run, sync or background traffic. */
export async function openBrowser(): Promise<BrowserSession> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'runs-gateway-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath!,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const requests: string[] = [];
  const sockets: string[] = [];
  const pageErrors: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  const watch = (page: Page) => {
    page.on('websocket', (socket) => sockets.push(socket.url()));
    page.on('pageerror', (error) => pageErrors.push(error.message));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    requests,
    sockets,
    pageErrors,
    async screenshot(name) {
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The hosts contacted, other than the gateway's. `blob:` and `data:` URLs are made in the page and
 * contact no one (GraphiQL starts its editor workers from blobs).
 */
export function foreignHosts(session: BrowserSession, gatewayUrl: string): string[] {
  const gateway = new URL(gatewayUrl).host;
  return [...session.requests, ...session.sockets]
    .filter((url) => !url.startsWith('blob:') && !url.startsWith('data:'))
    .filter((url) => new URL(url).host !== gateway);
}
