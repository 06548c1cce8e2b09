import { createRedisEventTarget as createYogaRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { PubSubEvent, PubSubEventTarget } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import type { LiveTopics } from '../live/pubsub.js';
import type { RedisConnections } from './redis.js';

export interface RedisEventTargetOptions {
  /** A PUBLISH or SUBSCRIBE that failed (Redis down): the event is lost for other instances. For logs and metrics. */
  onError?: (error: Error, operation: 'publish' | 'subscribe' | 'unsubscribe', channel: string) => void;
}

/**
 * The live pubsub's transport across instances: `createLivePubSub(createRedisEventTarget(connections))`.
 *
 * Built on @graphql-yoga/redis-event-target, which JSON-serialises each payload (a RunSnapshot survives as is;
 * `undefined` members are dropped, as for any JSON) and subscribes to a channel only while someone listens to it.
 * Every publish goes through Redis, also to listeners in the same process.
 *
 * That package fires PUBLISH/SUBSCRIBE and never looks at their promises, so while Redis is down each one would
 * become an unhandled rejection, which ends a Node process. It is handed thin clients that catch and report
 * instead, and that add the key prefix to channel names (ioredis prefixes keys, not channels).
 *
 * Delivery is at most once: what is published while Redis is unreachable is lost. Subscribers catch up from the
 * run state store (`run-state.ts`) when `health` reports `ready` again.
 */
export function createRedisEventTarget(
  connections: Pick<RedisConnections, 'publisher' | 'subscriber' | 'channelPrefix'>,
  options: RedisEventTargetOptions = {},
): PubSubEventTarget<LiveTopics> {
  const { publisher, subscriber, channelPrefix } = connections;
  const report = (operation: 'publish' | 'subscribe' | 'unsubscribe', channel: string) => (error: unknown) => {
    options.onError?.(error instanceof Error ? error : new Error(String(error)), operation, channel);
  };

  const publishClient = {
    publish: (channel: string, message: string) => publisher.publish(channelPrefix + channel, message).catch(report('publish', channel)),
  };
  const subscribeClient = {
    on(event: 'message', listener: (channel: string, message: string) => void) {
      subscriber.on(event, (channel: string, message: string) => {
        if (channel.startsWith(channelPrefix)) listener(channel.slice(channelPrefix.length), message);
      });
      return subscribeClient;
    },
    subscribe: (channel: string) => subscriber.subscribe(channelPrefix + channel).catch(report('subscribe', channel)),
    unsubscribe: (channel: string) => subscriber.unsubscribe(channelPrefix + channel).catch(report('unsubscribe', channel)),
  };

  // The package calls only the methods above; its type asks for a whole ioredis client.
  return createYogaRedisEventTarget<PubSubEvent<LiveTopics, keyof LiveTopics>>({
    publishClient: publishClient as unknown as Redis,
    subscribeClient: subscribeClient as unknown as Redis,
  });
}
