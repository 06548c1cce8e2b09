import { refusedInput } from './http-errors.js';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';
export type QueryValue = string | number | boolean | readonly string[] | null | undefined;

/** Where a request goes: a templated route of the wire (`/threads/{thread_id}`), its parameters and query. */
export interface EndpointRequest {
  method: HttpMethod;
  /** A templated path, e.g. `/threads/{thread_id}/runs/{run_id}`; also the metrics `route` label. */
  route: string;
  /** Values for the `{name}` placeholders of `route`; encoded here. */
  params?: Record<string, string>;
  /** Arrays are sent as repeated keys (`include[]=a&include[]=b`); null/undefined are left out. */
  query?: Record<string, QueryValue>;
}

export interface EndpointConfig {
  /** Base URL including any path prefix, e.g. http://localhost:4010/v1. */
  baseUrl: string;
  apiKey: string | undefined;
  /** `authorization` sends `Bearer <key>`; any other name (e.g. Azure's `api-key`) sends the key as is. */
  authHeader: string;
  /** `OpenAI-Beta`; empty: not sent. */
  betaHeader: string;
  headers: Record<string, string>;
  queryParams: Record<string, string>;
}

/** A route split once at its `{name}` placeholders: `literals` has one more entry than `names`. */
interface CompiledRoute {
  literals: readonly string[];
  names: readonly string[];
}

/** Routes come from the code (a few dozen); the bound only guards against a caller that makes many. */
const MAX_COMPILED_ROUTES = 256;

function compileRoute(route: string): CompiledRoute {
  const literals: string[] = [];
  const names: string[] = [];
  let from = 0;
  for (const match of route.matchAll(/\{(\w+)\}/g)) {
    literals.push(route.slice(from, match.index));
    names.push(match[1]!);
    from = match.index + match[0].length;
  }
  literals.push(route.slice(from));
  return { literals, names };
}

/**
 * The base URL as the URL class writes it, when appending a path to it is what the URL class would make of the
 * two: then a URL is built as a string (the URL class parses and serialises it again on every call otherwise).
 * `undefined` for a base with a query or fragment, or one the URL class cannot read (each call then throws as before).
 */
function plainBaseOf(baseUrl: string): string | undefined {
  try {
    const base = new URL(baseUrl);
    if (base.search !== '' || base.hash !== '' || baseUrl.includes('?') || baseUrl.includes('#')) return undefined;
    const plain = base.href.endsWith('/') ? base.href.slice(0, -1) : base.href;
    const probe = '/threads/thread_1/runs/run_1';
    return new URL(`${baseUrl}${probe}`).href === `${plain}${probe}` ? plain : undefined;
  } catch {
    return undefined;
  }
}

/** The upstream's address and the headers of every request, built once from the config. */
export class Endpoint {
  readonly baseUrl: string;
  /** Values to scrub from any excerpt of an upstream message (the configured key). */
  readonly secrets: readonly string[];
  /** Accept, beta, configured extras, then the key. */
  readonly headersWithoutBody: Readonly<Record<string, string>>;
  readonly headersWithBody: Readonly<Record<string, string>>;
  readonly headersForEventStream: Readonly<Record<string, string>>;
  readonly #queryParams: ReadonlyArray<[string, string]>;
  readonly #plainBase: string | undefined;
  readonly #routes = new Map<string, CompiledRoute>();

  constructor(config: EndpointConfig) {
    this.baseUrl = config.baseUrl.replace(/\/+$/, '');
    this.secrets = config.apiKey ? [config.apiKey] : [];
    this.#queryParams = Object.entries(config.queryParams);
    this.#plainBase = plainBaseOf(this.baseUrl);
    const headers = new Headers({ accept: 'application/json' });
    if (config.betaHeader) headers.set('OpenAI-Beta', config.betaHeader);
    for (const [name, value] of Object.entries(config.headers)) headers.set(name, value);
    if (config.apiKey) {
      if (config.authHeader === 'authorization') headers.set('Authorization', `Bearer ${config.apiKey}`);
      else headers.set(config.authHeader, config.apiKey);
    }
    this.headersWithoutBody = Object.freeze(Object.fromEntries(headers.entries()));
    this.headersWithBody = Object.freeze({ ...this.headersWithoutBody, 'content-type': 'application/json' });
    this.headersForEventStream = Object.freeze({ ...this.headersWithBody, accept: 'text/event-stream' });
  }

  /** The URL of a request; a parameter that cannot be a path segment is the caller's BAD_USER_INPUT. */
  url(request: EndpointRequest): string {
    const path = this.#path(request);
    if (this.#plainBase !== undefined) {
      const query = this.#query(request.query);
      return query === '' ? `${this.#plainBase}${path}` : `${this.#plainBase}${path}?${query}`;
    }
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [name, value] of this.#queryParams) url.searchParams.append(name, value);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value === undefined || value === null) continue;
      if (Array.isArray(value)) for (const item of value as readonly string[]) url.searchParams.append(name, item);
      else url.searchParams.append(name, String(value));
    }
    return url.toString();
  }

  /** The route with its parameters in place, each one encoded as a single path segment. */
  #path(request: EndpointRequest): string {
    let route = this.#routes.get(request.route);
    if (!route) {
      route = compileRoute(request.route);
      if (this.#routes.size >= MAX_COMPILED_ROUTES) this.#routes.clear();
      this.#routes.set(request.route, route);
    }
    const { literals, names } = route;
    let path = literals[0]!;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const value = request.params?.[name];
      if (value === undefined) throw new Error(`missing path parameter ${name} for ${request.route}`);
      // '.' and '..' would be resolved as path segments and reach another endpoint.
      if (value === '' || value === '.' || value === '..') throw refusedInput(`"${value}" is not a valid ${name}.`, { param: name });
      let segment: string;
      try {
        segment = encodeURIComponent(value);
      } catch {
        // A lone surrogate (URIError): no URL can carry it.
        throw refusedInput(`${name} is not valid text (it holds an unpaired surrogate).`, { param: name });
      }
      path += segment + literals[i + 1]!;
    }
    return path;
  }

  /** The configured query parameters, then the request's, as URLSearchParams writes them; '' when there are none. */
  #query(query: Record<string, QueryValue> | undefined): string {
    if (this.#queryParams.length === 0 && (query === undefined || isEmpty(query))) return '';
    const params = new URLSearchParams();
    for (const [name, value] of this.#queryParams) params.append(name, value);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value === undefined || value === null) continue;
      if (Array.isArray(value)) for (const item of value as readonly string[]) params.append(name, item);
      else params.append(name, String(value));
    }
    return params.toString();
  }

  /** The URL prefix of every resource under `pathPrefix` (for invalidation). */
  prefix(pathPrefix: string): string {
    return `${this.baseUrl}${pathPrefix}`;
  }
}

function isEmpty(record: object): boolean {
  for (const _key in record) return false;
  return true;
}
