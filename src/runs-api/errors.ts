import { ApiError, badRequest } from '../embedded/errors.js';

/** The envelope and the errors every OpenAI API shares live in the embedded kit; these are the Assistants API's own. */
export { ApiError, badRequest, incorrectApiKey, invalidUrl, malformedJson, maskKey, missingApiKey, rateLimited, retryHeaders, serverError } from '../embedded/errors.js';

export type ObjectKind = 'assistant' | 'thread' | 'message' | 'run' | 'run step';

export function notFound(kind: ObjectKind, id: string): ApiError {
  return new ApiError(404, `No ${kind} found with id '${id}'.`);
}

export function missingBetaHeader(): ApiError {
  return badRequest(
    "You must provide the 'OpenAI-Beta' header to access the Assistants API. Please try again by setting the header 'OpenAI-Beta: assistants=v2'.",
    null,
    'invalid_beta',
  );
}
