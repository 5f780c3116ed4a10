/**
 * Remembers tokens that verified, until they expire, so a token presented again skips the signature
 * check (an EdDSA verification per request is a measurable share of a busy service's CPU). Bounded: the
 * oldest entry goes when full. Failures are never remembered, and an entry is never used past `exp`.
 */
export class VerifiedTokenCache<T> {
  private readonly entries = new Map<string, { value: T; expiresAtMs: number }>();

  constructor(private readonly capacity = 10_000) {}

  get(token: string, nowMs = Date.now()): T | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= nowMs) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.value;
  }

  set(token: string, value: T, expiresAtSeconds: number): void {
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, { value, expiresAtMs: expiresAtSeconds * 1000 });
  }
}
