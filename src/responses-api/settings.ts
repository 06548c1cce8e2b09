import { z } from 'zod';
import { bool, port, positiveInt, setting, url } from '../settings.js';
import { RESPONSES_PRESENTATIONS } from './foundry.js';

/** A Standard Webhooks secret: `whsec_` and the base64 of the key (at least 16 bytes, as the vendor's dashboard makes them 32). */
export const webhookSecret = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'must be whsec_ followed by base64')
  .refine((value) => Buffer.from(value.slice('whsec_'.length), 'base64').length >= 16, 'the key after whsec_ must be at least 16 bytes');

/** The embedded Responses API's settings (`npm run responses-api`). */
export const responsesApiSettings = {
  port: setting('RESPONSES_API_PORT', port.default(4020), 'port of the embedded Responses API (`0` picks a free one)'),
  apiKey: setting('RESPONSES_API_KEY', z.string().min(1).optional(), 'when set, the embedded Responses API requires `Authorization: Bearer <key>`', { secret: true }),
  stepMs: setting('RESPONSES_API_STEP_MS', positiveInt.default(400), 'length of one simulated step of a response (one without tools takes 3 steps, as a run does)'),
  faults: setting('RESPONSES_API_FAULTS', z.string().default(''), 'fault injection rules in the `RUNS_API_FAULTS` syntax over this API\'s routes, e.g. `POST /responses status=500 count=1`', { shown: 'none' }),
  presentation: setting(
    'RESPONSES_API_PRESENTATION',
    z.enum(RESPONSES_PRESENTATIONS).default('openai'),
    "`foundry`: present the wire of Azure AI Foundry's new agents: `POST /responses` requires `agent_reference` in place of `model`/`instructions`, `GET /conversations` lists conversations, and `x-ms-user-isolation-key` scopes conversations and responses (another key answers 404)",
  ),
  faultControl: setting('RESPONSES_API_FAULT_CONTROL', bool.default(false), 'expose `GET/PUT/DELETE /__control/faults` to change the rules at run time'),
  webhook: {
    url: setting('RESPONSES_API_WEBHOOK_URL', url.optional(), 'where each background response that ends is announced (`response.completed`, `.failed`, `.cancelled` or `.incomplete`); needs `RESPONSES_API_WEBHOOK_SECRET`'),
    secret: setting('RESPONSES_API_WEBHOOK_SECRET', webhookSecret.optional(), 'Standard Webhooks signing secret (`whsec_…`), the one the receiver passes to `webhooks.unwrap`', { secret: true }),
    maxAttempts: setting('RESPONSES_API_WEBHOOK_MAX_ATTEMPTS', positiveInt.max(20).default(5), 'deliveries of one event at most (the first and its retries) while the receiver answers non-2xx or times out'),
    timeoutMs: setting('RESPONSES_API_WEBHOOK_TIMEOUT_MS', positiveInt.default(5_000), 'how long one delivery waits for the receiver\'s answer'),
    retryMs: setting('RESPONSES_API_WEBHOOK_RETRY_MS', positiveInt.default(1_000), 'wait before the first retry; it doubles per retry, up to a minute'),
  },
};
