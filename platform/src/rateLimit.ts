import type { Redis } from 'ioredis';

/**
 * GCRA (generic cell rate algorithm) in one Lua script, so every replica shares one limit per key and
 * the check-and-update is atomic. The clock is Redis's own (`TIME`), so replicas' clocks don't matter.
 * Stores one number per key, expiring when the key is idle again.
 */
const GCRA = `
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local interval = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval * cost
local allow_at = new_tat - period
if now < allow_at then
  return {0, allow_at - now, 0}
end
-- The interval is fractional whenever the period isn't a multiple of the limit: keep the stored time
-- exact (Lua would print it in 14 digits) and give PX the whole milliseconds it requires.
redis.call('SET', KEYS[1], string.format('%.3f', new_tat), 'PX', math.ceil(new_tat - now))
return {1, 0, math.floor((now - allow_at) / interval)}
`;

export interface RateLimitRule {
  /** Requests allowed per period, all of which may come at once (the burst). */
  limit: number;
  periodMs: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** When refused: how long until one more request would be allowed. */
  retryAfterMs: number;
  /** When allowed: how many more requests fit right now. */
  remaining: number;
}

type RedisWithGcra = Redis & {
  homegraphGcra(
    key: string,
    interval: number,
    period: number,
    cost: number,
  ): Promise<[number, number, number]>;
};

export class RedisRateLimiter {
  private readonly redis: RedisWithGcra;

  constructor(
    redis: Redis,
    private readonly prefix = 'ratelimit',
  ) {
    if (!('homegraphGcra' in redis)) redis.defineCommand('homegraphGcra', { numberOfKeys: 1, lua: GCRA });
    this.redis = redis as RedisWithGcra;
  }

  /** Counts `cost` requests against `key` under `rule`; throws when Redis can't be reached. */
  async consume(key: string, rule: RateLimitRule, cost = 1): Promise<RateLimitDecision> {
    if (rule.limit < 1 || rule.periodMs < 1)
      throw new Error('a rate limit needs a positive limit and period');
    const [allowed, retryAfterMs, remaining] = await this.redis.homegraphGcra(
      `${this.prefix}:${key}`,
      rule.periodMs / rule.limit,
      rule.periodMs,
      cost,
    );
    return { allowed: allowed === 1, retryAfterMs: Math.ceil(retryAfterMs), remaining };
  }
}
