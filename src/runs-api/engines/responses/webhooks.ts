import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../../embedded/clock.js';
import { ApiError, serverError } from '../../../embedded/errors.js';
import type { EngineStore } from './store/contract.js';

/** Standard Webhooks: a delivery is accepted within 5 minutes of its timestamp, either way. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;
/**
 * How long a delivery id is remembered. A replay of a captured delivery is refused by its timestamp
 * after the tolerance, but the sender retries a failed delivery with the same id and a fresh
 * timestamp for up to 72 hours, and each retry must be recognised as the same event.
 */
export const WEBHOOK_ID_TTL_MS = 72 * 60 * 60 * 1000;

/** The webhook events that end a background response; every other type is acknowledged and ignored. */
const ENDING_EVENTS = new Set(['response.completed', 'response.failed', 'response.cancelled', 'response.incomplete']);
const SECRET_PREFIX = 'whsec_';

export interface WebhookReceiverOptions {
  /** `whsec_` + the base64 key, as the sender shows it. */
  secret: string;
  store: Pick<EngineStore, 'claimOnce'>;
  clock: Pick<Clock, 'now'>;
  /** Called once per delivery id for a response that ended; `type` is the event type. */
  onResponseEnded(responseId: string, type: string): Promise<void>;
}

export interface WebhookAnswer {
  status: number;
  body: unknown;
}

export interface WebhookReceiver {
  /** Verifies and acts on one delivery; `rawBody` is the request body exactly as received. */
  handle(headers: Record<string, string | undefined>, rawBody: string): Promise<WebhookAnswer>;
}

/**
 * The receiving end of `POST /webhooks/responses`: Standard Webhooks verification (HMAC-SHA256 over
 * `id.timestamp.body`, `v1,<base64>` signatures, 5-minute tolerance, constant-time comparison), then
 * one call of `onResponseEnded` per delivery id. A refused delivery changes nothing: not even its
 * id is recorded, so a forged one cannot use up a real id.
 */
export function createWebhookReceiver(options: WebhookReceiverOptions): WebhookReceiver {
  const key = decodeSecret(options.secret);

  return {
    async handle(rawHeaders, rawBody) {
      const headers = lowerCaseKeys(rawHeaders);
      try {
        const id = requiredHeader(headers, 'webhook-id');
        const timestamp = requiredHeader(headers, 'webhook-timestamp');
        const signatures = requiredHeader(headers, 'webhook-signature');
        if (!/^\d{1,15}$/.test(timestamp)) throw badWebhook(400, 'The webhook-timestamp header is not a number of seconds.', 'webhook-timestamp', 'invalid_webhook_timestamp');
        const ageSeconds = Math.floor(options.clock.now() / 1000) - Number(timestamp);
        if (Math.abs(ageSeconds) > WEBHOOK_TOLERANCE_SECONDS) {
          throw badWebhook(401, `The webhook timestamp is outside the tolerance of ${WEBHOOK_TOLERANCE_SECONDS} seconds.`, 'webhook-timestamp', 'webhook_timestamp_out_of_tolerance');
        }
        if (!signatureMatches(key, `${id}.${timestamp}.${rawBody}`, signatures)) {
          throw badWebhook(401, 'No webhook signature matches the payload.', 'webhook-signature', 'invalid_webhook_signature');
        }
        const event = parseEvent(rawBody);
        if (!ENDING_EVENTS.has(event.type)) return { status: 200, body: { received: true, ignored: event.type } };
        if (!(await options.store.claimOnce(`webhook:${id}`, WEBHOOK_ID_TTL_MS))) return { status: 200, body: { received: true, duplicate: true } };
        try {
          await options.onResponseEnded(event.responseId, event.type);
        } catch {
          // The id stays claimed, so a retry is not acted on twice; the run is left to polling, which
          // a webhook only ends for the runs it reported.
          return { status: 500, body: serverError(500).toBody() };
        }
        return { status: 200, body: { received: true } };
      } catch (error) {
        if (error instanceof ApiError) return { status: error.status, body: error.toBody() };
        return { status: 500, body: serverError(500).toBody() };
      }
    },
  };
}

function decodeSecret(secret: string): Buffer {
  const key = secret.startsWith(SECRET_PREFIX) ? Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64') : Buffer.alloc(0);
  if (key.length === 0) throw new Error('the webhook secret must be `whsec_` followed by its base64 key');
  return key;
}

function lowerCaseKeys(headers: Record<string, string | undefined>): Map<string, string> {
  const lowered = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) lowered.set(name.toLowerCase(), value);
  return lowered;
}

function requiredHeader(headers: Map<string, string>, name: string): string {
  const value = headers.get(name)?.trim();
  if (!value) throw badWebhook(400, `Missing required header: ${name}.`, name, 'missing_webhook_header');
  return value;
}

/** True when one of the space-separated `v1,<base64>` signatures is the HMAC of `signed`; other versions are skipped. */
function signatureMatches(key: Buffer, signed: string, header: string): boolean {
  const expected = createHmac('sha256', key).update(signed).digest();
  let matched = false;
  for (const entry of header.split(' ')) {
    if (!entry.startsWith('v1,')) continue;
    const given = Buffer.from(entry.slice(3), 'base64');
    // Every candidate is compared in full (no early exit), so timing tells nothing about which matched.
    if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
  }
  return matched;
}

function parseEvent(rawBody: string): { type: string; responseId: string } {
  let event: unknown;
  try {
    event = JSON.parse(rawBody);
  } catch {
    throw badWebhook(400, 'The webhook body is not valid JSON.', null, 'invalid_webhook_payload');
  }
  const type = (event as { type?: unknown } | null)?.type;
  const responseId = (event as { data?: { id?: unknown } } | null)?.data?.id;
  if (typeof event !== 'object' || event === null || typeof type !== 'string') throw badWebhook(400, 'The webhook body has no event `type`.', 'type', 'invalid_webhook_payload');
  if (ENDING_EVENTS.has(type) && (typeof responseId !== 'string' || responseId === '')) {
    throw badWebhook(400, 'The webhook body has no response id in `data.id`.', 'data.id', 'invalid_webhook_payload');
  }
  return { type, responseId: typeof responseId === 'string' ? responseId : '' };
}

function badWebhook(status: 400 | 401, message: string, param: string | null, code: string): ApiError {
  return new ApiError(status, message, 'invalid_request_error', param, code);
}
