import { VerifiedTokenCache } from '../src/auth/verifiedTokenCache';

describe('VerifiedTokenCache', () => {
  it('answers until the deadline, never after', () => {
    const cache = new VerifiedTokenCache<string>();
    cache.set('token', 'alice', 1_000_000);
    expect(cache.get('token', 999_999)).toBe('alice');
    expect(cache.get('token', 1_000_000)).toBeUndefined();
    expect(cache.get('token', 999_999)).toBeUndefined();
  });

  it('forgets the least recently used entry when full', () => {
    const cache = new VerifiedTokenCache<number>(2);
    cache.set('a', 1, 10_000);
    cache.set('b', 2, 10_000);
    expect(cache.get('a', 0)).toBe(1);
    cache.set('c', 3, 10_000);
    expect([cache.get('a', 0), cache.get('b', 0), cache.get('c', 0)]).toEqual([1, undefined, 3]);
  });
});
