import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { GraphQLError, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { processRegularResult, type Plugin } from 'graphql-yoga';
import type { Identity } from '../security/auth.js';
import { UNEXPECTED_ERROR_MESSAGE } from '../security/masking.js';
import { compress, type CompressionOptions } from './compression.js';
import { overloadRetryAfterMs } from './overload-status.js';
import { Lru } from '../collections/lru.js';
import { OperationIndex } from './operation-key.js';
import { negotiateEncoding } from './static-assets.js';
import { PER_RESPONSE_HEADERS, answerHeadersKey, plainJsonBody } from './request-shape.js';

/** What the direct path asks of yoga: its envelop (every execute hook) and its Fetch API (for error answers). */
export interface EnvelopedYoga {
  getEnveloped: (initial: Record<string, unknown>) => {
    schema: GraphQLSchema;
    contextFactory: () => unknown;
    execute: (args: ExecutionArgs) => unknown;
  };
  fetchAPI: Parameters<typeof processRegularResult>[1];
}

export interface DirectExecutionOptions {
  /** As the answer cache's: an identity known at once is given as it is. */
  authenticate: (authorization: string | undefined) => Identity | Promise<Identity>;
  /** Identities the answer cache already found for a node request. */
  authenticated: WeakMap<object, Identity>;
  compression: CompressionOptions;
  /** Told of an error the gateway itself threw while executing (logged like yoga's). */
  onError?: (error: unknown) => void;
  /** Documents kept at most (each a parsed, validated document and the headers of its answer). @default 1000 */
  maxDocuments?: number;
}

/** A document yoga let through (parsed, every validation rule passed) and the headers of the answer it wrote. */
interface Template {
  document: DocumentNode;
  /** Response headers that depend on the request's shape only (CORS, content type, vary), not on the result. */
  headers: OutgoingHttpHeaders;
  /** `application/json` or `application/graphql-response+json`: how yoga chose to answer this accept header. */
  mediaType: string;
}

interface Recording {
  key: string;
  document?: DocumentNode;
}

/** The fields of a JSON body this path answers; anything else (extensions: Apollo's persisted queries…) goes to yoga. */
const BODY_FIELDS = new Set(['query', 'documentId', 'operationName', 'variables']);
/** Headers of an answer that are the answer's own (its length, encoding, request id, connection) or never replayed. */
const OWN_HEADERS = new Set([...PER_RESPONSE_HEADERS, 'content-length', 'content-encoding', 'set-cookie', 'retry-after']);
/** Longer documents are left to yoga every time: the table's size in bytes stays bounded (1000 × 16 KiB at most). */
const MAX_KEY_LENGTH = 16 * 1024;
const MEDIA_TYPE = /^(application\/(?:graphql-response\+)?json)\b/i;

/**
 * What execute hooks read of the Fetch Request yoga would have made: that there is one (the operation came over
 * HTTP: a refusal carries its HTTP status), its signal (aborts when the client leaves), method, URL and headers.
 */
class NodeRequestView {
  readonly method: string;
  readonly headers: { get(name: string): string | null };
  constructor(
    private readonly req: IncomingMessage,
    readonly signal: AbortSignal,
  ) {
    this.method = req.method ?? 'POST';
    this.headers = {
      get: (name) => {
        const value = req.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    };
  }
  get url(): string {
    return `http://${this.req.headers.host ?? 'localhost'}${this.req.url ?? '/'}`;
  }
}

/**
 * Queries whose document yoga has already parsed, validated and executed once for a request of the same shape,
 * executed again without yoga's HTTP layer: no Fetch Request or Response, no request parsing, no parse or
 * validation (validation depends on the text and the schema only, and the document kept is the one yoga
 * validated), no result-processor negotiation. What depends on the request still runs for each one: authentication
 * (the same authenticator; a refusal goes to yoga, which answers the 401), and every envelop execute hook (the
 * per-operation log line, metrics and span, input bounds, the call budget, the rate limit, shared executions,
 * error masking), then the overload status (503 + Retry-After) and compression, as yoga would.
 *
 * A request takes this path only when its shape is one yoga answered before with this document: POST, a JSON body
 * of `query` (or a trusted document's `documentId`), `operationName` and `variables` only, and the same accept,
 * accept-encoding, content-type and origin
 * headers (so CORS, CSRF and content negotiation gave the same answer). Anything else goes to yoga, which is also how
 * a document gets here: `plugin` notes the document of each query yoga executes, `record` the headers it answered with.
 */
export class DirectExecution {
  private readonly templates: Lru<string, Template>;
  private readonly recording = new WeakMap<IncomingMessage, Recording>();
  /** Notes the document yoga executes for a node request being recorded; last in the plugin list. */
  readonly plugin: Plugin;
  /** false: every request goes through yoga (benchmarks and tests compare both ways). */
  enabled = true;
  /** Requests answered on this path so far. */
  served = 0;

  constructor(
    private readonly yoga: () => EnvelopedYoga,
    private readonly options: DirectExecutionOptions,
  ) {
    this.templates = new Lru(options.maxDocuments ?? 1_000);
    const recording = this.recording;
    const operations = new OperationIndex();
    this.plugin = {
      onExecute({ args }) {
        const req = (args.contextValue as { req?: IncomingMessage } | undefined)?.req;
        const entry = req ? recording.get(req) : undefined;
        // Queries only: a mutation is rare and each is a write, better checked the whole way every time.
        if (entry && operations.get(args.document, args.operationName)?.operation === 'query') entry.document = args.document;
      },
    };
  }

  get size(): number {
    return this.templates.size;
  }

  /** Answers `req` when its document and shape are known (true); otherwise notes what yoga does with it. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (!this.enabled) return false;
    const fields = plainJsonBody(req, BODY_FIELDS);
    if (!fields) return false;
    const query = fields['query'];
    const documentId = fields['documentId'];
    // A document's text or a trusted document's id (PERSISTED_DOCUMENTS), never both: either names the document.
    if (typeof query === 'string' ? documentId !== undefined : typeof documentId !== 'string') return false;
    const operationName = fields['operationName'];
    if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return false;
    const variables = fields['variables'];
    if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return false;
    const named = typeof query === 'string' ? `query:${query}` : `id:${documentId as string}`;
    const key = `${answerHeadersKey(req)}\u0000${operationName ?? ''}\u0000${named}`;
    const template = this.templates.get(key);
    if (!template) {
      if (key.length <= MAX_KEY_LENGTH) this.record(req, res, key);
      return false;
    }
    let identity = this.options.authenticated.get(req);
    if (!identity) {
      try {
        const known = this.options.authenticate(req.headers.authorization);
        identity = known instanceof Promise ? await known : known;
      } catch {
        return false;
      }
      this.options.authenticated.set(req, identity);
    }
    this.served += 1;
    try {
      await this.execute(req, res, template, identity, fields, typeof operationName === 'string' ? operationName : undefined, (variables ?? undefined) as Record<string, unknown> | undefined);
    } catch (error) {
      // Execute hooks turn resolver failures into results; what throws here is the gateway's own, told as yoga would.
      if (res.headersSent) throw error;
      const unexpected = new GraphQLError(UNEXPECTED_ERROR_MESSAGE, { extensions: { code: 'INTERNAL_SERVER_ERROR', http: { status: 500 } } });
      const response = processRegularResult({ errors: [unexpected] }, this.yoga().fetchAPI, template.mediaType) as Response;
      res.writeHead(response.status, { ...template.headers, 'content-type': response.headers.get('content-type') ?? 'application/json; charset=utf-8' });
      res.end(await response.text());
      this.options.onError?.(error);
    }
    return true;
  }

  private async execute(req: IncomingMessage, res: ServerResponse, template: Template, identity: Identity, params: Record<string, unknown>, operationName: string | undefined, variableValues: Record<string, unknown> | undefined): Promise<void> {
    // Aborts when the client goes before its answer is written, as a Fetch Request's signal does under yoga.
    const client = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) client.abort();
    };
    res.once('close', onClose);
    const yoga = this.yoga();
    const request = new NodeRequestView(req, client.signal) as unknown as Request;
    const enveloped = yoga.getEnveloped({ req, res, request, identity, params });
    const contextValue = await enveloped.contextFactory();
    let result = (await enveloped.execute({ schema: enveloped.schema, document: template.document, contextValue, variableValues: variableValues ?? null, operationName: operationName ?? null })) as ExecutionResult;
    let status = 200;
    let body: string;
    const answerHeaders: OutgoingHttpHeaders = { ...template.headers };
    if (result.errors?.length || result.extensions || Symbol.asyncIterator in result) {
      // Errors (or a stream, which yoga answers 406 here): the same overload status, serialisation and status as yoga's.
      const retryAfterMs = overloadRetryAfterMs(result.errors);
      if (retryAfterMs !== undefined) {
        result = { ...result, extensions: { ...result.extensions, http: { status: 503, headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } } } };
      }
      const response = processRegularResult(result, yoga.fetchAPI, template.mediaType) as Response;
      status = response.status;
      for (const [name, value] of response.headers) if (name !== 'content-length') answerHeaders[name] = value;
      body = await response.text();
    } else {
      body = JSON.stringify(result);
    }
    let bytes: Buffer = Buffer.from(body);
    const encoding = this.options.compression.enabled ? negotiateEncoding(req.headers['accept-encoding']) : undefined;
    if (encoding !== undefined && bytes.byteLength >= this.options.compression.minBytes) {
      bytes = await compress(bytes, encoding);
      answerHeaders['content-encoding'] = encoding;
    }
    answerHeaders['content-length'] = bytes.byteLength;
    res.off('close', onClose);
    if (res.destroyed) return;
    res.writeHead(status, answerHeaders);
    res.end(bytes);
  }

  /** Notes the document yoga executes for `req` and the headers of its answer, kept when it was a plain 200. */
  private record(req: IncomingMessage, res: ServerResponse, key: string): void {
    const entry: Recording = { key };
    this.recording.set(req, entry);
    res.once('finish', () => {
      this.recording.delete(req);
      const { document } = entry;
      if (!document || res.statusCode !== 200) return;
      const headers: OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(res.getHeaders())) if (!OWN_HEADERS.has(name) && value !== undefined) headers[name] = value;
      const mediaType = MEDIA_TYPE.exec(String(headers['content-type'] ?? ''))?.[1]?.toLowerCase();
      if (!mediaType) return;
      this.templates.set(key, { document, headers, mediaType });
    });
  }
}
