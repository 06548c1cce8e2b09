import { badRequest, notFound } from '../../errors.js';
import type { ListPage, ListQuery } from '../../pagination.js';
import { ACTIVE_RUN_STATUSES } from '../../rules.js';
import type { Assistant, Message, Run, RunStep, Thread } from '../../types.js';

interface Ordered {
  id: string;
  created_at: number;
}

/**
 * In-memory state. Objects are stored exactly as the API returns them (including fields the
 * spec does not list) and serialised on the way out, so a response never aliases the store.
 */
export class Store {
  private readonly assistants = new Map<string, Assistant>();
  private readonly threads = new Map<string, Thread>();
  private readonly messages = new Map<string, Message>();
  private readonly runs = new Map<string, Run>();
  private readonly steps = new Map<string, RunStep>();

  /**
   * Creation sequence of every id ever stored. Ties within one second list in creation order,
   * and a deleted object still works as an `after`/`before` cursor.
   */
  private readonly sequence = new Map<string, number>();
  private nextSequence = 0;

  private remember(id: string): void {
    if (!this.sequence.has(id)) this.sequence.set(id, this.nextSequence++);
  }

  addAssistant(assistant: Assistant): Assistant {
    this.remember(assistant.id);
    this.assistants.set(assistant.id, assistant);
    return assistant;
  }

  addThread(thread: Thread): Thread {
    this.remember(thread.id);
    this.threads.set(thread.id, thread);
    return thread;
  }

  addMessage(message: Message): Message {
    this.remember(message.id);
    this.messages.set(message.id, message);
    return message;
  }

  addRun(run: Run): Run {
    this.remember(run.id);
    this.runs.set(run.id, run);
    return run;
  }

  addStep(step: RunStep): RunStep {
    this.remember(step.id);
    this.steps.set(step.id, step);
    return step;
  }

  assistant(id: string): Assistant {
    const assistant = this.assistants.get(id);
    if (!assistant) throw notFound('assistant', id);
    return assistant;
  }

  thread(id: string): Thread {
    const thread = this.threads.get(id);
    if (!thread) throw notFound('thread', id);
    return thread;
  }

  /** A message of another thread is "not found", as the real API says. */
  message(threadId: string, id: string): Message {
    this.thread(threadId);
    const message = this.messages.get(id);
    if (!message || message.thread_id !== threadId) throw notFound('message', id);
    return message;
  }

  run(threadId: string, id: string): Run {
    this.thread(threadId);
    const run = this.runs.get(id);
    if (!run || run.thread_id !== threadId) throw notFound('run', id);
    return run;
  }

  step(threadId: string, runId: string, id: string): RunStep {
    this.run(threadId, runId);
    const step = this.steps.get(id);
    if (!step || step.run_id !== runId) throw notFound('run step', id);
    return step;
  }

  allAssistants(): Assistant[] {
    return [...this.assistants.values()];
  }

  allThreads(): Thread[] {
    return [...this.threads.values()];
  }

  deleteAssistant(id: string): void {
    this.assistants.delete(id);
  }

  deleteMessage(id: string): void {
    this.messages.delete(id);
  }

  messagesOf(threadId: string): Message[] {
    return this.sorted([...this.messages.values()].filter((m) => m.thread_id === threadId));
  }

  runsOf(threadId: string): Run[] {
    return this.sorted([...this.runs.values()].filter((r) => r.thread_id === threadId));
  }

  stepsOf(runId: string): RunStep[] {
    return this.sorted([...this.steps.values()].filter((s) => s.run_id === runId));
  }

  activeRun(threadId: string): Run | undefined {
    return this.runsOf(threadId).find((run) => ACTIVE_RUN_STATUSES.has(run.status));
  }

  deleteThread(id: string): string[] {
    this.threads.delete(id);
    const runIds: string[] = [];
    for (const message of [...this.messages.values()]) if (message.thread_id === id) this.messages.delete(message.id);
    for (const run of [...this.runs.values()]) {
      if (run.thread_id !== id) continue;
      runIds.push(run.id);
      this.runs.delete(run.id);
    }
    for (const step of [...this.steps.values()]) if (step.thread_id === id) this.steps.delete(step.id);
    return runIds;
  }

  /** Ascending by created_at, then by creation sequence. */
  sorted<T extends Ordered>(items: T[]): T[] {
    return items.sort((a, b) => a.created_at - b.created_at || (this.sequence.get(a.id) ?? 0) - (this.sequence.get(b.id) ?? 0));
  }

  /** Cursor pagination over items already sorted ascending. */
  page<T extends Ordered>(ascending: T[], query: ListQuery): ListPage<T> {
    const ordered = query.order === 'asc' ? ascending : [...ascending].reverse();
    const position = (cursor: string, param: 'after' | 'before'): number => {
      const index = ordered.findIndex((item) => item.id === cursor);
      if (index >= 0) return index;
      // A cursor that has since been deleted still marks a place in the sequence.
      const seq = this.sequence.get(cursor);
      if (seq === undefined) throw badRequest(`Invalid '${param}': no object with id '${cursor}' in this list.`, param, 'invalid_value');
      const insertAt = ordered.findIndex((item) => ((this.sequence.get(item.id) ?? 0) > seq) === (query.order === 'asc'));
      return (insertAt < 0 ? ordered.length : insertAt) - 0.5;
    };
    let start = 0;
    let end = ordered.length;
    if (query.after !== undefined) start = Math.floor(position(query.after, 'after')) + 1;
    if (query.before !== undefined) end = Math.ceil(position(query.before, 'before'));
    let window = ordered.slice(start, Math.max(start, end));
    let hasMore: boolean;
    if (query.before !== undefined && query.after === undefined) {
      // Paging backwards: the items nearest the cursor are the page.
      hasMore = window.length > query.limit;
      window = window.slice(Math.max(0, window.length - query.limit));
    } else {
      hasMore = window.length > query.limit;
      window = window.slice(0, query.limit);
    }
    return { object: 'list', data: window, first_id: window[0]?.id ?? null, last_id: window.at(-1)?.id ?? null, has_more: hasMore };
  }
}
