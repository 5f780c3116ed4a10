import { AppError, VerifiedTokenCache, verifyToken, type TokenKeySource } from '@homegraph/platform';
import { createRemoteJWKSet } from 'jose';
import { z } from 'zod';

export const USER_ROLES = ['USER', 'AGENT', 'MODERATOR', 'ADMIN'] as const;

export interface User {
  id: string;
  roles: string[];
}

export interface AccessTokenSettings {
  jwksUrl: string;
  issuer: string;
  audience: string;
  cooldownMs: number;
  maxAgeMs: number;
}

const claimsSchema = z.object({
  sub: z.uuid(),
  roles: z.array(z.enum(USER_ROLES)).max(USER_ROLES.length),
});

/** JOSE errors that mean the token is wrong; anything else while fetching keys is our outage. */
const TOKEN_FAULTS = new Set([
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JWS_INVALID',
]);

/**
 * Verifies users' access tokens against the keys the users subgraph publishes. An unknown `kid` makes
 * the key set fetch again (at most once per cooldown), so a key rotated in is trusted without a restart.
 * Returns undefined when no credentials were sent: anonymous. Credentials that were sent but don't
 * verify are always UNAUTHENTICATED, never a silent fall back to anonymous.
 */
export function createAccessTokenVerifier(settings: AccessTokenSettings) {
  const remote = createRemoteJWKSet(new URL(settings.jwksUrl), {
    cooldownDuration: settings.cooldownMs,
    cacheMaxAge: settings.maxAgeMs,
    timeoutDuration: 5_000,
  });
  // A signature check per request is a measurable share of the router's CPU, and its outcome for the
  // same token can only change at `exp`. An entry is kept at most until then, and no longer than a
  // fetched key set is, so a key withdrawn from the JWKS stops being honoured about as soon as without
  // the cache. Failures are never remembered: they are cheap to repeat and may be transient.
  const verified = new VerifiedTokenCache<User>();
  const remember = (token: string, user: User, expSeconds: unknown) => {
    if (typeof expSeconds !== 'number') return;
    const now = Date.now();
    const until = Math.min(expSeconds * 1000, now + settings.maxAgeMs);
    // Past `exp` but within the clock tolerance: accepted, but only by verifying each time.
    if (until > now) verified.set(token, user, until);
  };
  const copy = (user: User): User => ({ id: user.id, roles: [...user.roles] });

  return async (authorization: string | undefined): Promise<User | undefined> => {
    if (authorization === undefined) return undefined;
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization.trim());
    if (!match?.[1]) throw new AppError('UNAUTHENTICATED', 'Authorization must be a Bearer access token');
    const token = match[1];
    const hit = verified.get(token);
    if (hit) return copy(hit);
    // verifyToken reports every failure as an invalid token; an unreachable key set is not the
    // caller's fault, so it is told apart here and answered as a retryable outage.
    let keysUnavailable = false;
    const keys: TokenKeySource = async (header, jws) => {
      try {
        return await remote(header, jws);
      } catch (error) {
        if (!TOKEN_FAULTS.has((error as { code?: string }).code ?? '')) keysUnavailable = true;
        throw error;
      }
    };
    let payload;
    try {
      payload = await verifyToken(token, keys, {
        type: 'access',
        issuer: settings.issuer,
        audience: settings.audience,
      });
    } catch (error) {
      if (keysUnavailable)
        throw new AppError('SERVICE_UNAVAILABLE', 'Sign-in keys are unavailable; retry later.');
      throw error;
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw new AppError('UNAUTHENTICATED', 'invalid token');
    const user = { id: claims.data.sub, roles: [...new Set(claims.data.roles)] };
    remember(token, user, payload.exp);
    return copy(user);
  };
}

export type AccessTokenVerifier = ReturnType<typeof createAccessTokenVerifier>;
