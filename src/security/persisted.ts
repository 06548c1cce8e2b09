import { readFileSync } from 'node:fs';
import { GraphQLError } from 'graphql';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';
import { ConfigError } from '../config.js';

/**
 * Trusted documents (PERSISTED_DOCUMENTS): a JSON map from id to document, built with the frontend. With it set only
 * these documents run: clients send `documentId` (or Apollo's `extensions.persistedQuery.sha256Hash`) instead of
 * `query`, and any other document is refused (PERSISTED_QUERY_ONLY) before it is parsed. An id is the hex SHA-256
 * of the document, bare or with a `sha256:` prefix (GraphQL Code Generator's client preset writes its manifest and
 * its document ids so): both forms name the same document, in the manifest and in a request.
 */
export class PersistedDocuments {
  private readonly documents: ReadonlyMap<string, string>;

  private constructor(documents: Record<string, string>) {
    this.documents = new Map(Object.entries(documents).map(([id, document]) => [bareId(id), document]));
  }

  static load(path: string): PersistedDocuments {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new ConfigError(`Invalid configuration:\n  PERSISTED_DOCUMENTS=${path}: ${error instanceof Error ? error.message : 'unreadable'}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.values(parsed).every((value) => typeof value === 'string')) {
      throw new ConfigError(`Invalid configuration:\n  PERSISTED_DOCUMENTS=${path}: must be a JSON object of id → document`);
    }
    return new PersistedDocuments(parsed as Record<string, string>);
  }

  static of(documents: Record<string, string>): PersistedDocuments {
    return new PersistedDocuments(documents);
  }

  get(id: string): string | undefined {
    return this.documents.get(bareId(id));
  }

  get size(): number {
    return this.documents.size;
  }

  /**
   * The document of a graphql-ws subscribe payload (the WebSocket path does not pass yoga's params hooks).
   * Returns an error when it is not a known document.
   */
  resolve(payload: { query?: unknown; extensions?: Record<string, unknown> | null; documentId?: unknown }): string | GraphQLError {
    const id = persistedId(payload);
    if (id === undefined) return persistedOnly(false);
    return this.get(id) ?? persistedNotFound(false);
  }
}

const bareId = (id: string): string => id.replace(/^sha256:/, '');

function persistedId(params: { documentId?: unknown; extensions?: Record<string, unknown> | null }): string | undefined {
  if (typeof params.documentId === 'string') return params.documentId;
  const persisted = params.extensions?.['persistedQuery'] as { sha256Hash?: unknown } | undefined;
  return typeof persisted?.sha256Hash === 'string' ? persisted.sha256Hash : undefined;
}

/** `http`: the status yoga answers with (HTTP only; it strips the extension). */
export const persistedOnly = (http = true) =>
  new GraphQLError('Only persisted documents are accepted here.', { extensions: { code: 'PERSISTED_QUERY_ONLY', ...(http ? { http: { status: 400 } } : {}) } });
export const persistedNotFound = (http = true) =>
  new GraphQLError('Persisted document not found.', { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', ...(http ? { http: { status: 400 } } : {}) } });

export function usePersistedDocuments(documents: PersistedDocuments): Plugin {
  return usePersistedOperations({
    allowArbitraryOperations: false,
    extractPersistedOperationId: (params) => persistedId(params as never) ?? null,
    getPersistedOperation: (id) => documents.get(id) ?? null,
    customErrors: {
      persistedQueryOnly: () => persistedOnly(),
      notFound: () => persistedNotFound(),
      keyNotFound: () => persistedOnly(),
    },
  }) as Plugin;
}
