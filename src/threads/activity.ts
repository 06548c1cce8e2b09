import type { LivePubSub, RunWire } from '../live/index.js';
import { publishViewerThreadEvent, type ViewerThreadEvent } from '../live/viewer-threads.js';
import type { Logger } from '../observability/logger.js';
import { directoryNow, type ThreadDirectory, type ThreadEntry } from './directory.js';

/**
 * Keeps the thread directory up to date from what the gateway sees, and tells `viewerThreadsUpdated` subscribers:
 * threads created through it (createThread, createThreadAndRun), activity on them (messages and runs written
 * through it, and every new run state it records while following or polling a run), and deletions.
 *
 * The upstream write has happened by the time any of these is called: a directory that fails (Redis down) must not
 * fail the mutation, so failures are logged (warn, without ids of anyone's data beyond the thread) and swallowed.
 */
export class ThreadActivity {
  constructor(
    readonly directory: ThreadDirectory,
    private readonly pubsub: LivePubSub,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  /** A thread created through the gateway, owned by `owner` ('' without tenancy). */
  async created(threadId: string, owner: string): Promise<void> {
    const at = directoryNow();
    const entry: ThreadEntry = { threadId, owner, createdAt: at, lastActivityAt: at };
    const recorded = await this.#attempt('record', threadId, async () => {
      await this.directory.record(entry);
      return true;
    });
    if (recorded) this.#publish('created', entry);
  }

  /** Activity on a thread (a message or run written through the gateway): now. */
  async active(threadId: string, at = directoryNow()): Promise<void> {
    const entry = await this.#attempt('touch', threadId, () => this.directory.touch(threadId, at));
    if (entry) this.#publish('activity', entry);
  }

  async deleted(threadId: string): Promise<void> {
    const entry = await this.#attempt('remove', threadId, () => this.directory.remove(threadId));
    if (entry) this.#publish('deleted', entry);
  }

  /**
   * A new state of a run, from a poll or a stream: activity at the latest time the run itself names (whole seconds
   * on the wire, so a run seen long after it moved does not jump its thread up the list), and news for the
   * sidebar (its last run's status changed). Runs of threads outside the directory cost one lookup and nothing else.
   */
  runChanged(run: RunWire): void {
    void this.active(run.thread_id, runActivityAt(run));
  }

  async #attempt<T>(operation: string, threadId: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      this.logger.warn({ threadId, operation, err: error instanceof Error ? error.message : String(error) }, 'The thread directory could not be updated; viewer.threads may miss this change');
      return undefined;
    }
  }

  #publish(kind: ViewerThreadEvent['kind'], entry: ThreadEntry): void {
    publishViewerThreadEvent(this.pubsub, { kind, threadId: entry.threadId, owner: entry.owner, createdAt: entry.createdAt, lastActivityAt: entry.lastActivityAt });
  }
}

/** The latest moment a run names (ms): its creation, start or ending. */
export function runActivityAt(run: Pick<RunWire, 'created_at' | 'started_at' | 'completed_at' | 'failed_at' | 'cancelled_at'>): number {
  const times = [run.created_at, run.started_at, run.completed_at, run.failed_at, run.cancelled_at].filter((value): value is number => typeof value === 'number');
  return Math.max(0, ...times) * 1000;
}
