import { Redis } from 'ioredis';
import type { ReadinessCheck } from './health';

export function createRedis(url: string): Redis {
  return new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
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
