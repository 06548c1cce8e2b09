import type { IncomingMessage } from 'node:http';
import { ApiError, badRequest, describeType } from '../embedded/errors.js';
import type { SignedRoute } from '../embedded/server.js';
import type { RunsEngine } from './engine.js';
import { presentEvent } from './present.js';
import { createOperations, EventStreamAnswer, type HandlerContext, type Operation } from './routes/index.js';
import { orEmpty, param, runAnswer } from './routes/operation.js';
import type { SubmitToolApprovalsRequest, ToolApproval } from './rules.js';
import { createTokenEndpoint, TOKEN_PATH, type TokenEndpoint } from './token-endpoint.js';
import type { CreateAssistantRequest, CreateRunRequest, CreateThreadAndRunRequest, ModifyAssistantRequest, SubmitToolOutputsRequest } from './types.js';
import { parseInclude, parseListQuery, validateBody } from './validation.js';
import type { SchemaName } from '../spec/index.js';

/**
 * How the embedded runs API presents itself (RUNS_API_PROFILE): the one place between the routes and the engine where
 * a wire differs. `openai` is the Assistants v2 wire as specified, under `/v1`. `foundry-classic` is Azure AI Foundry
 * Agent Service's classic agents as Azure documents them (Azure.AI.Agents 2025-05-01 / 2025-05-15-preview, and
 * @azure/ai-agents): routes at the project endpoint (`/api/projects/{project}`, no `/v1`), `api-version` on every call,
 * bearer tokens from a token endpoint this server also serves (no API key, no `OpenAI-Beta`), list answers without
 * `object` and `first_id`, `GET /threads`, `tool_resources` on runs, and MCP tools whose calls wait for approval
 * (`submit_tool_approval`, answered with `tool_approvals`). Engines stay wire-agnostic: they keep what a request gave
 * (a run's `tool_resources`, an `mcp` tool) and the presentation decides what is accepted and shown.
 */

export { RUNS_API_PROFILES, type RunsApiProfileName } from './settings.js';

/** The `api-version` values Foundry classic accepts. */
export const FOUNDRY_API_VERSIONS = ['v1', '2025-05-01', '2025-05-15-preview'] as const;

export interface WirePresentation {
  /** Where the routes are, e.g. `/v1` or `/api/projects/demo`. */
  basePath: string;
  operations: Operation[];
  requireBetaHeader: boolean;
  /** Checks of every request after authentication (Foundry: `api-version`). */
  checkRequest?: (req: IncomingMessage, query: URLSearchParams) => void;
  /** Replaces the API key check. */
  authenticate?: (req: IncomingMessage) => void;
  /** Routes outside the base path that authenticate themselves (Foundry: the token endpoint). */
  signedRoutes: SignedRoute[];
  tokens?: TokenEndpoint;
}

export interface FoundryOptions {
  /** The project name in `/api/projects/{project}`. */
  project: string;
  clientId: string;
  clientSecret: string;
  tokenLifetimeMs: number;
}

export { TOKEN_PATH };

/** The OpenAI wire: the spec's operations; a run never shows the `tool_resources` an engine may keep on it. */
export function openAiPresentation(requireBetaHeader: boolean): WirePresentation {
  return { basePath: '/v1', operations: createOperations().map((op) => presentedBy(op, withoutRunToolResources)), requireBetaHeader, signedRoutes: [] };
}

export function foundryClassicPresentation(options: FoundryOptions): WirePresentation {
  const tokens = createTokenEndpoint({ clientId: options.clientId, clientSecret: options.clientSecret, lifetimeMs: options.tokenLifetimeMs });
  const foundry = foundryOperations();
  const operations = [
    ...createOperations().map((op) => foundry.get(`${op.method} ${op.route}`) ?? op),
    // After `/threads/runs` and `/threads/{thread_id}`, which share no method with it.
    { method: 'GET' as const, route: '/threads', handler: async (ctx: HandlerContext) => listThreads(ctx) },
  ].map((op) => presentedBy(op, presentFoundry));
  return {
    basePath: `/api/projects/${encodeURIComponent(options.project)}`,
    operations,
    requireBetaHeader: false,
    checkRequest: (_req, query) => checkApiVersion(query),
    authenticate: (req) => tokens.authenticate(req),
    signedRoutes: [tokens.route],
    tokens,
  };
}

/** An operation whose answers (JSON, or each streamed event's data) pass through `present`. */
function presentedBy(op: Operation, present: (value: unknown) => unknown): Operation {
  return {
    ...op,
    handler: async (ctx) => {
      const result = await op.handler(ctx);
      if (result instanceof EventStreamAnswer) return new EventStreamAnswer(result.events, (event) => present(result.present(event)));
      return present(result);
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isList(value: unknown): value is { object: 'list'; data: unknown[]; first_id: string | null; last_id: string | null; has_more: boolean } {
  return isRecord(value) && value['object'] === 'list' && Array.isArray(value['data']);
}

function withoutRunToolResources(value: unknown): unknown {
  if (isList(value)) return value.data.some((item) => isRecord(item) && 'tool_resources' in item && item['object'] === 'thread.run') ? { ...value, data: value.data.map(withoutRunToolResources) } : value;
  if (!isRecord(value) || value['object'] !== 'thread.run' || !('tool_resources' in value)) return value;
  const { tool_resources: _kept, ...run } = value;
  return run;
}

/** Azure's list envelope (`AgentsPagedResult`: `data`, `last_id?`, `has_more`), runs with `tool_resources`. */
function presentFoundry(value: unknown): unknown {
  if (isList(value)) return { data: value.data.map(presentFoundry), ...(value.last_id === null ? {} : { last_id: value.last_id }), has_more: value.has_more };
  if (!isRecord(value) || value['object'] !== 'thread.run') return value;
  return { ...value, tool_resources: withoutMcpHeaders(value['tool_resources'] ?? null) };
}

/** MCP headers usually carry the server's credentials: kept for the calls, never shown back. */
function withoutMcpHeaders(resources: unknown): unknown {
  if (!isRecord(resources) || !Array.isArray(resources['mcp'])) return resources;
  return { ...resources, mcp: resources['mcp'].map((entry) => (isRecord(entry) ? (({ headers: _hidden, ...shown }) => shown)(entry) : entry)) };
}

function checkApiVersion(query: URLSearchParams): void {
  const version = query.get('api-version');
  if (version === null || version === '') {
    throw new ApiError(400, 'The api-version query parameter (?api-version=) is required for all requests.', 'invalid_request_error', 'api-version', 'MissingApiVersionParameter');
  }
  if (!(FOUNDRY_API_VERSIONS as readonly string[]).includes(version)) {
    throw new ApiError(
      400,
      `Unsupported api-version '${version}'. The supported api-versions are '${FOUNDRY_API_VERSIONS.join(', ')}'.`,
      'invalid_request_error',
      'api-version',
      'UnsupportedApiVersionValue',
    );
  }
}

async function listThreads({ engine, ...ctx }: HandlerContext): Promise<unknown> {
  const query = parseListQuery(ctx.query);
  if (!engine.threads.list) throw badRequest('Listing threads is not supported by this engine (RUNS_ENGINE=responses keeps no thread index).', null, 'unsupported_operation');
  return engine.threads.list(query);
}

/** The operations whose bodies carry Azure's additions, keyed `METHOD route`; the rest are the OpenAI wire's as they are. */
function foundryOperations(): Map<string, Operation> {
  const ops: Operation[] = [
    {
      method: 'POST',
      route: '/assistants',
      handler: async ({ body, engine }) => engine.assistants.create(withMcpTools<CreateAssistantRequest>(engine, 'CreateAssistantRequest', orEmpty(body))),
    },
    {
      method: 'POST',
      route: '/assistants/{assistant_id}',
      handler: async ({ engine, ...ctx }) => engine.assistants.update(param(ctx, 'assistant_id'), withMcpTools<ModifyAssistantRequest>(engine, 'ModifyAssistantRequest', orEmpty(ctx.body))),
    },
    {
      method: 'POST',
      route: '/threads/{thread_id}/runs',
      handler: async ({ engine, ...ctx }) => {
        const { rest, resources } = takeField(orEmpty(ctx.body), 'tool_resources');
        const req = withMcpTools<CreateRunRequest>(engine, 'CreateRunRequest', rest);
        const toolResources = resources === undefined ? undefined : parseRunToolResources(resources, 'tool_resources');
        const include = parseInclude(ctx.query);
        const start = await engine.runs.create(param(ctx, 'thread_id'), toolResources === undefined ? req : Object.assign(req, { tool_resources: toolResources }));
        return runAnswer(start, presentEvent(include.fileSearchContent));
      },
    },
    {
      method: 'POST',
      route: '/threads/runs',
      handler: async ({ body, query, engine }) => {
        // The spec's tool_resources are checked as OpenAI's; Azure's `mcp` entries beside them by hand.
        const given = orEmpty(body);
        const resources = isRecord(given) ? given['tool_resources'] : undefined;
        const mcp = isRecord(resources) && 'mcp' in resources ? parseMcpResources(resources['mcp'], 'tool_resources.mcp') : undefined;
        const withoutMcp = mcp === undefined ? given : { ...(given as Record<string, unknown>), tool_resources: (({ mcp: _taken, ...rest }) => rest)(resources as Record<string, unknown>) };
        const req = withMcpTools<CreateThreadAndRunRequest>(engine, 'CreateThreadAndRunRequest', withoutMcp);
        if (mcp !== undefined) Object.assign(req, { tool_resources: { ...req.tool_resources, mcp } });
        const include = parseInclude(query);
        return runAnswer(await engine.threads.createAndRun(req), presentEvent(include.fileSearchContent));
      },
    },
    {
      method: 'POST',
      route: '/threads/{thread_id}/runs/{run_id}/submit_tool_outputs',
      handler: async ({ engine, ...ctx }) => {
        const body = orEmpty(ctx.body);
        if (isRecord(body) && 'tool_approvals' in body) {
          const req = parseToolApprovals(body);
          if (!engine.runs.submitToolApprovals) throw mcpUnsupported();
          return runAnswer(await engine.runs.submitToolApprovals(param(ctx, 'thread_id'), param(ctx, 'run_id'), req), presentEvent(false));
        }
        const req = validateBody<SubmitToolOutputsRequest>('SubmitToolOutputsRunRequest', body);
        return runAnswer(await engine.runs.submitToolOutputs(param(ctx, 'thread_id'), param(ctx, 'run_id'), req), presentEvent(false));
      },
    },
  ];
  return new Map(ops.map((op) => [`${op.method} ${op.route}`, op]));
}

function mcpUnsupported(): ApiError {
  return badRequest("The 'mcp' tool is not supported by this engine (RUNS_ENGINE=responses); the simulated engine runs MCP tools and their approvals.", 'tools', 'unsupported_tool');
}

function takeField(body: unknown, name: string): { rest: unknown; resources: unknown } {
  if (!isRecord(body) || !(name in body)) return { rest: body, resources: undefined };
  const { [name]: taken, ...rest } = body;
  return { rest, resources: taken };
}

/** Azure's MCP tool definition (`MCPToolDefinition`). */
interface McpToolDefinition {
  type: 'mcp';
  server_label: string;
  server_url: string;
  allowed_tools?: string[];
}

/**
 * Validates a body with the OpenAI spec, `mcp` tools aside: each is checked by hand and stood in for by a tool the spec
 * knows while the rest is checked (so the spec's messages keep their indexes), then put back where it was.
 */
function withMcpTools<T>(engine: RunsEngine, schema: SchemaName, body: unknown): T {
  const tools = isRecord(body) ? body['tools'] : undefined;
  if (!Array.isArray(tools) || !tools.some((tool) => isRecord(tool) && tool['type'] === 'mcp')) return validateBody<T>(schema, body);
  if (!engine.runs.submitToolApprovals) throw mcpUnsupported();
  const mcp = new Map<number, McpToolDefinition>();
  const standIns = tools.map((tool, index) => {
    if (!isRecord(tool) || tool['type'] !== 'mcp') return tool;
    mcp.set(index, parseMcpTool(tool, `tools[${index}]`));
    return { type: 'code_interpreter' };
  });
  const validated = validateBody<T>(schema, { ...(body as Record<string, unknown>), tools: standIns });
  const checked = (validated as { tools: unknown[] }).tools;
  return { ...validated, tools: checked.map((tool, index) => mcp.get(index) ?? tool) };
}

function parseMcpTool(tool: Record<string, unknown>, at: string): McpToolDefinition {
  rejectUnknown(tool, ['type', 'server_label', 'server_url', 'allowed_tools'], at);
  const label = requireString(tool, 'server_label', at);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(label)) throw badRequest(`Invalid '${at}.server_label': letters, digits, '_' and '-' only, at most 64.`, `${at}.server_label`, 'invalid_value');
  const url = requireString(tool, 'server_url', at);
  if (!/^https?:\/\/[^\s]+$/.test(url)) throw badRequest(`Invalid '${at}.server_url': expected an http(s) URL.`, `${at}.server_url`, 'invalid_value');
  const allowed = tool['allowed_tools'];
  if (allowed !== undefined && !(Array.isArray(allowed) && allowed.every((name) => typeof name === 'string' && name !== ''))) {
    throw badRequest(`Invalid type for '${at}.allowed_tools': expected an array of tool names, but got ${describeType(allowed)} instead.`, `${at}.allowed_tools`, 'invalid_type');
  }
  return { type: 'mcp', server_label: label, server_url: url, ...(allowed === undefined ? {} : { allowed_tools: allowed as string[] }) };
}

/** Azure's `MCPToolResource`: per server, the headers of its calls and whether they wait for approval. */
interface McpToolResource {
  server_label: string;
  headers?: Record<string, string>;
  require_approval?: 'always' | 'never' | { always?: { tool_names: string[] }; never?: { tool_names: string[] } };
}

/** A run's `tool_resources` (Azure's `ToolResources`): the spec's two and `mcp`. */
function parseRunToolResources(value: unknown, at: string): Record<string, unknown> | null {
  if (value === null) return null;
  if (!isRecord(value)) throw badRequest(`Invalid type for '${at}': expected an object, but got ${describeType(value)} instead.`, at, 'invalid_type');
  rejectUnknown(value, ['code_interpreter', 'file_search', 'mcp'], at);
  const out: Record<string, unknown> = {};
  if (value['code_interpreter'] !== undefined) out['code_interpreter'] = { file_ids: idList(value['code_interpreter'], 'file_ids', `${at}.code_interpreter`) };
  if (value['file_search'] !== undefined) out['file_search'] = { vector_store_ids: idList(value['file_search'], 'vector_store_ids', `${at}.file_search`) };
  if (value['mcp'] !== undefined) out['mcp'] = parseMcpResources(value['mcp'], `${at}.mcp`);
  return out;
}

function idList(value: unknown, field: string, at: string): string[] {
  if (!isRecord(value)) throw badRequest(`Invalid type for '${at}': expected an object, but got ${describeType(value)} instead.`, at, 'invalid_type');
  rejectUnknown(value, [field], at);
  const ids = value[field] ?? [];
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw badRequest(`Invalid type for '${at}.${field}': expected an array of ids.`, `${at}.${field}`, 'invalid_type');
  return ids as string[];
}

function parseMcpResources(value: unknown, at: string): McpToolResource[] {
  if (!Array.isArray(value)) throw badRequest(`Invalid type for '${at}': expected an array, but got ${describeType(value)} instead.`, at, 'invalid_type');
  return value.map((entry, index) => {
    const here = `${at}[${index}]`;
    if (!isRecord(entry)) throw badRequest(`Invalid type for '${here}': expected an object, but got ${describeType(entry)} instead.`, here, 'invalid_type');
    rejectUnknown(entry, ['server_label', 'headers', 'require_approval'], here);
    const resource: McpToolResource = { server_label: requireString(entry, 'server_label', here) };
    if (entry['headers'] !== undefined) resource.headers = stringMap(entry['headers'], `${here}.headers`);
    if (entry['require_approval'] !== undefined) resource.require_approval = requireApproval(entry['require_approval'], `${here}.require_approval`);
    return resource;
  });
}

function requireApproval(value: unknown, at: string): NonNullable<McpToolResource['require_approval']> {
  if (value === 'always' || value === 'never') return value;
  if (isRecord(value)) {
    rejectUnknown(value, ['always', 'never'], at);
    const out: { always?: { tool_names: string[] }; never?: { tool_names: string[] } } = {};
    for (const key of ['always', 'never'] as const) if (value[key] !== undefined) out[key] = { tool_names: idList(value[key], 'tool_names', `${at}.${key}`) };
    return out;
  }
  throw badRequest(`Invalid value for '${at}': expected 'always', 'never' or { always: { tool_names }, never: { tool_names } }.`, at, 'invalid_value');
}

/** `{ tool_approvals: [{ tool_call_id, approve, headers? }], stream? }` (Azure's ToolApproval). */
function parseToolApprovals(body: Record<string, unknown>): SubmitToolApprovalsRequest {
  rejectUnknown(body, ['tool_approvals', 'tool_outputs', 'stream'], '');
  const outputs = body['tool_outputs'];
  if (outputs !== undefined && outputs !== null && !(Array.isArray(outputs) && outputs.length === 0)) {
    throw badRequest("Send either 'tool_outputs' or 'tool_approvals', not both: a run waits for one kind of answer.", 'tool_outputs', 'invalid_value');
  }
  const list = body['tool_approvals'];
  if (!Array.isArray(list) || list.length === 0) throw badRequest("Invalid 'tool_approvals': expected a non-empty array.", 'tool_approvals', 'invalid_value');
  const approvals = list.map((entry, index): ToolApproval => {
    const at = `tool_approvals[${index}]`;
    if (!isRecord(entry)) throw badRequest(`Invalid type for '${at}': expected an object, but got ${describeType(entry)} instead.`, at, 'invalid_type');
    rejectUnknown(entry, ['tool_call_id', 'approve', 'headers'], at);
    const toolCallId = requireString(entry, 'tool_call_id', at);
    if (typeof entry['approve'] !== 'boolean') {
      if (entry['approve'] === undefined) throw badRequest(`Missing required parameter: '${at}.approve'.`, `${at}.approve`, 'missing_required_parameter');
      throw badRequest(`Invalid type for '${at}.approve': expected a boolean, but got ${describeType(entry['approve'])} instead.`, `${at}.approve`, 'invalid_type');
    }
    return { tool_call_id: toolCallId, approve: entry['approve'], ...(entry['headers'] === undefined ? {} : { headers: stringMap(entry['headers'], `${at}.headers`) }) };
  });
  const stream = body['stream'];
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') throw badRequest(`Invalid type for 'stream': expected a boolean, but got ${describeType(stream)} instead.`, 'stream', 'invalid_type');
  return { tool_approvals: approvals, stream: stream as boolean | null | undefined };
}

function rejectUnknown(value: Record<string, unknown>, known: readonly string[], at: string): void {
  const unknown = Object.keys(value).find((key) => !known.includes(key));
  if (unknown === undefined) return;
  const field = at === '' ? unknown : `${at}.${unknown}`;
  throw badRequest(`Unrecognized request argument supplied: ${field}`, field, 'unknown_parameter');
}

function requireString(value: Record<string, unknown>, field: string, at: string): string {
  const given = value[field];
  const name = at === '' ? field : `${at}.${field}`;
  if (given === undefined) throw badRequest(`Missing required parameter: '${name}'.`, name, 'missing_required_parameter');
  if (typeof given !== 'string' || given === '') throw badRequest(`Invalid type for '${name}': expected a non-empty string, but got ${describeType(given)} instead.`, name, 'invalid_type');
  return given;
}

function stringMap(value: unknown, at: string): Record<string, string> {
  if (!isRecord(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw badRequest(`Invalid type for '${at}': expected an object of strings, but got ${describeType(value)} instead.`, at, 'invalid_type');
  }
  return value as Record<string, string>;
}
