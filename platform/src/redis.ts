import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ReadinessCheck } from './health';

/**
 * A client that reconnects by itself. Connection errors are logged once per distinct message (not at
 * every reconnect attempt); /ready reports the outage meanwhile.
 */
export function createRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
  let lastError = '';
  redis.on('error', (error: Error) => {
    if (error.message === lastError) return;
    lastError = error.message;
    logger.warn({ err: error }, 'redis connection error');
  });
  redis.on('ready', () => (lastError = ''));
  return redis;
}

export function redisReadiness(redis: Redis): ReadinessCheck {
  return {
    name: 'redis',
    check: async () => {
      if (redis.status === 'wait') await redis.connect();
      const reply = await redis.ping();
      if (reply !== 'PONG') throw new Error(`unexpected PING reply ${reply}`);
    },
  };
}
