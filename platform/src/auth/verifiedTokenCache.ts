/**
 * Remembers tokens that verified, until a deadline no later than their expiry, so a token presented
 * again skips the signature check (an EdDSA verification per request is a measurable share of a busy
 * service's CPU). Bounded, least recently used out first. Failures are never remembered, and an entry is
 * never used past its deadline.
 */
export class VerifiedTokenCache<T> {
  private readonly entries = new Map<string, { value: T; untilMs: number }>();

  constructor(private readonly capacity = 10_000) {}

  get(token: string, nowMs = Date.now()): T | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    this.entries.delete(token);
    if (entry.untilMs <= nowMs) return undefined;
    this.entries.set(token, entry);
    return entry.value;
  }

  /** `untilMs`: epoch ms after which the token must be verified again (at most its `exp`). */
  set(token: string, value: T, untilMs: number): void {
    this.entries.delete(token);
    if (this.entries.size >= this.capacity) {
      const leastRecent = this.entries.keys().next();
      if (!leastRecent.done) this.entries.delete(leastRecent.value);
    }
    this.entries.set(token, { value, untilMs });
  }
}
