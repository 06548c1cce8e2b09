import { UpstreamHttpError, failureFromNetwork, failureFromResponse } from './http-errors.js';
import { serialiseBody, withBearer, type CoreRequest, type RequestCore } from './request.js';
import { parseRetryAfterMs } from './retry.js';

/** An upstream `stream: true` answer: an open event stream. */
export interface EventStream {
  body: ReadableStream<Uint8Array>;
  requestId: string | undefined;
  /** Closes the upstream connection. */
  abort: () => void;
}

/**
 * Opens a write answered with Server-Sent Events. Never retried. It holds a concurrency slot (and may be shed, unsent,
 * like any request) only until its response head arrives: a stream lives as long as its run. It needs a web
 * ReadableStream body, so it goes through fetch.
 */
export async function openEventStream(core: RequestCore, doFetch: typeof fetch, request: CoreRequest): Promise<EventStream> {
  const url = core.endpoint.url(request);
  const body = serialiseBody(request.body);
  core.admit();
  // Bought before the slot is taken; a token endpoint failure is the caller's error as it is, nothing was sent.
  const bearer = await core.bearer();
  const controller = new AbortController();
  // Only the wait for the response head is bounded; the stream itself has the caller's idle timeout.
  let headTimeout: ReturnType<typeof setTimeout> | undefined;
  let end: ((status: string, requestId: string | undefined) => void) | undefined;
  let status = 'error';
  let requestId: string | undefined;
  try {
    // Sent once a slot is free (or shed, unsent); the attempt and its head timeout start then.
    const response = await core.inSlot(() => {
      end = core.startAttempt({ method: request.method, route: request.route }, request.origin, false);
      headTimeout = setTimeout(() => controller.abort(), core.timeoutMs);
      return doFetch(url, { method: request.method, headers: withBearer(core.endpoint.headersForEventStream, bearer, request.origin?.caller, request.headers), body, signal: controller.signal, redirect: 'error' });
    });
    status = String(response.status);
    requestId = response.headers.get('x-request-id') ?? undefined;
    if (!response.ok || !response.body || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
      const text = await response.text().catch(() => '');
      if (response.ok) throw failureFromNetwork('invalid_response', requestId);
      if (response.status === 401 && bearer !== undefined) core.tokenRejected(bearer);
      throw failureFromResponse({ status: response.status, body: text, requestId, retryAfterMs: parseRetryAfterMs(response.headers), secrets: core.endpoint.secrets });
    }
    core.record(response.status, true);
    return { body: response.body, requestId, abort: () => controller.abort() };
  } catch (cause) {
    if (cause instanceof UpstreamHttpError && cause.neverSent) core.breaker?.neutral();
    else core.record(status === 'error' ? undefined : Number(status), false);
    if (cause instanceof UpstreamHttpError) throw cause;
    throw failureFromNetwork(controller.signal.aborted ? 'timeout' : 'network');
  } finally {
    clearTimeout(headTimeout);
    // Unset when it was shed: no upstream call.
    end?.(status, requestId);
  }
}
