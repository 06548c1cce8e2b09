import { badRequest } from '../embedded/errors.js';

/**
 * The end user a request to the runs API is made for, as the gateway names it (its authenticated subject). Only a
 * holder of the runs API key can name one: a runs API without a key refuses the header, since anybody could send
 * it. The server hands it to the engine as the engine's view for that caller (RunsEngine.forCaller), which keeps one
 * user's upstream data apart from another's (the Responses engine's isolation key); it is passed on explicitly, not
 * through an AsyncLocalStorage, which once entered would turn on async hooks for the whole process. A request that
 * names nobody is the gateway's own work (its shared pollers, a WebSocket operation): it acts for no one user, like
 * the engine's timers and webhooks.
 */
import { CALLER_HEADER } from '../upstream/request.js';

export { CALLER_HEADER };

/** Subjects are percent-encoded by the gateway, so any text fits a header; this bounds what is kept of one. */
const MAX_CALLER_LENGTH = 1_024;

/** The caller of a request from its header value ('' when absent); refused where no key proves the sender. */
export function callerFromHeader(value: string, keyRequired: boolean): string | undefined {
  if (value === '') return undefined;
  if (!keyRequired) throw badRequest(`The ${CALLER_HEADER} header is accepted only by a runs API that requires its key (RUNS_API_KEY).`, null, 'caller_header_not_accepted');
  let caller: string;
  try {
    caller = decodeURIComponent(value);
  } catch {
    throw badRequest(`The ${CALLER_HEADER} header is not percent-encoded text.`, null, 'invalid_value');
  }
  if (caller === '' || caller.length > MAX_CALLER_LENGTH) throw badRequest(`The ${CALLER_HEADER} header must name a caller in 1 to ${MAX_CALLER_LENGTH} characters.`, null, 'invalid_value');
  return caller;
}
