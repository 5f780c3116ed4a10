import type { Logger, RateLimitRule, RedisRateLimiter } from '@homegraph/platform';
import type { ServerResponse } from 'node:http';
import { sendGraphQLError } from './httpErrors';

export const perMinute = (limit: number): RateLimitRule => ({ limit, periodMs: 60_000 });

/**
 * Counts one request against `key`; answers the seconds to wait when it is over the limit, else
 * undefined. Limits live in Redis so every router replica counts together. When Redis can't be reached
 * the request goes through (logged): the limiter protects the API and must not take it down; /ready
 * reports Redis as failing meanwhile.
 */
export async function retryAfterSeconds(
  limiter: RedisRateLimiter,
  key: string,
  rule: RateLimitRule,
  logger: Logger,
  onAllowed?: (remaining: number) => void,
): Promise<number | undefined> {
  const decision = await limiter.consume(key, rule).catch((error: unknown) => {
    logger.warn({ err: error }, 'rate limiter unavailable; letting the request through');
    return undefined;
  });
  if (!decision) return undefined;
  if (decision.allowed) {
    onAllowed?.(decision.remaining);
    return undefined;
  }
  const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  logger.info({ limitKey: key.split(':', 1)[0], retryAfterSeconds: seconds }, 'rate limited');
  return seconds;
}

/**
 * Counts one HTTP request against `key` and, past the limit, answers 429 with `Retry-After` and the
 * RATE_LIMITED code; returns whether the request may go on.
 */
export async function admitWithinLimit(
  limiter: RedisRateLimiter,
  key: string,
  rule: RateLimitRule,
  res: ServerResponse,
  logger: Logger,
): Promise<boolean> {
  const wait = await retryAfterSeconds(limiter, key, rule, logger, (remaining) =>
    res.setHeader('ratelimit-remaining', String(remaining)),
  );
  if (wait === undefined) return true;
  res.setHeader('retry-after', String(wait));
  sendGraphQLError(res, 'RATE_LIMITED', `Too many requests; retry in ${wait} s.`, {
    retryAfterSeconds: wait,
  });
  return false;
}
