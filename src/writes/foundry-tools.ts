import type { FieldViolation } from './errors.js';
import { mcpHeaders } from './tool-approvals.js';

/*
 * Azure AI Foundry's additions to write bodies (`Azure.AI.Agents` 2025-05-01): tools of types the OpenAI spec does not
 * know (ToolDefinition members mcp, azure_ai_search, bing_grounding, connected_agent, openapi), `tool_resources.mcp`
 * (MCPToolResource) and `tool_resources.azure_ai_search` (AzureAISearchToolResource), and `tool_resources` on a new run. The OpenAI spec checks the rest of the body; these parts are
 * checked here, and stood in for while the spec looks (so its messages keep their indexes), like the embedded API does.
 */

export const FOUNDRY_TOOL_TYPES: ReadonlySet<string> = new Set(['mcp', 'azure_ai_search', 'bing_grounding', 'connected_agent', 'openapi']);

/** The GraphQL member each Foundry wire type is given as (`tools: [{ mcp: {…} }]`). */
const MEMBER: Readonly<Record<string, string>> = { mcp: 'mcp', azure_ai_search: 'azureAiSearch', bing_grounding: 'bingGrounding', connected_agent: 'connectedAgent', openapi: 'openapi' };

export interface FoundryParts<T> {
  /** Where the body uses Foundry's additions (GraphQL paths, e.g. `input.tools[1].mcp`); empty: plain OpenAI wire. */
  used: string[];
  /** The body the OpenAI spec can check: Foundry tools replaced by a tool it knows, Foundry resources left out. */
  checkable: T;
  violations: FieldViolation[];
}

export interface FoundryOptions {
  /** The body's `tool_resources` is a run's (createRun), which only Foundry has: all of it is Foundry's. */
  runToolResources?: boolean;
}

/** An MCP server label: what Azure (and the embedded API) accept. */
const SERVER_LABEL = /^[A-Za-z0-9_-]{1,64}$/;
/** FunctionObject.name's rule, which Azure applies to openapi and connected agent names too. */
const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const NAME_RULE = 'must be 1 to 64 characters of a-z, A-Z, 0-9, underscores and dashes';

export function foundryParts<T>(body: T, options: FoundryOptions = {}): FoundryParts<T> {
  const used: string[] = [];
  const violations: FieldViolation[] = [];
  if (!isRecord(body)) return { used, checkable: body, violations };
  const checkable: Record<string, unknown> = { ...body };

  const tools = body['tools'];
  if (Array.isArray(tools) && tools.some(isFoundryTool)) {
    checkable['tools'] = tools.map((tool, index) => {
      if (!isFoundryTool(tool)) return tool;
      const at = `input.tools[${index}].${MEMBER[tool['type'] as string]}`;
      used.push(at);
      toolViolations(tool, at, violations);
      return { type: 'code_interpreter' };
    });
  }

  const resources = body['tool_resources'];
  if (isRecord(resources)) {
    if (Array.isArray(resources['mcp'])) resources['mcp'].forEach((entry, index) => mcpResourceViolations(entry, `input.toolResources.mcp[${index}]`, violations));
    if (isRecord(resources['azure_ai_search'])) searchResourceViolations(resources['azure_ai_search'], 'input.toolResources.azureAiSearch', violations);
    const foundryResources = FOUNDRY_RESOURCES.filter((name) => resources[name] !== undefined);
    if (options.runToolResources) {
      used.push('input.toolResources');
      delete checkable['tool_resources'];
    } else if (foundryResources.length > 0) {
      used.push(...foundryResources.map((name) => `input.toolResources.${RESOURCE_MEMBER[name]}`));
      checkable['tool_resources'] = Object.fromEntries(Object.entries(resources).filter(([name]) => !foundryResources.includes(name)));
    }
  } else if (resources === null && options.runToolResources) {
    used.push('input.toolResources');
    delete checkable['tool_resources'];
  }
  return { used, checkable: checkable as T, violations };
}

/** Azure's `ToolResources` members the OpenAI spec lacks, and their GraphQL names. */
const FOUNDRY_RESOURCES = ['mcp', 'azure_ai_search'];
const RESOURCE_MEMBER: Readonly<Record<string, string>> = { mcp: 'mcp', azure_ai_search: 'azureAiSearch' };

/** `AzureAISearchToolResource`: at most one index ("maxItems 1"), named by a connection and a name or by an asset. */
function searchResourceViolations(search: Record<string, unknown>, at: string, out: FieldViolation[]): void {
  const indexes = Array.isArray(search['indexes']) ? (search['indexes'] as Array<Record<string, unknown>>) : [];
  if (indexes.length !== 1) out.push({ field: `${at}.indexes`, message: `${at}.indexes must have exactly 1 item (it has ${indexes.length})` });
  indexes.forEach((index, position) => {
    const here = `${at}.indexes[${position}]`;
    const byConnection = typeof index['index_connection_id'] === 'string' && index['index_connection_id'] !== '' && typeof index['index_name'] === 'string' && index['index_name'] !== '';
    const byAsset = typeof index['index_asset_id'] === 'string' && index['index_asset_id'] !== '';
    if (byConnection === byAsset) out.push({ field: here, message: `${here} must name the index either by indexConnectionId and indexName or by indexAssetId` });
    const topK = index['top_k'];
    if (typeof topK === 'number' && topK < 1) out.push({ field: `${here}.topK`, message: `${here}.topK must be at least 1` });
  });
}

function isFoundryTool(tool: unknown): tool is Record<string, unknown> {
  return isRecord(tool) && typeof tool['type'] === 'string' && FOUNDRY_TOOL_TYPES.has(tool['type']);
}

function toolViolations(tool: Record<string, unknown>, at: string, out: FieldViolation[]): void {
  const fail = (field: string, message: string) => out.push({ field: `${at}.${field}`, message: `${at}.${field} ${message}` });
  switch (tool['type']) {
    case 'mcp': {
      if (!SERVER_LABEL.test(String(tool['server_label']))) fail('serverLabel', 'must be 1 to 64 characters of letters, digits, underscores and dashes');
      if (!isHttpUrl(tool['server_url'])) fail('serverUrl', 'must be an absolute http(s) URL');
      const allowed = tool['allowed_tools'];
      if (Array.isArray(allowed)) allowed.forEach((name, index) => name === '' && fail(`allowedTools[${index}]`, 'must not be empty'));
      return;
    }
    case 'bing_grounding': {
      const configurations = (tool['bing_grounding'] as { search_configurations?: Array<Record<string, unknown>> }).search_configurations ?? [];
      // BingGroundingSearchConfigurationList: "a maximum of 1 search configuration", and the tool needs its connection.
      if (configurations.length !== 1) fail('searchConfigurations', `must have exactly 1 item (it has ${configurations.length})`);
      configurations.forEach((configuration, index) => {
        if (configuration['connection_id'] === '') fail(`searchConfigurations[${index}].connectionId`, 'must not be empty');
        const count = configuration['count'];
        if (typeof count === 'number' && count < 1) fail(`searchConfigurations[${index}].count`, 'must be at least 1');
      });
      return;
    }
    case 'connected_agent': {
      const agent = tool['connected_agent'] as Record<string, unknown>;
      if (agent['id'] === '') fail('id', 'must not be empty');
      if (!NAME.test(String(agent['name']))) fail('name', NAME_RULE);
      if (agent['description'] === '') fail('description', 'must not be empty (the model reads it to decide when to call the agent)');
      return;
    }
    case 'openapi': {
      const api = tool['openapi'] as Record<string, unknown>;
      if (!NAME.test(String(api['name']))) fail('name', NAME_RULE);
      if (!isRecord(api['spec']) || Object.keys(api['spec']).length === 0) fail('spec', 'must be an OpenAPI document (a non-empty object)');
      const auth = api['auth'] as Record<string, unknown>;
      const scheme = auth['security_scheme'] as Record<string, unknown> | undefined;
      if (auth['type'] === 'connection' && scheme?.['connection_id'] === '') fail('auth.connection.connectionId', 'must not be empty');
      if (auth['type'] === 'managed_identity' && scheme?.['audience'] === '') fail('auth.managedIdentity.audience', 'must not be empty');
      return;
    }
    default:
      return;
  }
}

function mcpResourceViolations(entry: unknown, at: string, out: FieldViolation[]): void {
  if (!isRecord(entry)) return;
  if (!SERVER_LABEL.test(String(entry['server_label']))) {
    out.push({ field: `${at}.serverLabel`, message: `${at}.serverLabel must be 1 to 64 characters of letters, digits, underscores and dashes` });
  }
  const rule = entry['require_approval'];
  if (isRecord(rule) && rule['always'] === undefined && rule['never'] === undefined) {
    out.push({ field: `${at}.requireApproval.tools`, message: `${at}.requireApproval.tools must name tools under always or never` });
  }
  if (isRecord(entry['headers'])) mcpHeaders(entry['headers'], `${at}.headers`, out);
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
