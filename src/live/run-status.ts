/** Statuses after which a run never changes again (openai-node's polling helper stops on the same set, less requires_action). */
export const TERMINAL_RUN_STATUSES: ReadonlySet<string> = new Set(['cancelled', 'failed', 'completed', 'incomplete', 'expired']);

export const isTerminalRunStatus = (status: string): boolean => TERMINAL_RUN_STATUSES.has(status);

/** Builds the key that names one run across the gateway (pubsub topics, pollers, leases). */
export const runKey = (threadId: string, runId: string): string => `${threadId}/${runId}`;
