import { GraphQLError } from 'graphql';
import { UpstreamHttpError, failureFromNetwork, failureFromResponse, type ResponseErrorInput, type UpstreamErrorCode } from './http-errors.js';

/**
 * The one place where upstream failures become GraphQL errors: an `UpstreamHttpError` (http-errors.ts, classified
 * there) becomes an `UpstreamError` whose `extensions` are its code and details (requestId, upstreamStatus, reason,
 * retryAfterMs, param, conflict …).
 */
export type { ConflictKind, UpstreamErrorCode } from './http-errors.js';
export { parseErrorBody, redactSecrets } from './http-errors.js';

export class UpstreamError extends GraphQLError {
  /** The upstream HTTP status; undefined when no response arrived. Not serialised. */
  readonly status: number | undefined;
  /** True when nothing reached the upstream (refused or shed by the gateway): a write that failed so was not applied. Not serialised. */
  readonly neverSent: boolean;

  constructor(message: string, code: UpstreamErrorCode, status: number | undefined, extensions: Record<string, unknown> = {}, options: { neverSent?: boolean } = {}) {
    const clean = Object.fromEntries(Object.entries(extensions).filter(([, value]) => value !== undefined));
    super(message, { extensions: { code, ...clean } });
    this.name = 'UpstreamError';
    this.status = status;
    this.neverSent = options.neverSent ?? false;
  }

  get code(): UpstreamErrorCode {
    return this.extensions['code'] as UpstreamErrorCode;
  }

  static from(failure: UpstreamHttpError): UpstreamError {
    return new UpstreamError(failure.message, failure.code, failure.status, { ...failure.details }, { neverSent: failure.neverSent });
  }
}

/** Rethrows what the upstream client throws as GraphQL errors; anything else (a client's abort, a bug) as it is. */
export function rethrowAsGraphQL(error: unknown): never {
  throw error instanceof UpstreamHttpError ? UpstreamError.from(error) : error;
}

export function isUpstreamError(error: unknown): error is UpstreamError {
  return error instanceof UpstreamError;
}

/** Lookups turn this into null. */
export function isNotFound(error: unknown): boolean {
  return (error instanceof UpstreamError || error instanceof UpstreamHttpError) && error.code === 'NOT_FOUND';
}

export function errorFromResponse(input: ResponseErrorInput): UpstreamError {
  return UpstreamError.from(failureFromResponse(input));
}

export function errorFromNetwork(kind: 'timeout' | 'network' | 'invalid_response', requestId?: string): UpstreamError {
  return UpstreamError.from(failureFromNetwork(kind, requestId));
}

/** For arguments the gateway refuses before calling upstream. */
export function badUserInput(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...extensions } });
}
