import { realClock } from '../../../embedded/clock.js';
import { startResponsesApi } from '../../../responses-api/index.js';
import { pollAfterMs, RESPONSES_WEBHOOK_PATH, webhookFallbackMs, type ChosenEngine, type RunsApiOptions } from '../../options.js';
import { ClientCredentialsTokenProvider } from '../../../upstream/token-provider.js';
import { createResponsesClient } from './client.js';
import { createResponsesEngine } from './index.js';
import { createMemoryStore } from './store/memory.js';
import { createWebhookReceiver } from './webhooks.js';

/**
 * The Responses engine as `startRunsApi` starts it: its upstream (the one named, or the embedded Responses API in
 * this process), its store (given, the durable one the settings name, or memory in tests) and its webhook route.
 */
export async function startResponsesEngine(options: RunsApiOptions & { stepMs: number; requiresActionTimeoutMs: number }): Promise<ChosenEngine> {
  const { requiresActionTimeoutMs } = options;
  const upstream = options.responses?.upstream;
  const foundry = upstream?.profile === 'foundry';
  if (upstream?.credentials && !options.responses?.baseUrl) throw new Error('Entra client credentials (RESPONSES_CLIENT_ID) need RESPONSES_BASE_URL: the embedded Responses API takes RESPONSES_API_KEY.');
  const embedded = options.responses?.baseUrl
    ? undefined
    : await startResponsesApi({
        stepMs: options.stepMs,
        port: options.responses?.port ?? 0,
        presentation: foundry ? 'foundry' : 'openai',
        ...(options.responses?.apiKey ? { apiKey: options.responses.apiKey } : {}),
        ...(options.clock ? { clock: options.clock } : {}),
      });
  const client = createResponsesClient({
    baseUrl: options.responses?.baseUrl ?? embedded!.url,
    apiKey: options.responses?.apiKey,
    tokens: upstream?.credentials ? new ClientCredentialsTokenProvider(upstream.credentials) : undefined,
    queryParams: upstream?.queryParams,
  });
  const store = options.store ?? (options.storeLocation ? await (await import('./store/index.js')).openEngineStore(options.storeLocation) : createMemoryStore());
  const engine = createResponsesEngine({
    client,
    store,
    requiresActionTimeoutMs,
    pollIntervalMs: pollAfterMs(options.stepMs),
    agents: foundry ? { defaultAgent: upstream.defaultAgent } : undefined,
    isolation: upstream?.isolateCallers ? { secret: upstream.isolationSecret } : undefined,
    ...(options.webhookSecret ? { webhookFallbackMs: webhookFallbackMs(options.stepMs) } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const webhooks = options.webhookSecret
    ? createWebhookReceiver({ secret: options.webhookSecret, store, clock: options.clock ?? realClock, onResponseEnded: (id, type) => engine.onResponseEnded(id, type) })
    : undefined;
  return {
    engine,
    upstreamCalls: engine.upstreamCalls,
    ...(embedded ? { responsesApi: embedded } : {}),
    ...(webhooks ? { signedRoutes: [{ method: 'POST' as const, path: RESPONSES_WEBHOOK_PATH, handle: (headers, body) => webhooks.handle(headers, body) }] } : {}),
  };
}
