import type { EventLog } from './events.js';
import type { Conversation, Item, ListPage, ResponseObject } from './types.js';

/** A response and what only the server knows about it. */
export interface StoredResponse {
  response: ResponseObject;
  /** The items this response was given, ids assigned, in order (`GET /responses/{id}/input_items`). */
  inputItems: Item[];
  /** Every event of the response, for streams and their resumption. */
  log: EventLog;
  /** Whose it is (foundry presentation: the `x-ms-user-isolation-key`; '' for everybody otherwise). */
  scope: string;
}

interface StoredConversation {
  conversation: Conversation;
  /** Oldest first. */
  items: Item[];
  scope: string;
  /** The agents (`name` and `name:version`) whose responses ran in it, for the list's filters. */
  agents: Set<string>;
}

export interface ListOptions {
  limit: number;
  order: 'asc' | 'desc';
  /** An item id of this list; the page starts after it. */
  after: string | undefined;
}

/**
 * In-memory objects. Each write is one synchronous block, so a reader never sees half of one.
 * Nothing expires: a long-running dev server keeps what it was given until it is deleted.
 */
export class Store {
  private readonly responses = new Map<string, StoredResponse>();
  private readonly conversations = new Map<string, StoredConversation>();

  addResponse(stored: StoredResponse): void {
    this.responses.set(stored.response.id, stored);
  }

  /** Another scope's response is not found, the same as a missing one. */
  response(id: string, scope: string): StoredResponse | undefined {
    const stored = this.responses.get(id);
    return stored?.scope === scope ? stored : undefined;
  }

  deleteResponse(id: string): boolean {
    return this.responses.delete(id);
  }

  addConversation(conversation: Conversation, items: Item[], scope: string): void {
    this.conversations.set(conversation.id, { conversation, items: [...items], scope, agents: new Set() });
  }

  /** Another scope's conversation is not found, the same as a missing one. */
  conversation(id: string, scope: string): Conversation | undefined {
    const stored = this.conversations.get(id);
    return stored?.scope === scope ? stored.conversation : undefined;
  }

  /** The conversations of a scope, oldest first (maps keep insertion order), optionally only those an agent ran in. */
  conversationsOf(scope: string, agent: string | undefined): Conversation[] {
    const found: Conversation[] = [];
    for (const stored of this.conversations.values()) {
      if (stored.scope === scope && (agent === undefined || stored.agents.has(agent))) found.push(stored.conversation);
    }
    return found;
  }

  /** An agent's response ran in this conversation: it is listed under the agent's name and under `name:version`. */
  markAgent(conversationId: string, names: readonly string[]): void {
    const stored = this.conversations.get(conversationId);
    if (stored) for (const name of names) stored.agents.add(name);
  }

  deleteConversation(id: string): boolean {
    return this.conversations.delete(id);
  }

  /** Oldest first; empty for an unknown conversation. */
  conversationItems(id: string): readonly Item[] {
    return this.conversations.get(id)?.items ?? [];
  }

  appendItems(conversationId: string, items: Item[]): void {
    const stored = this.conversations.get(conversationId);
    if (stored) stored.items.push(...items);
  }

  deleteItem(conversationId: string, itemId: string): boolean {
    const stored = this.conversations.get(conversationId);
    const index = stored?.items.findIndex((item) => item.id === itemId) ?? -1;
    if (!stored || index < 0) return false;
    stored.items.splice(index, 1);
    return true;
  }

  /**
   * Every item a new response would see after `previousResponseId`: the chain's inputs and outputs,
   * oldest first (a response's own input, then its output, then the next link's).
   */
  chainItems(previousResponseId: string, scope: string): Item[] {
    const links: StoredResponse[] = [];
    const seen = new Set<string>();
    let id: string | null = previousResponseId;
    while (id !== null && !seen.has(id)) {
      seen.add(id);
      const stored = this.response(id, scope);
      if (!stored) break;
      links.unshift(stored);
      id = stored.response.previous_response_id;
    }
    return links.flatMap((link) => [...link.inputItems, ...link.response.output]);
  }
}

/** A cursor page over `items` (oldest first): the spec's `limit`, `order`, `after`; there is no `before`. */
export function page<T extends { id: string }>(items: readonly T[], options: ListOptions): ListPage<T> {
  const ordered = options.order === 'asc' ? [...items] : [...items].reverse();
  const start = options.after === undefined ? 0 : ordered.findIndex((item) => item.id === options.after) + 1;
  const data = ordered.slice(start, start + options.limit);
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: start + options.limit < ordered.length,
  };
}
