import type { ApolloServerOptions, BaseContext } from '@apollo/server';
import type { createRedis, Logger } from '@homegraph/platform';

type Redis = ReturnType<typeof createRedis>;
type PersistedQueryOptions = Exclude<ApolloServerOptions<BaseContext>['persistedQueries'], false | undefined>;
export type PersistedQueryCache = NonNullable<PersistedQueryOptions['cache']>;

/**
 * Automatic persisted queries in Redis, shared by every replica and kept across restarts. Apollo only
 * stores an operation after it parsed, validated and passed the router's limits. Redis being away
 * degrades to "not found" (the client then sends the full text), never to an error.
 */
export function redisPersistedQueryCache(
  redis: Redis,
  prefix: string,
  defaultTtlSeconds: number,
  logger: Logger,
): PersistedQueryCache {
  const keyOf = (key: string) => `${prefix}:${key}`;
  return {
    async get(key) {
      try {
        return (await redis.get(keyOf(key))) ?? undefined;
      } catch (error) {
        logger.warn({ err: error }, 'persisted query cache unavailable');
        return undefined;
      }
    },
    async set(key, value, options) {
      const ttl = options?.ttl === undefined ? defaultTtlSeconds : options.ttl;
      try {
        if (ttl === null || ttl <= 0) await redis.set(keyOf(key), value);
        else await redis.set(keyOf(key), value, 'EX', Math.ceil(ttl));
      } catch (error) {
        logger.warn({ err: error }, 'persisted query not stored');
      }
    },
    async delete(key) {
      await redis.del(keyOf(key)).catch(() => undefined);
    },
  };
}
