import { GraphQLError } from 'graphql';

/**
 * The one place where upstream failures become GraphQL errors.
 *
 * Messages are written here, never copied from the upstream body, except for a sanitised
 * excerpt of 400 messages: the real API echoes a fragment of the key in 401 bodies
 * ("Incorrect API key provided: sk-abc***xyz"), so 401/403/5xx bodies are never read into a message.
 * Upstream response headers are never attached; only `x-request-id` is kept, as `extensions.requestId`.
 */
export type UpstreamErrorCode =
  | 'UPSTREAM_UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_ERROR';

/** Which state conflict the upstream reported (CONFLICT errors only). */
export type ConflictKind = 'thread_has_active_run' | 'thread_locked_by_run' | 'run_not_accepting_tool_outputs' | 'run_not_cancellable' | 'conflict';

export class UpstreamError extends GraphQLError {
  /** The upstream HTTP status; undefined when no response arrived. Not serialised. */
  readonly status: number | undefined;

  constructor(message: string, code: UpstreamErrorCode, status: number | undefined, extensions: Record<string, unknown> = {}) {
    const clean = Object.fromEntries(Object.entries(extensions).filter(([, value]) => value !== undefined));
    super(message, { extensions: { code, ...clean } });
    this.name = 'UpstreamError';
    this.status = status;
  }

  get code(): UpstreamErrorCode {
    return this.extensions['code'] as UpstreamErrorCode;
  }
}

export function isUpstreamError(error: unknown): error is UpstreamError {
  return error instanceof UpstreamError;
}

/** Lookups turn this into null. */
export function isNotFound(error: unknown): boolean {
  return error instanceof UpstreamError && error.code === 'NOT_FOUND';
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
const CONFLICTS: Array<{ pattern: RegExp; kind: ConflictKind; build: (m: RegExpExecArray) => { message: string; extensions: Record<string, unknown> } }> = [
  {
    pattern: new RegExp(`Thread ${ID} already has an active run ${ID}\\.?`),
    kind: 'thread_has_active_run',
    build: (m) => ({ message: `Thread ${m[1]} already has an active run ${m[2]}.`, extensions: { threadId: m[1], runId: m[2] } }),
  },
  {
    pattern: new RegExp(`Can't add messages to ${ID} while a run ${ID} is active\\.?`),
    kind: 'thread_locked_by_run',
    build: (m) => ({ message: `Can't add messages to ${m[1]} while a run ${m[2]} is active.`, extensions: { threadId: m[1], runId: m[2] } }),
  },
  {
    pattern: /Runs in status "([a-z_]+)" do not accept tool outputs\.?/,
    kind: 'run_not_accepting_tool_outputs',
    build: (m) => ({ message: `Runs in status "${m[1]}" do not accept tool outputs.`, extensions: { runStatus: m[1] } }),
  },
  {
    pattern: /Cannot cancel run with status '([a-z_]+)'\.?/,
    kind: 'run_not_cancellable',
    build: (m) => ({ message: `Cannot cancel run with status '${m[1]}'.`, extensions: { runStatus: m[1] } }),
  },
];

function recogniseConflict(message: string | undefined): { kind: ConflictKind; message: string; extensions: Record<string, unknown> } | undefined {
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

export function errorFromResponse(input: ResponseErrorInput): UpstreamError {
  const { status, requestId } = input;
  const base = { requestId, upstreamStatus: status };
  if (status === 401 || status === 403) {
    return new UpstreamError('The upstream API rejected the gateway\'s credentials.', 'UPSTREAM_UNAUTHORIZED', status, base);
  }
  if (status === 404) {
    return new UpstreamError('Not found.', 'NOT_FOUND', status, base);
  }
  if (status === 429) {
    const wait = input.retryAfterMs === undefined ? '' : ` Retry after ${input.retryAfterMs} ms.`;
    return new UpstreamError(`The upstream API is rate limiting requests.${wait}`, 'RATE_LIMITED', status, { ...base, retryAfterMs: input.retryAfterMs });
  }
  if (status >= 500) {
    return new UpstreamError(`The upstream API is unavailable (HTTP ${status}).`, 'UPSTREAM_UNAVAILABLE', status, base);
  }
  if (status === 400 || status === 409 || status === 422) {
    const body = parseErrorBody(input.body);
    const conflict = recogniseConflict(body.message);
    if (conflict) {
      return new UpstreamError(conflict.message, 'CONFLICT', status, { ...base, conflict: conflict.kind, ...conflict.extensions });
    }
    if (status === 409) {
      return new UpstreamError('The request conflicts with the current state of the resource.', 'CONFLICT', status, { ...base, conflict: 'conflict' });
    }
    const param = body.param && SAFE_PARAM.test(body.param) ? body.param : undefined;
    const upstreamCode = body.code && SAFE_CODE.test(body.code) ? body.code : undefined;
    const excerpt = body.message ? redactSecrets(body.message, input.secrets) : '';
    const message = `The upstream API rejected the request${param ? ` (parameter ${param})` : ''}${excerpt ? `: ${excerpt}` : '.'}`;
    return new UpstreamError(message, 'BAD_USER_INPUT', status, { ...base, param, upstreamCode });
  }
  return new UpstreamError(`The upstream API refused the request (HTTP ${status}).`, 'UPSTREAM_ERROR', status, base);
}

export function errorFromNetwork(kind: 'timeout' | 'network' | 'invalid_response', requestId?: string): UpstreamError {
  const message = {
    timeout: 'The upstream API did not answer in time.',
    network: 'The upstream API could not be reached.',
    invalid_response: 'The upstream API sent a response that could not be read.',
  }[kind];
  return new UpstreamError(message, 'UPSTREAM_UNAVAILABLE', undefined, { reason: kind, requestId });
}

/** For arguments the gateway refuses before calling upstream. */
export function badUserInput(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...extensions } });
}
