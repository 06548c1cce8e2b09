import type { LivePubSub } from './pubsub.js';

/** What `viewerThreadsUpdated` subscribers hear: a thread of the directory was created, saw activity, or was deleted. */
export interface ViewerThreadEvent {
  kind: 'created' | 'activity' | 'deleted';
  threadId: string;
  /** '' for a thread created without tenancy. */
  owner: string;
  createdAt: number;
  lastActivityAt: number;
}

/** The topic of one owner's threads, or of every thread (admins' `scope: ALL`, and GATEWAY_AUTH=none). */
export function viewerThreadsTopic(owner: string | undefined): string {
  return owner === undefined ? '*' : `o:${owner}`;
}

/** Publishes an event to its owner's subscribers and to those of every thread (through Redis when clustered). */
export function publishViewerThreadEvent(pubsub: LivePubSub, event: ViewerThreadEvent): void {
  pubsub.publish('viewerThreadUpdated', viewerThreadsTopic(event.owner), event);
  pubsub.publish('viewerThreadUpdated', viewerThreadsTopic(undefined), event);
}
