import { signToken, type SigningKey } from '@homegraph/platform';

export interface InternalTokenSettings {
  issuer: string;
  ttlSeconds: number;
}

export interface Identity {
  subject: string;
  roles: readonly string[];
}

/**
 * A token stays in use until this long before it expires, so a subgraph that receives it near the end
 * of a slow request (and with some clock skew) still accepts it.
 */
const SAFETY_MARGIN_SECONDS = 10;
const MAX_ENTRIES = 10_000;

/**
 * Signs the router's statement of who is calling, for one subgraph. A signature per subgraph fetch is
 * most of the cost on hot paths, so a token is reused for the same (subject, roles, audience) while it
 * has more than the safety margin left. Short TTLs (at most the margin) are never reused.
 */
export function createInternalTokenSigner(key: SigningKey, settings: InternalTokenSettings) {
  const reuseMs = Math.max(0, settings.ttlSeconds - SAFETY_MARGIN_SECONDS) * 1000;
  const cache = new Map<string, { token: string; reuseUntil: number }>();

  return async (audience: string, identity: Identity): Promise<string> => {
    const roles = [...identity.roles].sort();
    const cacheKey = JSON.stringify([audience, identity.subject, roles]);
    const now = Date.now();
    const cached = cache.get(cacheKey);
    if (cached && cached.reuseUntil > now) return cached.token;
    const token = await signToken(key, {
      type: 'internal',
      issuer: settings.issuer,
      audience,
      subject: identity.subject,
      ttlSeconds: settings.ttlSeconds,
      claims: { roles },
    });
    if (reuseMs > 0) {
      cache.delete(cacheKey);
      if (cache.size >= MAX_ENTRIES) {
        // Map keeps insertion order: the first entry is the one that will expire soonest.
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      cache.set(cacheKey, { token, reuseUntil: now + reuseMs });
    }
    return token;
  };
}

export type InternalTokenSigner = ReturnType<typeof createInternalTokenSigner>;
