import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Page } from 'playwright-core';

export interface PageLoad {
  /** Bytes the gateway wrote to the browser's connections (headers and encoded bodies; pages and workers alike). */
  transferredBytes: number;
  /** Requests the gateway answered. */
  requests: number;
  /** Navigation start until GraphiQL's editors are on screen and its ▶ can be pressed. */
  interactiveMs: number;
}

/**
 * Counts at the server what crossed the network: the bytes written on every connection opened after this call
 * (socket.bytesWritten), so that nothing a page or a worker fetched is missed. Start it before the browser connects.
 */
export function countTraffic(server: Server): Traffic {
  const sockets = new Set<Socket>();
  const base = new Map<Socket, number>();
  let requests = 0;
  const onConnection = (socket: Socket) => {
    sockets.add(socket);
    base.set(socket, 0);
  };

  let active = 0;
  let lastActivity = Date.now();
  const onRequest = (_request: IncomingMessage, response: ServerResponse) => {
    requests += 1;
    active += 1;
    lastActivity = Date.now();
    response.once('close', () => {
      active -= 1;
      lastActivity = Date.now();
    });
  };
  server.on('connection', onConnection);
  server.on('request', onRequest);
  return {
    reset() {
      requests = 0;
      for (const socket of sockets) base.set(socket, socket.bytesWritten);
    },
    bytes: () => [...sockets].reduce((sum, socket) => sum + socket.bytesWritten - (base.get(socket) ?? 0), 0),
    requests: () => requests,
    quiet(ms) {
      return new Promise<void>((resolve) => {
        const check = () => {
          const idleFor = Date.now() - lastActivity;
          if (active === 0 && idleFor >= ms) resolve();
          else setTimeout(check, active === 0 ? ms - idleFor : ms);
        };
        check();
      });
    },
    stop() {
      server.off('connection', onConnection);
      server.off('request', onRequest);
    },
  };
}

export interface Traffic {
  /** Counts from zero again. */
  reset(): void;
  bytes(): number;
  requests(): number;
  /** Resolves once the server has answered everything and nothing new has come for `ms`. */
  quiet(ms: number): Promise<void>;
  stop(): void;
}

/** Loads GraphiQL (a first visit or a reload) and measures the bytes sent and the time until it can be used. */
export async function measureGraphiQLLoad(page: Page, traffic: Traffic, url: string, how: 'first' | 'reload'): Promise<PageLoad> {
  traffic.reset();
  const started = Date.now();
  if (how === 'first') await page.goto(url);
  else await page.reload();
  await page.locator('.graphiql-execute-button').waitFor({ timeout: 60_000 });
  await page.locator('.graphiql-query-editor .view-lines').first().waitFor({ timeout: 60_000 });
  const interactiveMs = Date.now() - started;
  // The workers and fonts asked for after the editors showed are part of the load too. Quiet is judged at the server,
  // where the bytes are counted: chromium's own network idle sometimes never comes after a reload.
  await traffic.quiet(1000);
  return { transferredBytes: traffic.bytes(), requests: traffic.requests(), interactiveMs };
}

/** A link to a shared dev server or a staging cluster over a VPN: the network the "seconds per load" is on. */
export const REMOTE_LINK = { latencyMs: 40, megabitsPerSecond: 10 } as const;

/** Makes the page's network (its requests and the fetches of its worker scripts) as slow as `link`. */
export async function throttle(page: Page, link: { latencyMs: number; megabitsPerSecond: number }): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const bytesPerSecond = (link.megabitsPerSecond * 1e6) / 8;
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: link.latencyMs, downloadThroughput: bytesPerSecond, uploadThroughput: bytesPerSecond });
}
