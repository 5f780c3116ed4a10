import type { Logger, RateLimitRule, RedisRateLimiter } from '@homegraph/platform';
import type { ServerResponse } from 'node:http';
import { sendGraphQLError } from './httpErrors';

export const perMinute = (limit: number): RateLimitRule => ({ limit, periodMs: 60_000 });

/**
 * Counts one request against `key` and, past the limit, answers 429 with `Retry-After` and the
 * RATE_LIMITED code; returns whether the request may go on. Limits live in Redis so every router
 * replica counts together. When Redis can't be reached the request goes through (logged): the limiter
 * protects the API and must not take it down; /ready reports Redis as failing meanwhile.
 */
export async function admitWithinLimit(
  limiter: RedisRateLimiter,
  key: string,
  rule: RateLimitRule,
  res: ServerResponse,
  logger: Logger,
): Promise<boolean> {
  const decision = await limiter.consume(key, rule).catch((error: unknown) => {
    logger.warn({ err: error }, 'rate limiter unavailable; letting the request through');
    return undefined;
  });
  if (!decision) return true;
  if (decision.allowed) {
    res.setHeader('ratelimit-remaining', String(decision.remaining));
    return true;
  }
  const retryAfterSeconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  logger.info({ limitKey: key.split(':', 1)[0], retryAfterSeconds }, 'rate limited');
  res.setHeader('retry-after', String(retryAfterSeconds));
  sendGraphQLError(res, 'RATE_LIMITED', `Too many requests; retry in ${retryAfterSeconds} s.`, {
    retryAfterSeconds,
  });
  return false;
}
