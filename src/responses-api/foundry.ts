import { invalidUrl } from '../embedded/errors.js';
import { badRequest, type ApiError } from './errors.js';

/**
 * What Azure AI Foundry's new agents add to the Responses wire (successor-wire.md §2.5), in one place: the caller
 * and the embedded server both take the names from here. Foundry serves this wire under `{project}/openai/v1`:
 * - `agent_reference: { type: 'agent_reference', name, version? }` on `POST /responses` chooses the agent, whose
 *   definition supplies the model and the instructions (so a request carries neither);
 * - `GET /conversations` lists conversations (limit, order, after; filters `agent_name`, `agent_id` = `name:version`);
 * - `x-ms-user-isolation-key` scopes conversations and responses per end user: another key does not see them.
 */

export const RESPONSES_PRESENTATIONS = ['openai', 'foundry'] as const;
export type ResponsesPresentation = (typeof RESPONSES_PRESENTATIONS)[number];

export const ISOLATION_KEY_HEADER = 'x-ms-user-isolation-key';

export interface AgentReference {
  type: 'agent_reference';
  name: string;
  version?: string;
}

/** Foundry's agent names: letters, digits and hyphens, starting with a letter or digit, at most 63. */
const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;

export function isAgentName(value: string): boolean {
  return AGENT_NAME.test(value);
}

/** `agent_id` as Foundry's conversation filter spells it. */
export function agentId(reference: AgentReference): string {
  return reference.version === undefined ? reference.name : `${reference.name}:${reference.version}`;
}

/** Fields an agent's definition supplies: a request that names an agent may not set them as well. */
const SET_BY_THE_AGENT = ['model', 'instructions'] as const;

/**
 * A create-response body of the foundry presentation: `agent_reference` checked and taken out, `model` and
 * `instructions` refused beside it, so that what is left is an ordinary body for the shared validation.
 */
export function splitAgentReference(body: unknown): { reference: AgentReference; rest: Record<string, unknown> } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Invalid request body: expected a JSON object.', null, 'invalid_type');
  const { agent_reference: raw, ...rest } = body as Record<string, unknown>;
  if (raw === undefined || raw === null) throw badRequest("Missing required parameter: 'agent_reference'.", 'agent_reference', 'missing_required_parameter');
  if (typeof raw !== 'object' || Array.isArray(raw)) throw badRequest("Invalid type for 'agent_reference': expected an object.", 'agent_reference', 'invalid_type');
  const { type, name, version, ...unknown } = raw as Record<string, unknown>;
  if (type !== 'agent_reference') throw badRequest("Invalid value for 'agent_reference.type': expected 'agent_reference'.", 'agent_reference.type', 'invalid_value');
  if (typeof name !== 'string' || !isAgentName(name)) throw badRequest("Invalid 'agent_reference.name': expected an agent name (letters, digits, hyphens; at most 63).", 'agent_reference.name', 'invalid_value');
  if (version !== undefined && (typeof version !== 'string' || version === '')) throw badRequest("Invalid type for 'agent_reference.version': expected a non-empty string.", 'agent_reference.version', 'invalid_type');
  const extra = Object.keys(unknown)[0];
  if (extra !== undefined) throw badRequest(`Unknown parameter: 'agent_reference.${extra}'.`, `agent_reference.${extra}`, 'unknown_parameter');
  for (const field of SET_BY_THE_AGENT) {
    if (rest[field] !== undefined) throw badRequest(`'${field}' cannot be set on a request that names an agent: the agent's definition sets it.`, field, 'invalid_value');
  }
  return { reference: { type, name, ...(version !== undefined ? { version } : {}) }, rest };
}

/**
 * Whose data a request may see. The openai presentation has one scope for everybody (the header is not part of its
 * wire); the foundry one keys everything by the isolation key, and no key is a scope of its own.
 */
export function scopeOf(presentation: ResponsesPresentation, isolationKey: string | undefined): string {
  if (presentation !== 'foundry') return '';
  if (isolationKey !== undefined && isolationKey.length > 256) throw badRequest(`Invalid '${ISOLATION_KEY_HEADER}' header: at most 256 characters.`, null, 'invalid_value');
  return isolationKey ?? '';
}

/** `GET /conversations` where the wire has no such operation (OpenAI's). */
export function listConversationsUnsupported(): ApiError {
  return invalidUrl('GET', '/v1/conversations');
}
