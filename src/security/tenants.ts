import type { Config } from '../config.js';
import type { AccessPolicy, Loaders } from '../loaders.js';
import type { Schemas } from '../spec/index.js';
import { UpstreamError } from '../upstream/errors.js';
import type { FieldViolation } from '../writes/errors.js';
import type { Identity } from './auth.js';

/**
 * Tenant isolation (GATEWAY_AUTH ≠ none): a thread created through the gateway records its owner's subject in its
 * upstream metadata under OWNER_KEY. Runs, messages and steps belong to their thread, and they all carry thread_id,
 * so one check per thread guards everything in it. Anyone but the owner (or an admin) is answered as if the thread
 * did not exist; threads without an owner (created elsewhere) are visible to admins only.
 */
export const OWNER_KEY = 'gateway_owner';
/** The spec allows 16 metadata pairs; the gateway keeps one. */
export const CLIENT_METADATA_PAIRS = 15;

type Thread = Schemas['ThreadObject'];

export function tenancyOn(config: Config): boolean {
  return config.security.auth.mode !== 'none';
}

/** The owner recorded on a thread, '' for none. */
export function ownerOf(thread: Pick<Thread, 'metadata'>): string {
  const owner = (thread.metadata as Record<string, unknown> | null | undefined)?.[OWNER_KEY];
  return typeof owner === 'string' ? owner : '';
}

/** Thread metadata as clients see it: without the reserved key. */
export function publicMetadata(metadata: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  if (!metadata || !Object.hasOwn(metadata, OWNER_KEY)) return metadata ?? null;
  const { [OWNER_KEY]: _owner, ...rest } = metadata;
  return rest;
}

/**
 * Thread id → owner, across requests. An owner never changes (clients cannot write the key), so entries need no
 * expiry; the bound keeps memory flat, dropping the oldest first.
 */
export class OwnerCache {
  private readonly owners = new Map<string, string>();
  constructor(private readonly maxEntries = 50_000) {}

  get(threadId: string): string | undefined {
    return this.owners.get(threadId);
  }

  set(threadId: string, owner: string): void {
    this.owners.delete(threadId);
    this.owners.set(threadId, owner);
    if (this.owners.size > this.maxEntries) this.owners.delete(this.owners.keys().next().value as string);
  }

  delete(threadId: string): void {
    this.owners.delete(threadId);
  }

  get size(): number {
    return this.owners.size;
  }
}

/** What the checks below read of an operation's context (a GatewayContext has it all). */
export interface TenantContext {
  config: Config;
  identity: Identity;
  loaders: Pick<Loaders, 'thread'>;
  services: { owners: OwnerCache };
}

/** The loaders' guard for `identity`; undefined when nothing needs checking (auth off, or an admin). */
export function accessPolicy(owners: OwnerCache, tenancy: boolean, identity: Identity): AccessPolicy | undefined {
  if (!tenancy || identity.admin) return undefined;
  return {
    async canSeeThread(threadId, load) {
      let owner = owners.get(threadId);
      if (owner === undefined) {
        const thread = await load();
        if (!thread) return false;
        owner = ownerOf(thread);
        owners.set(threadId, owner);
      }
      return owner !== '' && owner === identity.subject;
    },
  };
}

/** What a caller gets for a thread that is not theirs: the same NOT_FOUND as for an unknown id. */
export function notFound(): UpstreamError {
  return new UpstreamError('Not found.', 'NOT_FOUND', 404, { upstreamStatus: 404 });
}

/**
 * Before a write to an existing thread (or anything in it): the thread, when the caller may touch it; NOT_FOUND
 * otherwise, with nothing sent. Without tenancy nothing is checked (and nothing is read).
 */
export async function assertThreadAccess(ctx: TenantContext, threadId: string): Promise<void> {
  if (!tenancyOn(ctx.config) || ctx.identity.admin) return;
  if (!(await ctx.loaders.thread.load(threadId))) throw notFound();
}

/** The owner a new thread gets: the caller's subject, or none without tenancy. */
export function newThreadOwner(ctx: TenantContext): string | undefined {
  return tenancyOn(ctx.config) ? ctx.identity.subject : undefined;
}

/** Records the owner of a thread this request created, so reading it back costs no upstream call. */
export function rememberOwner(ctx: TenantContext, threadId: string, owner: string | undefined): void {
  if (owner !== undefined) ctx.services.owners.set(threadId, owner);
}

export function forgetThread(ctx: TenantContext, threadId: string): void {
  ctx.services.owners.delete(threadId);
}

/** Client metadata for a thread: the reserved key is refused, and with tenancy one pair fewer is allowed. */
export function threadMetadataViolations(ctx: TenantContext, metadata: Record<string, unknown> | null | undefined, field: string): FieldViolation[] {
  if (!metadata || typeof metadata !== 'object') return [];
  const out: FieldViolation[] = [];
  if (Object.hasOwn(metadata, OWNER_KEY)) out.push({ field: `${field}.${OWNER_KEY}`, message: `${field}.${OWNER_KEY} is reserved by the gateway and cannot be set` });
  if (tenancyOn(ctx.config) && Object.keys(metadata).length > CLIENT_METADATA_PAIRS) {
    out.push({ field, message: `${field} must have at most ${CLIENT_METADATA_PAIRS} entries (the 16th is reserved by the gateway)` });
  }
  return out;
}

/** Client metadata plus the owner key (when there is an owner to record). */
export function withOwner(metadata: Record<string, unknown> | null | undefined, owner: string | undefined): Record<string, unknown> | null | undefined {
  if (owner === undefined || owner === '') return metadata;
  return { ...(metadata ?? {}), [OWNER_KEY]: owner };
}
