import { Faults, type FaultRule } from '../embedded/faults.js';
import { listen } from '../embedded/listen.js';
import { RouteTable } from '../embedded/routing.js';
import { Engine } from './engine.js';
import { createRoutes } from './routes.js';
import { createHttpServer, type RequestLogEntry } from './server.js';
import { Store } from './store.js';
import { compileRequestValidators } from './validation.js';
import { WebhookSender, type WebhookDelivery } from './webhooks.js';

export type { FaultRule } from '../embedded/faults.js';
export { FaultRuleError } from '../embedded/faults.js';
export type { RequestLogEntry } from './server.js';
export type { WebhookDelivery, WebhookEvent } from './webhooks.js';

export interface ResponsesApiOptions {
  /** When set, requests must send `Authorization: Bearer <apiKey>`, else 401. */
  apiKey?: string;
  /** Length of one simulated phase of a response. @default 400 */
  stepMs?: number;
  /** Initial fault rules, as objects or in the RUNS_API_FAULTS string syntax over this API's routes. */
  faults?: string | FaultRule[];
  /** Serve GET/PUT/DELETE /__control/faults. @default false */
  faultControl?: boolean;
  /** Announce each background response that ends here, signed with `secret` (Standard Webhooks). */
  webhook?: { url: string; secret: string; maxAttempts?: number; timeoutMs?: number; retryMs?: number };
}

export interface ResponsesApi {
  /** Base URL including /v1, e.g. http://127.0.0.1:4020/v1. */
  url: string;
  port: number;
  /** Every request, newest last (capped at 10 000 entries). */
  requestLog: RequestLogEntry[];
  /** Every webhook event and what became of it (empty without a webhook). */
  webhookDeliveries: WebhookDelivery[];
  faults: { set(rules: FaultRule[] | string): void; clear(): void; list(): FaultRule[] };
  /** How long compiling the request validators took at start-up (ms). */
  validatorCompileMs: number;
  /** Closes the server, every socket (streams included), every timer and webhook delivery. */
  close(): Promise<void>;
}

/** Starts the embedded Responses API: the spec's responses and conversations, with webhooks, over real HTTP. */
export async function startResponsesApi(options: ResponsesApiOptions & { port?: number; host?: string } = {}): Promise<ResponsesApi> {
  const compileStarted = performance.now();
  compileRequestValidators();
  const validatorCompileMs = Math.round(performance.now() - compileStarted);
  const store = new Store();
  const webhooks = options.webhook
    ? new WebhookSender({ url: options.webhook.url, secret: options.webhook.secret, maxAttempts: options.webhook.maxAttempts ?? 5, timeoutMs: options.webhook.timeoutMs ?? 5_000, retryMs: options.webhook.retryMs ?? 1_000 })
    : undefined;
  const engine = new Engine({
    stepMs: options.stepMs ?? 400,
    onEnd: (stored) => {
      const conversation = stored.response.conversation;
      if (conversation) store.appendItems(conversation.id, structuredClone(stored.response.output));
    },
    onBackgroundEnd: (type, response) => webhooks?.announce(type, response.id),
  });
  const routes = new RouteTable(createRoutes({ store, engine }));
  const faults = new Faults(routes.routes());
  // Parsed before listening: a bad RESPONSES_API_FAULTS fails start-up with the parser's message.
  if (options.faults !== undefined && options.faults !== '') faults.set(options.faults);

  const requestLog: RequestLogEntry[] = [];
  const http = createHttpServer({ routes, faults, faultControl: options.faultControl ?? false, apiKey: options.apiKey, requestLog });
  const listening = await listen(http.server, options.port ?? 0, options.host ?? '127.0.0.1');

  let closing: Promise<void> | undefined;
  return {
    url: `${listening.origin}/v1`,
    port: listening.port,
    requestLog,
    webhookDeliveries: webhooks?.deliveries ?? [],
    faults: { set: (rules) => faults.set(rules), clear: () => faults.clear(), list: () => faults.list() },
    validatorCompileMs,
    close() {
      closing ??= (async () => {
        engine.close();
        webhooks?.close();
        http.stop();
        await listening.close();
      })();
      return closing;
    },
  };
}
