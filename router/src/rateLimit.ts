import {
  ERROR_CODES,
  sendJson,
  type Logger,
  type RateLimitRule,
  type RedisRateLimiter,
  type RouteHandler,
} from '@homegraph/platform';

/**
 * Refuses a caller past its limit with 429, `Retry-After` and the RATE_LIMITED code, before any work is
 * done. Limits live in Redis so every router replica counts together. When Redis can't be reached the
 * request goes through (logged): the limiter protects the API and must not take it down; /ready reports
 * Redis as failing meanwhile.
 */
export function withIpRateLimit(
  handler: RouteHandler,
  limiter: RedisRateLimiter,
  rule: RateLimitRule,
  logger: Logger,
): RouteHandler {
  return async (req, res) => {
    const ip = req.socket.remoteAddress ?? 'unknown';
    const decision = await limiter.consume(`ip:${ip}`, rule).catch((error: unknown) => {
      logger.warn({ err: error }, 'rate limiter unavailable; letting the request through');
      return undefined;
    });
    if (decision && !decision.allowed) {
      const retryAfterSeconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      res.setHeader('retry-after', String(retryAfterSeconds));
      sendJson(res, ERROR_CODES.RATE_LIMITED.httpStatus, {
        errors: [
          {
            message: `Too many requests; retry in ${retryAfterSeconds} s.`,
            extensions: { code: 'RATE_LIMITED', retryAfterSeconds },
          },
        ],
      });
      return;
    }
    if (decision) res.setHeader('ratelimit-remaining', String(decision.remaining));
    await handler(req, res);
  };
}
