import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { AppError } from '../errors';
import { localKeySet, verifyToken } from './tokens';
import { VerifiedTokenCache } from './verifiedTokenCache';

/** Who the router vouches for on one request to one subgraph. */
export interface CallerIdentity {
  /** The user id, or `anonymous`. */
  subject: string;
  roles: string[];
}

const jwksSchema = z
  .string({ error: 'is required: the router public keys (JWKS JSON)' })
  .transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: 'must be JSON' });
      return z.NEVER;
    }
  })
  .pipe(z.object({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.string() })).min(1) }));

/** What every subgraph reads to check the router's tokens. Public keys, so not secrets. */
export const internalAuthEnvironment = z.object({
  ROUTER_PUBLIC_JWKS: jwksSchema,
  ROUTER_TOKEN_ISSUER: z.string().default('homegraph-router'),
});

export interface InternalAuthSettings {
  jwks: { keys: object[] };
  issuer: string;
  /** This subgraph's name, as in supergraph.yaml: tokens made for another subgraph are refused. */
  audience: string;
}

/**
 * Checks the short-lived token the router attaches to every subgraph request. A request without one,
 * or with one made for another subgraph, of another type, expired or forged, is refused: subgraphs
 * answer only the router.
 */
export function internalTokenAuthenticator({ jwks, issuer, audience }: InternalAuthSettings) {
  const keys = localKeySet(jwks as Parameters<typeof localKeySet>[0]);
  // The router reuses a token for its lifetime, so most requests present one already checked.
  const verified = new VerifiedTokenCache<CallerIdentity>();
  return async (req: IncomingMessage): Promise<CallerIdentity> => {
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ')) {
      throw new AppError(
        'UNAUTHENTICATED',
        'this service answers only requests that come through the router',
      );
    }
    const token = header.slice('Bearer '.length);
    const known = verified.get(token);
    if (known) return known;
    const payload = await verifyToken(token, keys, { type: 'internal', issuer, audience });
    const roles = Array.isArray(payload['roles'])
      ? payload['roles'].filter((role) => typeof role === 'string')
      : [];
    const identity = { subject: payload.sub as string, roles };
    verified.set(token, identity, (payload.exp as number) * 1000);
    return identity;
  };
}
