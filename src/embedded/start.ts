import type { Server } from 'node:http';
import { Faults, type FaultRule } from './faults.js';
import { listen } from './listen.js';
import type { RouteEntry, RouteTable } from './routing.js';
import type { RequestLogEntry } from './server.js';

/** What every started embedded server offers its owner; each adds its own parts. */
export interface EmbeddedServerHandle {
  /** Base URL including /v1, e.g. http://127.0.0.1:4010/v1. */
  url: string;
  port: number;
  /** Every request, newest last (capped at 10 000 entries). */
  requestLog: RequestLogEntry[];
  faults: { set(rules: FaultRule[] | string): void; clear(): void; list(): FaultRule[] };
  /** Closes the server, every socket (streams included) and every timer. */
  close(): Promise<void>;
}

/** The fault rules over `routes`, the initial ones parsed before listening: bad rules fail start-up with the parser's message. */
export function initialFaults(routes: RouteTable<RouteEntry>, rules: string | FaultRule[] | undefined): Faults {
  const faults = new Faults(routes.routes());
  if (rules !== undefined && rules !== '') faults.set(rules);
  return faults;
}

export interface EmbeddedListenOptions {
  http: { server: Server; stop: () => void };
  faults: Faults;
  requestLog: RequestLogEntry[];
  port: number | undefined;
  host: string | undefined;
  /** Stops what the server runs (engine, deliveries) before the fault gate and the sockets close. */
  beforeClose: () => void | Promise<void>;
}

/** Listens (port 0 and 127.0.0.1 unless told) and hands back the server's handle; close() runs once. */
export async function listenEmbedded(options: EmbeddedListenOptions): Promise<EmbeddedServerHandle> {
  const { http, faults } = options;
  const listening = await listen(http.server, options.port ?? 0, options.host ?? '127.0.0.1');
  let closing: Promise<void> | undefined;
  return {
    url: `${listening.origin}/v1`,
    port: listening.port,
    requestLog: options.requestLog,
    faults: { set: (rules) => faults.set(rules), clear: () => faults.clear(), list: () => faults.list() },
    close() {
      closing ??= (async () => {
        await options.beforeClose();
        http.stop();
        await listening.close();
      })();
      return closing;
    },
  };
}
