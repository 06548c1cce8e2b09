import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signWebhook, WebhookSender } from '../../src/responses-api/webhooks.js';
import { waitUntil } from '../helpers/wait.js';

const SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const client = new OpenAI({ apiKey: 'unused', baseURL: 'http://127.0.0.1:9/v1' });

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

describe('webhook signing (Standard Webhooks, as webhooks.unwrap checks it)', () => {
  const body = JSON.stringify({ id: 'evt_1', object: 'event', type: 'response.completed', created_at: 1, data: { id: 'resp_1' } });

  it('unwrap accepts what signWebhook signs', async () => {
    const headers = signWebhook(SECRET, 'evt_1', Math.floor(Date.now() / 1000), body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    await expect(client.webhooks.unwrap(body, headers, SECRET)).resolves.toMatchObject({ type: 'response.completed', data: { id: 'resp_1' } });
  });

  it('unwrap refuses a body or a signature changed by one byte, another secret, or an old timestamp', async () => {
    const now = Math.floor(Date.now() / 1000);
    const headers = signWebhook(SECRET, 'evt_1', now, body);
    const changedBody = body.replace('resp_1', 'resp_2');
    await expect(client.webhooks.unwrap(changedBody, headers, SECRET)).rejects.toThrow(/signature does not match/);
    const signature = headers['webhook-signature'] ?? '';
    const flipped = signature.slice(0, 5) + (signature[5] === 'A' ? 'B' : 'A') + signature.slice(6);
    await expect(client.webhooks.unwrap(body, { ...headers, 'webhook-signature': flipped }, SECRET)).rejects.toThrow(/signature does not match/);
    const otherSecret = `whsec_${Buffer.from('another key of sixteen+ bytes').toString('base64')}`;
    await expect(client.webhooks.unwrap(body, headers, otherSecret)).rejects.toThrow(/signature does not match/);
    await expect(client.webhooks.unwrap(body, signWebhook(SECRET, 'evt_1', now - 600, body), SECRET)).rejects.toThrow(/too old/);
  });
});

describe('WebhookSender against a real receiver', () => {
  let server: Server;
  let url: string;
  const received: Received[] = [];
  /** Statuses the receiver answers with, in turn; 200 once they run out. `hang` never answers. */
  let script: Array<number | 'hang'> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const next = script.shift() ?? 200;
        if (next === 'hang') return;
        res.writeHead(next).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    received.length = 0;
    script = [];
  });

  it('retries a non-2xx answer and a timeout with the same id and body, each verifiable, until one is accepted', async () => {
    script = [500, 'hang', 200];
    const sender = new WebhookSender({ url, secret: SECRET, maxAttempts: 5, timeoutMs: 100, retryMs: 10 });
    try {
      const delivery = sender.announce('response.completed', 'resp_abc');
      await waitUntil(() => delivery?.state === 'delivered');
      expect(delivery?.attempts).toBe(3);
      expect(received).toHaveLength(3);
      expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(1);
      expect(new Set(received.map((r) => r.body)).size).toBe(1);
      for (const attempt of received) {
        const event = await client.webhooks.unwrap(attempt.body, attempt.headers as Record<string, string>, SECRET);
        expect(event).toMatchObject({ id: delivery?.event.id, object: 'event', type: 'response.completed', data: { id: 'resp_abc' } });
      }
      // A second ending for the same response is never announced (no second id).
      expect(sender.announce('response.failed', 'resp_abc')).toBeUndefined();
    } finally {
      sender.close();
    }
  });

  it('gives up after maxAttempts', async () => {
    script = [503, 503, 503, 503];
    const sender = new WebhookSender({ url, secret: SECRET, maxAttempts: 3, timeoutMs: 500, retryMs: 5 });
    try {
      const delivery = sender.announce('response.failed', 'resp_x');
      await waitUntil(() => delivery?.state === 'failed');
      expect(delivery?.attempts).toBe(3);
      expect(delivery?.lastStatus).toBe(503);
      expect(received).toHaveLength(3);
    } finally {
      sender.close();
    }
  });
});
