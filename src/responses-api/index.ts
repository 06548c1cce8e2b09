import { realClock, type Clock } from '../embedded/clock.js';
import type { FaultRule } from '../embedded/faults.js';
import { initialFaults, listenEmbedded, type EmbeddedServerHandle } from '../embedded/start.js';
import { RouteTable } from '../embedded/routing.js';
import { Engine } from './engine.js';
import type { ResponsesPresentation } from './foundry.js';
import { createRoutes } from './routes.js';
import { createHttpServer, type RequestLogEntry } from './server.js';
import { Store } from './store.js';
import { compileRequestValidators } from './validation.js';
import { WebhookSender, type WebhookDelivery } from './webhooks.js';

export type { FaultRule } from '../embedded/faults.js';
export { FaultRuleError } from '../embedded/faults.js';
export type { RequestLogEntry } from './server.js';
export type { WebhookDelivery, WebhookEvent } from './webhooks.js';
export { ISOLATION_KEY_HEADER, RESPONSES_PRESENTATIONS, type AgentReference, type ResponsesPresentation } from './foundry.js';

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
  /** Time and timers of the simulation (not of webhook retries, whose timestamps receivers check). @default realClock */
  clock?: Clock;
  /**
   * `foundry`: the wire of Azure AI Foundry's new agents (foundry.ts): `agent_reference` required in place of
   * `model`/`instructions`, `GET /conversations`, everything scoped by `x-ms-user-isolation-key`. @default 'openai'
   */
  presentation?: ResponsesPresentation;
}

/** close() also stops every webhook delivery. */
export interface ResponsesApi extends EmbeddedServerHandle {
  /** Every webhook event and what became of it (empty without a webhook). */
  webhookDeliveries: WebhookDelivery[];
  /** How long compiling the request validators took at start-up (ms). */
  validatorCompileMs: number;
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
  const clock = options.clock ?? realClock;
  const engine = new Engine({
    stepMs: options.stepMs ?? 400,
    clock,
    onEnd: (stored) => {
      const conversation = stored.response.conversation;
      if (conversation) store.appendItems(conversation.id, structuredClone(stored.response.output));
    },
    onBackgroundEnd: (type, response) => webhooks?.announce(type, response.id),
  });
  const presentation = options.presentation ?? 'openai';
  const routes = new RouteTable(createRoutes({ store, engine, clock, presentation }));
  const faults = initialFaults(routes, options.faults);

  const requestLog: RequestLogEntry[] = [];
  const http = createHttpServer({ routes, faults, faultControl: options.faultControl ?? false, apiKey: options.apiKey, requestLog, presentation });
  const handle = await listenEmbedded({
    http,
    faults,
    requestLog,
    port: options.port,
    host: options.host,
    beforeClose: () => {
      engine.close();
      webhooks?.close();
    },
  });
  return { ...handle, webhookDeliveries: webhooks?.deliveries ?? [], validatorCompileMs };
}
