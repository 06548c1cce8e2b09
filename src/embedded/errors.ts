/**
 * Errors in OpenAI's envelope `{ error: { message, type, param, code } }`, which both embedded
 * servers answer with. The messages copy OpenAI's wording: the gateway and SDKs match on some of them.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly type: string = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
    /** Extra response headers, e.g. retry-after on 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export function invalidUrl(method: string, path: string): ApiError {
  return new ApiError(404, `Invalid URL (${method} ${path})`);
}

export function badRequest(message: string, param: string | null = null, code: string | null = null): ApiError {
  return new ApiError(400, message, 'invalid_request_error', param, code);
}

export function malformedJson(): ApiError {
  return badRequest(
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
  );
}

export function bodyTooLarge(limitBytes: number): ApiError {
  // The rest of the body stays unread, so this connection cannot carry another request.
  return new ApiError(413, `Request body too large: the limit is ${limitBytes} bytes.`, 'invalid_request_error', null, 'request_too_large', { connection: 'close' });
}

export function missingApiKey(): ApiError {
  return new ApiError(
    401,
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
  );
}

export function incorrectApiKey(given: string): ApiError {
  return new ApiError(
    401,
    `Incorrect API key provided: ${maskKey(given)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    'invalid_request_error',
    null,
    'invalid_api_key',
  );
}

/**
 * Shows at most the first 5 and last 4 characters, and never more than half of the key,
 * so that a short key is not given away by its own error message.
 */
export function maskKey(key: string): string {
  const shown = Math.floor(key.length / 4);
  const head = Math.min(5, shown);
  const tail = Math.min(4, shown);
  return `${key.slice(0, head)}${'*'.repeat(Math.max(3, key.length - head - tail))}${tail > 0 ? key.slice(-tail) : ''}`;
}

export function rateLimited(retryAfterMs: number): ApiError {
  return new ApiError(429, 'Rate limit reached for requests', 'requests', null, 'rate_limit_exceeded', retryHeaders(retryAfterMs));
}

export function serverError(status = 500, headers: Record<string, string> = {}): ApiError {
  if (status === 503) {
    return new ApiError(503, 'The engine is currently overloaded, please try again later.', 'server_error', null, null, headers);
  }
  return new ApiError(status, 'The server had an error while processing your request. Sorry about that!', 'server_error', null, null, headers);
}

/** `retry-after` is whole seconds (HTTP); `retry-after-ms` is OpenAI's finer header, which the SDK prefers. */
export function retryHeaders(retryAfterMs: number): Record<string, string> {
  return { 'retry-after': String(Math.max(0, Math.ceil(retryAfterMs / 1000))), 'retry-after-ms': String(Math.max(0, Math.round(retryAfterMs))) };
}

/** Anything that is not an ApiError is a bug: logged under `label`, answered as a plain 500. */
export function toApiError(error: unknown, label: string): ApiError {
  if (error instanceof ApiError) return error;
  console.error(`${label}: handler failed`, error);
  return serverError(500);
}

/** A JSON value's type in the real API's 400 wording: `an integer`, `a decimal`, `an array`, `null`, `nothing` … */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'undefined') return 'nothing';
  return article(typeof value);
}

/** `string` → `a string`, `object` → `an object`. */
export function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
