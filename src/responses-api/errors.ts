import { ApiError } from '../embedded/errors.js';

export { ApiError };

/**
 * The Responses API's errors. Where the vendor's wording is known from its answers (quoted in issue
 * threads of its SDKs' users), it is copied: clients match on these messages. README lists which.
 */
const invalid = (message: string, param: string | null = null, code: string | null = null): ApiError => new ApiError(400, message, 'invalid_request_error', param, code);

export function responseNotFound(id: string): ApiError {
  return new ApiError(404, `Response with id '${id}' not found.`, 'invalid_request_error', null, null);
}

export function conversationNotFound(id: string, param: string | null = null): ApiError {
  return new ApiError(404, `Conversation with id '${id}' not found.`, 'invalid_request_error', param, null);
}

export function itemNotFound(id: string): ApiError {
  return new ApiError(404, `Item with id '${id}' not found.`, 'invalid_request_error', null, null);
}

export function previousResponseNotFound(id: string): ApiError {
  return invalid(`Previous response with id '${id}' not found.`, 'previous_response_id', 'previous_response_not_found');
}

/** A function call in the context (earlier responses, the conversation or this input) that this input does not answer. */
export function noToolOutput(callId: string): ApiError {
  return invalid(`No tool output found for function call ${callId}.`, 'input');
}

/** A `function_call_output` whose `call_id` no function call in the context has. */
export function noToolCall(callId: string): ApiError {
  return invalid(`No tool call found for function call output with call_id ${callId}.`, 'input');
}

/** An item whose id is already in the context or earlier in this input (e.g. a function call sent again with previous_response_id). */
export function duplicateItem(id: string): ApiError {
  return invalid(`Duplicate item found with id ${id}. Remove duplicate items from your input and try again.`, 'input');
}

export function conversationWithPreviousResponse(): ApiError {
  return invalid("Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or 'conversation'.", 'conversation', 'mutually_exclusive_parameters');
}

export function cancelNotBackground(): ApiError {
  return invalid('Cannot cancel a synchronous response.', 'response_id');
}

export function streamNotBackground(): ApiError {
  return invalid('This response cannot be streamed because it was not created with background=true.', 'stream');
}

export function backgroundNeedsStore(): ApiError {
  return invalid("Background responses must be stored: 'background' requires 'store' to be true.", 'background', 'invalid_value');
}

export function tooManyItems(param: string, given: number): ApiError {
  return invalid(`Invalid '${param}': array too long. Expected an array with maximum length 20, but got an array with length ${given} instead.`, param, 'array_above_max_length');
}

export function badCursor(param: string, id: string): ApiError {
  return invalid(`Invalid '${param}': no item with id '${id}' in this list.`, param, 'invalid_value');
}

export function badRequest(message: string, param: string | null = null, code: string | null = null): ApiError {
  return invalid(message, param, code);
}
