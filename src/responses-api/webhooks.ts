import { createHmac } from 'node:crypto';
import { newEventId, nowSeconds } from './ids.js';

/** The endings a background response announces; there is no webhook for any other status. */
export type WebhookEventType = 'response.completed' | 'response.failed' | 'response.cancelled' | 'response.incomplete';

/** The payload, as the spec's WebhookResponse* schemas have it: the response id only, the receiver fetches the rest. */
export interface WebhookEvent {
  id: string;
  object: 'event';
  type: WebhookEventType;
  created_at: number;
  data: { id: string };
}

export interface WebhookOptions {
  url: string;
  /** `whsec_` + base64 key. */
  secret: string;
  maxAttempts: number;
  timeoutMs: number;
  /** Wait before the first retry; doubles per retry, capped at MAX_RETRY_DELAY_MS. */
  retryMs: number;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

/** What happened to one event, for tests and the start-up log. */
export interface WebhookDelivery {
  event: WebhookEvent;
  state: DeliveryState;
  attempts: number;
  /** The receiver's last status, 0 for a timeout or a network error. */
  lastStatus: number | undefined;
}

const MAX_RETRY_DELAY_MS = 60_000;
/** Keeps a long-running dev server's record bounded; the oldest finished deliveries go first. */
const DELIVERY_LOG_LIMIT = 1_000;

/**
 * Standard Webhooks signature (webhook-id, webhook-timestamp, webhook-signature): HMAC-SHA256 with the
 * base64-decoded key over `id.timestamp.body`, sent as `v1,<base64>`. This is what `webhooks.unwrap` checks.
 */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): Record<string, string> {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${signature}` };
}

/**
 * Sends each event once, with one id and one body however often it is retried: a receiver that
 * dedupes by `webhook-id` sees each ending exactly once. Retries follow a non-2xx answer, a timeout
 * or a network error, with doubling waits, up to `maxAttempts` deliveries in all.
 */
export class WebhookSender {
  readonly deliveries: WebhookDelivery[] = [];
  private readonly announced = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(private readonly options: WebhookOptions) {}

  /** Announces that response `responseId` ended; a second call for the same response does nothing. */
  announce(type: WebhookEventType, responseId: string): WebhookDelivery | undefined {
    if (this.closed || this.announced.has(responseId)) return undefined;
    this.announced.add(responseId);
    const delivery: WebhookDelivery = {
      event: { id: newEventId(), object: 'event', type, created_at: nowSeconds(), data: { id: responseId } },
      state: 'pending',
      attempts: 0,
      lastStatus: undefined,
    };
    this.deliveries.push(delivery);
    this.trimLog();
    void this.attempt(delivery, JSON.stringify(delivery.event));
    return delivery;
  }

  /** Stops retrying and aborts deliveries in flight. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const controller of this.inFlight) controller.abort();
    this.inFlight.clear();
  }

  private async attempt(delivery: WebhookDelivery, body: string): Promise<void> {
    if (this.closed) return;
    delivery.attempts += 1;
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timeout = setTimeout(() => controller.abort(), this.options.timeoutMs);
    try {
      // A fresh timestamp per attempt, so a late retry is not refused as too old; the id and body stay.
      const headers = { 'content-type': 'application/json', 'user-agent': 'OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)', ...signWebhook(this.options.secret, delivery.event.id, nowSeconds(), body) };
      const response = await fetch(this.options.url, { method: 'POST', headers, body, signal: controller.signal, redirect: 'manual' });
      delivery.lastStatus = response.status;
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) {
        delivery.state = 'delivered';
        return;
      }
    } catch {
      delivery.lastStatus = 0;
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(controller);
    }
    if (this.closed) return;
    if (delivery.attempts >= this.options.maxAttempts) {
      delivery.state = 'failed';
      return;
    }
    const delay = Math.min(MAX_RETRY_DELAY_MS, this.options.retryMs * 2 ** (delivery.attempts - 1));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(delivery, body);
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  private trimLog(): void {
    while (this.deliveries.length > DELIVERY_LOG_LIMIT) {
      const index = this.deliveries.findIndex((delivery) => delivery.state !== 'pending');
      if (index < 0) return;
      this.deliveries.splice(index, 1);
    }
  }
}
