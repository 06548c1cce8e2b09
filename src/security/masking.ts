import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError, type MaskError } from 'graphql-yoga';

/** What a client reads in place of an error nobody mapped to a code. */
export const UNEXPECTED_ERROR_MESSAGE = 'Unexpected error.';

export interface ErrorMaskerOptions {
  /** Development: a masked error carries its original (message, stack) in `extensions.originalError`. */
  isDev: boolean;
  /** With tenants (GATEWAY_AUTH ≠ none), NOT_FOUND goes out without the upstream request id. */
  tenancy: boolean;
  /** Told of each error that masking changed (yoga logs these as errors). */
  onMasked?: (original: unknown) => void;
}

/**
 * The gateway's error masking, in one place for both paths an error can leave by:
 * - `rules` is handed to yoga (`maskedErrors.maskError`), which applies it to HTTP results and thrown errors;
 * - `mask` is what the subscription-events plugin applies to subscription results and failed streams, which
 *   yoga's own hooks never see. It wraps `rules` as yoga wraps it (graphql-yoga/esm/server.js, the
 *   `maskedErrorsOpts` of YogaServer): an error masked once is passed on as it is, and a change is reported.
 */
export interface ErrorMasker {
  readonly errorMessage: string;
  readonly isDev: boolean;
  readonly rules: MaskError;
  mask(error: unknown): unknown;
}

export function createErrorMasker(options: ErrorMaskerOptions): ErrorMasker {
  const { isDev, tenancy, onMasked } = options;
  const rules: MaskError = (error, message, dev = isDev) => {
    const masked = withInputCode(yogaMaskError(error, message, dev));
    if (!tenancy || !(masked instanceof GraphQLError) || masked.extensions['code'] !== 'NOT_FOUND' || !('requestId' in masked.extensions)) return masked;
    // Another tenant's thread and an unknown id must answer alike: the upstream's request id would tell them apart.
    const { requestId: _requestId, ...extensions } = masked.extensions;
    return new GraphQLError(masked.message, { nodes: masked.nodes, source: masked.source, positions: masked.positions, path: masked.path, extensions });
  };
  const masked = new WeakSet<object>();
  return {
    errorMessage: UNEXPECTED_ERROR_MESSAGE,
    isDev,
    rules,
    mask(error) {
      if (typeof error === 'object' && error !== null && masked.has(error)) return error;
      const result = rules(error, UNEXPECTED_ERROR_MESSAGE, isDev);
      if (result !== error) onMasked?.(error);
      masked.add(result);
      return result;
    },
  };
}

/**
 * graphql-js's own request errors (a variable of the wrong type or shape) come with no code: nothing of the gateway
 * made them, no path. They are the caller's input. The code is added to the error itself: a new error would count as
 * masked, and yoga logs every masked error as an error of the gateway.
 */
function withInputCode(error: Error): Error {
  if (!(error instanceof GraphQLError) || error.extensions['code'] !== undefined || error.path) return error;
  // A scalar's own refusal of a variable arrives wrapped (its GraphQLError as the original); anything else is not ours to name.
  if (error.originalError && !(error.originalError instanceof GraphQLError)) return error;
  (error.extensions as Record<string, unknown>)['code'] = 'BAD_USER_INPUT';
  return error;
}
