import { badRequest, notFound } from '../../errors.js';
import type { ListPage, ListQuery } from '../../pagination.js';
import type { Assistant, Message, Run, RunStep, Thread } from '../../types.js';
import type { ResponseUsage } from '../../../responses-api/types.js';
import type { Collection, EngineStore, StorePage } from './store/contract.js';
import type { ItemLink, PendingCall, RunView, ToolResourceIds } from './mapping.js';
import type { AgentReference } from '../../../responses-api/foundry.js';

/** What the engine keeps of a thread: the thread and its conversation. */
export interface ThreadDoc {
  thread: Thread;
  conversationId: string;
  /** The thread's latest run: the one that may be active. */
  latestRunId: string | null;
  /** The end user's `x-ms-user-isolation-key` its conversation was made under (profile.ts); absent: none. */
  isolationKey?: string;
}

/** The sidecar of a message: the runs object (content once known), keyed by the item it stands for. */
export interface MessageDoc {
  message: Message;
  /** The conversation item; null for none (never for a message the engine wrote). */
  itemId: string | null;
}

/** A run: a stable `run_…` id over a chain of background responses. */
export interface RunDoc {
  run: Run;
  conversationId: string;
  resources: ToolResourceIds;
  /** Response ids, oldest first; the last is the head. */
  chain: string[];
  /** The head has ended (completed with pending calls, or otherwise): no upstream call tells anything new. */
  headEnded: boolean;
  items: Record<string, ItemLink>;
  /** Ids of the run's messages, in the order they were made. */
  messageIds: string[];
  usage: Record<string, ResponseUsage | null>;
  pendingCalls: PendingCall[];
  cancelRequested: boolean;
  /** When the tool outputs are due (ms on the engine's clock), while the run waits for them. */
  outputsDueAt: number | null;
  /** Last time an instance asked the upstream about the head (ms): the lease of the poll interval. */
  refreshedAt: number;
  /** A write sent (or about to be) whose answer is not recorded: its intent key. */
  pendingIntent: string | null;
  /** The thread's isolation key, for the calls made without a request (polls, timers, webhooks). */
  isolationKey?: string;
  /** The Foundry agent every response of the run names (RESPONSES_PROFILE=foundry); absent: model and instructions. */
  agent?: AgentReference;
}

/** A write to the upstream recorded before it is sent, so an unknown outcome can be resolved with the same key. */
export interface IntentDoc {
  kind: 'response';
  runId: string;
  threadId: string;
  body: Record<string, unknown>;
  /** The response it made, once known. */
  responseId: string | null;
}

/** Which run a response belongs to (webhooks name only the response). */
export interface ResponseIndexDoc {
  runId: string;
  threadId: string;
}

const ASSISTANTS = 'assistants';
const EXPIRIES = 'expiries';

/** Typed access to the engine's documents: one place that knows collections, ids and parents. */
export class Records {
  private lastSortKey = 0;

  constructor(
    readonly store: EngineStore,
    private readonly now: () => number,
    /** Whether the current caller may see a thread (and so its messages, runs and steps); another's is not found. */
    private readonly admits: (thread: ThreadDoc) => boolean = () => true,
  ) {}

  /** Creation order within one millisecond too: strictly increasing in this instance. */
  sortKey(): number {
    this.lastSortKey = Math.max(this.lastSortKey + 1, this.now() * 1000);
    return this.lastSortKey;
  }

  async assistant(id: string): Promise<{ doc: Assistant; version: number }> {
    const found = await this.store.get<Assistant>('assistant', id);
    if (!found) throw notFound('assistant', id);
    return found;
  }

  async insertAssistant(assistant: Assistant): Promise<void> {
    await this.store.insert('assistant', assistant.id, assistant, { parent: ASSISTANTS, sortKey: this.sortKey() });
  }

  async listAssistants(query: ListQuery): Promise<ListPage<Assistant>> {
    return listPage(await this.store.page<Assistant>('assistant', ASSISTANTS, query), query, (doc) => doc);
  }

  async thread(id: string): Promise<{ doc: ThreadDoc; version: number }> {
    const found = await this.store.get<ThreadDoc>('thread', id);
    if (!found || !this.admits(found.doc)) throw notFound('thread', id);
    return found;
  }

  async message(threadId: string, id: string): Promise<{ doc: MessageDoc; version: number }> {
    await this.thread(threadId);
    const found = await this.store.get<MessageDoc>('message', id);
    if (!found || found.doc.message.thread_id !== threadId) throw notFound('message', id);
    return found;
  }

  async insertMessage(doc: MessageDoc): Promise<void> {
    await this.store.insert('message', doc.message.id, doc, { parent: doc.message.thread_id, sortKey: this.sortKey() });
  }

  async run(threadId: string, id: string): Promise<{ doc: RunDoc; version: number }> {
    await this.thread(threadId);
    const found = await this.store.get<RunDoc>('run', id);
    if (!found || found.doc.run.thread_id !== threadId) throw notFound('run', id);
    return found;
  }

  async step(runId: string, id: string): Promise<RunStep> {
    const found = await this.store.get<RunStep>('step', id);
    if (!found || found.doc.run_id !== runId) throw notFound('run step', id);
    return found.doc;
  }

  /** Every step of a run, in order (runs have few). */
  async allSteps(runId: string): Promise<RunStep[]> {
    return (await this.all<RunStep>('step', runId)).map((entry) => entry.doc);
  }

  async all<T>(collection: Collection, parent: string): Promise<Array<{ id: string; doc: T }>> {
    const out: Array<{ id: string; doc: T }> = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.store.page<T>(collection, parent, { limit: 100, order: 'asc', after });
      out.push(...page.items);
      if (!page.hasMore || page.items.length === 0) return out;
      after = page.items.at(-1)!.id;
    }
  }

  /** The run, its steps and its messages, to change in place and write back with `saveView`. */
  async loadView(runId: string): Promise<{ doc: RunDoc; version: number; view: RunView } | undefined> {
    const found = await this.store.get<RunDoc>('run', runId);
    if (!found) return undefined;
    const { doc } = found;
    const steps = Object.fromEntries((await this.allSteps(runId)).map((step) => [step.id, step]));
    const messages: Record<string, Message> = {};
    for (const id of doc.messageIds) {
      const message = await this.store.get<MessageDoc>('message', id);
      if (message) messages[id] = message.doc.message;
    }
    const view: RunView = {
      run: doc.run,
      items: doc.items,
      steps,
      messages,
      usage: doc.usage,
      pendingCalls: doc.pendingCalls,
      cancelRequested: doc.cancelRequested,
      dirtySteps: new Set(),
      dirtyMessages: new Set(),
    };
    return { doc, version: found.version, view };
  }

  /** Writes the view's changes; false when another writer changed the run first (nothing of the run is written then). */
  async saveView(doc: RunDoc, version: number, view: RunView, itemIds: Record<string, string | null> = {}): Promise<number | undefined> {
    for (const id of view.dirtySteps) {
      const step = view.steps[id]!;
      const existing = await this.store.get<RunStep>('step', id);
      if (existing) await this.store.update('step', id, step, existing.version);
      else await this.store.insert('step', id, step, { parent: step.run_id, sortKey: this.sortKey() });
    }
    for (const id of view.dirtyMessages) {
      const message = view.messages[id]!;
      const existing = await this.store.get<MessageDoc>('message', id);
      if (existing) await this.store.update('message', id, { ...existing.doc, message }, existing.version);
      else {
        const itemId = Object.entries(view.items).find(([, link]) => link.messageId === id)?.[0] ?? itemIds[id] ?? null;
        await this.insertMessage({ message, itemId });
        if (!doc.messageIds.includes(id)) doc.messageIds.push(id);
      }
    }
    view.dirtySteps.clear();
    view.dirtyMessages.clear();
    const next: RunDoc = { ...doc, run: view.run, items: view.items, usage: view.usage, pendingCalls: view.pendingCalls, cancelRequested: view.cancelRequested };
    const written = await this.store.update('run', doc.run.id, next, version);
    if (written !== undefined) Object.assign(doc, next);
    return written;
  }

  async indexResponse(responseId: string, entry: ResponseIndexDoc): Promise<void> {
    await this.store.insert('intent', `response:${responseId}`, entry);
  }

  async runOfResponse(responseId: string): Promise<ResponseIndexDoc | undefined> {
    return (await this.store.get<ResponseIndexDoc>('intent', `response:${responseId}`))?.doc;
  }

  /** Runs waiting for tool outputs, with when they are due: what an engine re-arms after a restart. */
  async setDue(runId: string, threadId: string, dueAt: number | null): Promise<void> {
    await this.store.delete('intent', `due:${runId}`);
    if (dueAt !== null) {
      await this.store.insert('intent', `due:${runId}`, { runId, threadId, dueAt }, { parent: EXPIRIES, sortKey: dueAt });
    }
  }

  async allDue(): Promise<Array<{ runId: string; threadId: string; dueAt: number }>> {
    return (await this.all<{ runId: string; threadId: string; dueAt: number }>('intent', EXPIRIES)).map((entry) => entry.doc);
  }
}

/** A store page on the runs wire; a cursor that never was in the list is the runs API's 400. */
export function listPage<D, T extends { id: string }>(page: StorePage<D>, query: ListQuery, toWire: (doc: D) => T): ListPage<T> {
  if (page.unknownCursor) {
    const param = page.unknownCursor;
    throw badRequest(`Invalid '${param}': no object with id '${query[param] ?? ''}' in this list.`, param, 'invalid_value');
  }
  const data = page.items.map((item) => toWire(item.doc));
  return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: page.hasMore };
}

/** A page over objects already in ascending order, filtered in memory (messages of one run). */
export function pageOf<T extends { id: string }>(ascending: T[], query: ListQuery): ListPage<T> {
  const ordered = query.order === 'asc' ? ascending : [...ascending].reverse();
  const find = (cursor: string, param: 'after' | 'before'): number => {
    const index = ordered.findIndex((item) => item.id === cursor);
    if (index < 0) throw badRequest(`Invalid '${param}': no object with id '${cursor}' in this list.`, param, 'invalid_value');
    return index;
  };
  const start = query.after !== undefined ? find(query.after, 'after') + 1 : 0;
  const end = query.before !== undefined ? find(query.before, 'before') : ordered.length;
  const window = ordered.slice(start, Math.max(start, end));
  const backwards = query.before !== undefined && query.after === undefined;
  const data = backwards ? window.slice(Math.max(0, window.length - query.limit)) : window.slice(0, query.limit);
  return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: window.length > data.length };
}
