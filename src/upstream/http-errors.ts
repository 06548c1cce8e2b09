/**
 * Upstream failures at the HTTP level, classified once, with no GraphQL in sight: the GraphQL gateway maps them
 * to its errors in errors.ts, and another wire (a Responses API client) can map them to its own.
 *
 * Messages are written here, never copied from the upstream body, except for a sanitised excerpt of 400 messages:
 * the real API echoes a fragment of the key in 401 bodies ("Incorrect API key provided: sk-abc***xyz"), so
 * 401/403/5xx bodies are never read into a message. Upstream response headers are never attached; only
 * `x-request-id` is kept, as `details.requestId`.
 */
export type UpstreamErrorCode =
  | 'UPSTREAM_UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_UNSUPPORTED'
  | 'UPSTREAM_ERROR';

/** Which state conflict the upstream reported (CONFLICT errors only). */
export type ConflictKind = 'thread_has_active_run' | 'thread_locked_by_run' | 'run_not_accepting_tool_outputs' | 'run_not_cancellable' | 'conflict';

/** Why an UPSTREAM_UNAVAILABLE came without an upstream answer (the `token_…` ones: the token endpoint's, token-provider.ts). */
export type UnavailableReason =
  | 'timeout'
  | 'network'
  | 'invalid_response'
  | 'circuit_open'
  | 'overloaded'
  | 'token_timeout'
  | 'token_network'
  | 'token_endpoint'
  | 'token_invalid_response';

export class UpstreamHttpError extends Error {
  /** The upstream HTTP status; undefined when no response arrived (or nothing was sent). */
  readonly status: number | undefined;
  /** What a client may be told besides the message: requestId, upstreamStatus, reason, retryAfterMs, param … (no undefined values). */
  readonly details: Readonly<Record<string, unknown>>;

  /**
   * True when nothing reached the upstream: the request was refused or shed here. Such a failure says nothing about
   * the upstream's health, and a write that failed so was certainly not applied.
   */
  readonly neverSent: boolean;

  constructor(message: string, readonly code: UpstreamErrorCode, status: number | undefined, details: Record<string, unknown> = {}, options: { neverSent?: boolean } = {}) {
    super(message);
    this.name = 'UpstreamHttpError';
    this.status = status;
    this.details = Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined));
    this.neverSent = options.neverSent ?? false;
  }
}

const KEY_LIKE = [
  /\b(?:sk|rk|pk|sess|org|proj)-[\w*.~+/=-]*/gi, // OpenAI-style keys and ids of secrets
  /\S*\*{3,}\S*/g, // masked fragments such as abc***xyz
  /\bBearer\s+\S+/gi,
  /\b[A-Za-z0-9_+/=-]{32,}\b/g, // long opaque tokens
];

/** Removes anything that looks like a credential, then bounds the length. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  for (const pattern of KEY_LIKE) out = out.replace(pattern, '[redacted]');
  out = out.replace(/\s+/g, ' ').trim();
  return out.length > 300 ? `${out.slice(0, 297)}...` : out;
}

interface UpstreamErrorBody {
  message?: string;
  type?: string;
  param?: string | null;
  code?: string | null;
}

/** The `error` object of an OpenAI-style error body, when there is one. */
export function parseErrorBody(text: string): UpstreamErrorBody {
  try {
    const parsed: unknown = JSON.parse(text);
    const error = parsed && typeof parsed === 'object' ? (parsed as { error?: unknown }).error : undefined;
    if (error && typeof error === 'object') {
      const e = error as Record<string, unknown>;
      return {
        ...(typeof e['message'] === 'string' ? { message: e['message'] } : {}),
        ...(typeof e['type'] === 'string' ? { type: e['type'] } : {}),
        ...(typeof e['param'] === 'string' ? { param: e['param'] } : {}),
        ...(typeof e['code'] === 'string' ? { code: e['code'] } : {}),
      };
    }
  } catch {
    // not JSON (an HTML 502 page, a truncated body): nothing to read
  }
  return {};
}

const ID = '([A-Za-z0-9_-]+)';
/** The messages the real API used for state conflicts (they arrive as 400s). */
const CONFLICTS: Array<{ pattern: RegExp; kind: ConflictKind; build: (m: RegExpExecArray) => { message: string; details: Record<string, unknown> } }> = [
  {
    pattern: new RegExp(`Thread ${ID} already has an active run ${ID}\\.?`),
    kind: 'thread_has_active_run',
    build: (m) => ({ message: `Thread ${m[1]} already has an active run ${m[2]}.`, details: { threadId: m[1], runId: m[2] } }),
  },
  {
    pattern: new RegExp(`Can't add messages to ${ID} while a run ${ID} is active\\.?`),
    kind: 'thread_locked_by_run',
    build: (m) => ({ message: `Can't add messages to ${m[1]} while a run ${m[2]} is active.`, details: { threadId: m[1], runId: m[2] } }),
  },
  {
    pattern: /Runs in status "([a-z_]+)" do not accept tool outputs\.?/,
    kind: 'run_not_accepting_tool_outputs',
    build: (m) => ({ message: `Runs in status "${m[1]}" do not accept tool outputs.`, details: { runStatus: m[1] } }),
  },
  {
    pattern: /Cannot cancel run with status '([a-z_]+)'\.?/,
    kind: 'run_not_cancellable',
    build: (m) => ({ message: `Cannot cancel run with status '${m[1]}'.`, details: { runStatus: m[1] } }),
  },
];

function recogniseConflict(message: string | undefined): { kind: ConflictKind; message: string; details: Record<string, unknown> } | undefined {
  if (!message) return undefined;
  for (const conflict of CONFLICTS) {
    const match = conflict.pattern.exec(message);
    if (match) return { kind: conflict.kind, ...conflict.build(match) };
  }
  return undefined;
}

const SAFE_PARAM = /^[\w.[\]*-]{1,128}$/;
const SAFE_CODE = /^[a-z0-9_]{1,64}$/;

export interface ResponseErrorInput {
  status: number;
  /** The raw body text; read only for 400/404/409/422. */
  body: string;
  requestId: string | undefined;
  /** From `retry-after-ms` / `retry-after`. */
  retryAfterMs?: number | undefined;
  /** Values to scrub from any excerpt (the configured key). */
  secrets?: readonly string[];
}

export function failureFromResponse(input: ResponseErrorInput): UpstreamHttpError {
  const { status, requestId } = input;
  const base = { requestId, upstreamStatus: status };
  if (status === 401 || status === 403) {
    return new UpstreamHttpError('The upstream API rejected the gateway\'s credentials.', 'UPSTREAM_UNAUTHORIZED', status, base);
  }
  if (status === 404) {
    return new UpstreamHttpError('Not found.', 'NOT_FOUND', status, base);
  }
  if (status === 429) {
    const wait = input.retryAfterMs === undefined ? '' : ` Retry after ${input.retryAfterMs} ms.`;
    return new UpstreamHttpError(`The upstream API is rate limiting requests.${wait}`, 'RATE_LIMITED', status, { ...base, retryAfterMs: input.retryAfterMs });
  }
  if (status >= 500) {
    return new UpstreamHttpError(`The upstream API is unavailable (HTTP ${status}).`, 'UPSTREAM_UNAVAILABLE', status, base);
  }
  if (status === 400 || status === 409 || status === 422) {
    const body = parseErrorBody(input.body);
    const conflict = recogniseConflict(body.message);
    if (conflict) {
      return new UpstreamHttpError(conflict.message, 'CONFLICT', status, { ...base, conflict: conflict.kind, ...conflict.details });
    }
    if (status === 409) {
      return new UpstreamHttpError('The request conflicts with the current state of the resource.', 'CONFLICT', status, { ...base, conflict: 'conflict' });
    }
    const param = body.param && SAFE_PARAM.test(body.param) ? body.param : undefined;
    const upstreamCode = body.code && SAFE_CODE.test(body.code) ? body.code : undefined;
    const excerpt = body.message ? redactSecrets(body.message, input.secrets) : '';
    const message = `The upstream API rejected the request${param ? ` (parameter ${param})` : ''}${excerpt ? `: ${excerpt}` : '.'}`;
    return new UpstreamHttpError(message, 'BAD_USER_INPUT', status, { ...base, param, upstreamCode });
  }
  return new UpstreamHttpError(`The upstream API refused the request (HTTP ${status}).`, 'UPSTREAM_ERROR', status, base);
}

export function failureFromNetwork(kind: 'timeout' | 'network' | 'invalid_response', requestId?: string): UpstreamHttpError {
  const message = {
    timeout: 'The upstream API did not answer in time.',
    network: 'The upstream API could not be reached.',
    invalid_response: 'The upstream API sent a response that could not be read.',
  }[kind];
  return new UpstreamHttpError(message, 'UPSTREAM_UNAVAILABLE', undefined, { reason: kind, requestId });
}

/** A request the gateway cannot send as asked (a path parameter or body that cannot be encoded): the caller's input. */
export function refusedInput(message: string, details: Record<string, unknown> = {}): UpstreamHttpError {
  return new UpstreamHttpError(message, 'BAD_USER_INPUT', undefined, details, { neverSent: true });
}

/** Fails fast while the circuit is open: no upstream call. */
export function circuitOpen(retryAfterMs: number): UpstreamHttpError {
  return new UpstreamHttpError('The upstream API is failing; requests are paused for a moment.', 'UPSTREAM_UNAVAILABLE', undefined, { reason: 'circuit_open', retryAfterMs }, { neverSent: true });
}

/** Shed before it was sent: too many requests wait for the upstream already, or this one waited past its deadline. */
export function overloaded(retryAfterMs: number): UpstreamHttpError {
  return new UpstreamHttpError('The gateway is overloaded: too many requests are waiting for the upstream API. Retry shortly.', 'UPSTREAM_UNAVAILABLE', undefined, { reason: 'overloaded', retryAfterMs }, { neverSent: true });
}

/** An operation the upstream's profile says it lacks: refused before sending, never after a 404. */
export function unsupportedOperation(operation: string, capability: string, profile: string): UpstreamHttpError {
  return new UpstreamHttpError(
    `The upstream (profile ${profile}) does not support ${operation}.`,
    'UPSTREAM_UNSUPPORTED',
    undefined,
    { capability, profile },
    { neverSent: true },
  );
}
