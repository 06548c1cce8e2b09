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

  constructor(config: EndpointConfig) {
    this.baseUrl = config.baseUrl.replace(/\/+$/, '');
    this.secrets = config.apiKey ? [config.apiKey] : [];
    this.#queryParams = Object.entries(config.queryParams);
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
    const path = request.route.replace(/\{(\w+)\}/g, (_match, name: string) => {
      const value = request.params?.[name];
      if (value === undefined) throw new Error(`missing path parameter ${name} for ${request.route}`);
      // '.' and '..' would be resolved as path segments and reach another endpoint.
      if (value === '' || value === '.' || value === '..') throw refusedInput(`"${value}" is not a valid ${name}.`, { param: name });
      try {
        return encodeURIComponent(value);
      } catch {
        // A lone surrogate (URIError): no URL can carry it.
        throw refusedInput(`${name} is not valid text (it holds an unpaired surrogate).`, { param: name });
      }
    });
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [name, value] of this.#queryParams) url.searchParams.append(name, value);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value === undefined || value === null) continue;
      if (Array.isArray(value)) for (const item of value as readonly string[]) url.searchParams.append(name, item);
      else url.searchParams.append(name, String(value));
    }
    return url.toString();
  }

  /** The URL prefix of every resource under `pathPrefix` (for invalidation). */
  prefix(pathPrefix: string): string {
    return `${this.baseUrl}${pathPrefix}`;
  }
}
