import { AppError, verifyToken, type TokenKeySource } from '@homegraph/platform';
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
  return async (authorization: string | undefined): Promise<User | undefined> => {
    if (authorization === undefined) return undefined;
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization.trim());
    if (!match?.[1]) throw new AppError('UNAUTHENTICATED', 'Authorization must be a Bearer access token');
    // verifyToken reports every failure as an invalid token; an unreachable key set is not the
    // caller's fault, so it is told apart here and answered as a retryable outage.
    let keysUnavailable = false;
    const keys: TokenKeySource = async (header, token) => {
      try {
        return await remote(header, token);
      } catch (error) {
        if (!TOKEN_FAULTS.has((error as { code?: string }).code ?? '')) keysUnavailable = true;
        throw error;
      }
    };
    let payload;
    try {
      payload = await verifyToken(match[1], keys, {
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
    return { id: claims.data.sub, roles: [...new Set(claims.data.roles)] };
  };
}

export type AccessTokenVerifier = ReturnType<typeof createAccessTokenVerifier>;
