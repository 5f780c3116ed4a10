import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { RedisRateLimiter } from '../src/rateLimit';

/** Limits live in Redis: every replica (here, two limiters on two connections) shares them. */
describe('RedisRateLimiter on a real Redis', () => {
  let first: Redis;
  let second: Redis;
  const rule = { limit: 3, periodMs: 60_000 };

  beforeAll(() => {
    const url = process.env['REDIS_URL'];
    if (!url)
      throw new Error('REDIS_URL is not set: integration tests run under test/support/globalSetup.ts');
    first = new Redis(url);
    second = new Redis(url);
  });

  afterAll(() => {
    first.disconnect();
    second.disconnect();
  });

  it('allows a burst up to the limit, then refuses with a retry delay', async () => {
    const limiter = new RedisRateLimiter(first, `test-${randomUUID()}`);
    const decisions = [];
    for (let request = 0; request < 4; request++) decisions.push(await limiter.consume('user:1', rule));
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
    expect(decisions.map((decision) => decision.remaining).slice(0, 3)).toEqual([2, 1, 0]);
    const refused = decisions[3];
    expect(refused?.retryAfterMs).toBeGreaterThan(0);
    expect(refused?.retryAfterMs).toBeLessThanOrEqual(rule.periodMs / rule.limit);
  });

  it('holds limits that do not divide the period (a fractional interval)', async () => {
    const limiter = new RedisRateLimiter(first, `test-${randomUUID()}`);
    for (const fractional of [
      { limit: 7, periodMs: 60_000 },
      { limit: 10_000_000, periodMs: 60_000 },
    ]) {
      const key = `user:${fractional.limit}`;
      const decisions = [];
      for (let request = 0; request < 8; request++) decisions.push(await limiter.consume(key, fractional));
      const expected = Array.from({ length: 8 }, (_, index) => index < fractional.limit);
      expect(decisions.map((decision) => decision.allowed)).toEqual(expected);
    }
  });

  it('shares one limit across replicas and keeps keys apart', async () => {
    const prefix = `test-${randomUUID()}`;
    const replicaA = new RedisRateLimiter(first, prefix);
    const replicaB = new RedisRateLimiter(second, prefix);
    const outcomes = [
      await replicaA.consume('ip:10.0.0.1', rule),
      await replicaB.consume('ip:10.0.0.1', rule),
      await replicaA.consume('ip:10.0.0.1', rule),
      await replicaB.consume('ip:10.0.0.1', rule),
    ].map((decision) => decision.allowed);
    expect(outcomes).toEqual([true, true, true, false]);
    expect((await replicaB.consume('ip:10.0.0.2', rule)).allowed).toBe(true);
  });

  it('counts a costly request as several', async () => {
    const limiter = new RedisRateLimiter(first, `test-${randomUUID()}`);
    expect((await limiter.consume('partner:a', rule, 3)).allowed).toBe(true);
    expect((await limiter.consume('partner:a', rule, 1)).allowed).toBe(false);
  });
});
